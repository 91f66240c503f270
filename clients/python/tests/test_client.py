"""test_client.py: the netfault Python client against a real netfaultd.

The daemon is the one at $NETFAULT_SOCKET (tests/cli/python.sh starts its
own); $NETFAULT_TEST_DATA is tests/cli/data. Every run is real: namespaces,
sockets and packets. Run as `python3 test_client.py`: TAP lines on stdout.
Standard library only (unittest).
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import netfault  # noqa: E402

SOCKET = os.environ.get("NETFAULT_SOCKET", "")
DATA = os.environ.get("NETFAULT_TEST_DATA", "")
WAIT = 60          # seconds a read may wait: generous, runs take 2 to 3 s


def data(name):
    return os.path.join(DATA, name)


@unittest.skipUnless(SOCKET and DATA, "needs NETFAULT_SOCKET and NETFAULT_TEST_DATA "
                     "(tests/cli/python.sh sets them)")
class ClientTest(unittest.TestCase):
    def setUp(self):
        self.nf = netfault.Client(SOCKET, timeout=WAIT)

    def tearDown(self):
        self.nf.close()

    def test_status(self):
        st = self.nf.status()
        self.assertEqual(st["version"], netfault.__version__)
        self.assertGreater(st["pid"], 0)
        self.assertIn("limits", st)

    def test_run_text_reads_verdicts(self):
        with open(data("pass.yaml")) as f:
            text = f.read()
        result = self.nf.run_one(text=text, file="pass-as-text.yaml")
        self.assertEqual(result.state, "passed", result.reason)
        self.assertTrue(result.passed)
        self.assertEqual(result.file, "pass-as-text.yaml")
        self.assertEqual(result.verdict("server"), "fin")
        server = result.app("server")
        self.assertEqual(server.expected, "fin")
        self.assertTrue(server.expect_ok)
        self.assertIsNotNone(server.t)
        kinds = [e.kind for e in result.events]
        self.assertIn("t0", kinds)
        self.assertIn("verdict", kinds)
        self.assertEqual(result.verdicts["server"], "fin")

    def test_run_file_that_fails(self):
        result = self.nf.run_one(path=data("fail.yaml"))
        self.assertEqual(result.state, "failed")
        self.assertFalse(result.passed)
        self.assertTrue(result.reason)
        server = result.app("server")
        self.assertEqual((server.verdict, server.expected, server.expect_ok),
                         ("fin", "rst", False))

    def test_events_stream_before_the_result(self):
        sub = self.nf.submit(path=data("pass.yaml"))
        self.assertEqual(len(sub.runs), 1)
        self.assertEqual(sub.runs[0].state, "queued")
        seen = []
        for event in sub.events():
            seen.append(event.kind)
            self.assertEqual(event.run, sub.run_ids[0])
        self.assertEqual(seen[-1], "end")
        self.assertLess(seen.index("t0"), seen.index("verdict"))
        self.assertTrue(sub.done)
        self.assertTrue(sub.passed)
        self.assertEqual([r.state for r in sub.results()], ["passed"])

    def test_set_values_make_a_sweep(self):
        results = self.nf.run(path=data("pass.yaml"),
                              sets={"expect.server": ["fin", "rst"]})
        self.assertEqual(len(results), 2)
        by_cell = {r.cell["expect.server"]: r for r in results}
        self.assertEqual(by_cell["fin"].state, "passed")
        self.assertEqual(by_cell["rst"].state, "failed")
        self.assertEqual(by_cell["rst"].verdict("server"), "fin")

    def test_scenario_errors_are_an_exception(self):
        with self.assertRaises(netfault.NetfaultError) as caught:
            self.nf.run(path=data("bad.yaml"))
        err = caught.exception
        self.assertTrue(any(e.startswith(data("bad.yaml") + ":3:1: unknown key \"duraton\"")
                            for e in err.errors), err.errors)
        self.assertTrue(any(":8:5:" in e for e in err.errors), err.errors)
        self.assertIn("duraton", str(err))
        self.assertEqual(self.nf.status()["pid"] > 0, True)   # still usable

    def test_daemon_messages_reach_the_exception(self):
        with self.assertRaises(netfault.NetfaultError) as caught:
            self.nf.show(999999)
        self.assertIn("999999", caught.exception.message)
        with self.assertRaises(netfault.NetfaultError):
            self.nf.cancel(999999)

    def test_cancel_a_run(self):
        sub = self.nf.submit(path=data("long.yaml"))
        run = sub.run_ids[0]
        events = sub.events()
        for event in events:
            if event.kind == "t0":
                break
        # the same connection: the cancel's reply is told from the stream's lines
        state = self.nf.cancel(run)
        self.assertIn(state, ("cancelling", "cancelled"))
        for _ in events:
            pass
        results = sub.results()
        self.assertEqual([r.state for r in results], ["cancelled"])
        self.assertEqual(self.nf.show(run).info.state, "cancelled")

    def test_list_and_show(self):
        result = self.nf.run_one(path=data("pass.yaml"))
        runs = {r.run: r for r in self.nf.list()}
        self.assertIn(result.run, runs)
        self.assertEqual(runs[result.run].state, "passed")
        self.assertEqual(runs[result.run].file, data("pass.yaml"))
        detail = self.nf.show(result.run)
        self.assertEqual(detail.info.name, result.name)
        self.assertIsNotNone(detail.result)
        self.assertEqual(detail.result.verdict("server"), "fin")
        self.assertIn("t0", [e.kind for e in detail.events])

    def test_detached_run_followed_by_show(self):
        sub = self.nf.submit(path=data("pass.yaml"), detach=True)
        run = sub.run_ids[0]
        self.assertEqual(sub.results(), [])
        deadline = time.monotonic() + WAIT
        while self.nf.show(run).result is None and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.nf.show(run).result.state, "passed")

    def test_two_connections(self):
        with netfault.Client(SOCKET, timeout=WAIT) as other:
            sub = other.submit(path=data("pass.yaml"))
            self.assertIn(sub.run_ids[0], [r.run for r in self.nf.list()])
            self.assertTrue(sub.results()[0].passed)


class OfflineTest(unittest.TestCase):
    def test_no_daemon_is_an_exception(self):
        with self.assertRaises(netfault.NetfaultError) as caught:
            netfault.Client("/nonexistent/netfaultd.sock")
        self.assertIn("/nonexistent/netfaultd.sock", str(caught.exception))

    def test_text_or_path(self):
        if not SOCKET:
            self.skipTest("needs NETFAULT_SOCKET")
        with netfault.Client(SOCKET) as nf, self.assertRaises(ValueError):
            nf.submit()


class TapResult(unittest.TextTestResult):
    """Each test as a TAP line, as tests/run-all counts them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.n = 0

    def _line(self, test, ok, note=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - python client: "
              f"{test.id().split('.', 1)[-1]}{note}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, True, f" # SKIP {reason}")


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    runner = unittest.TextTestRunner(stream=sys.stderr, resultclass=TapResult, verbosity=0)
    sys.exit(0 if runner.run(suite).wasSuccessful() else 1)
