"""test_scenarios.py: netfault scenarios as pytest tests, one run per test,
asserting on the verdicts: what each TCP end saw and when.

    cd examples/pytest && python3 -m pytest -v

Each test is a real run (namespaces, sockets, packets) on the daemon, so
they need root's netfaultd (conftest.py).
"""
import pytest


def test_crash_before_reading_resets(nf, scenario):
    """A process that dies with unread data makes its kernel send RST."""
    result = nf.run_one(path=scenario("crash-unread.yaml"))
    assert result.passed, result.reason
    server = result.app("server")
    assert server.verdict == "rst"
    assert server.sender == "client"
    assert 1.0 <= server.t <= 1.5


def test_crash_after_reading_closes(nf, scenario):
    """... but with nothing unread, it sends FIN: an orderly close."""
    result = nf.run_one(path=scenario("crash-after-read.yaml"))
    assert result.verdict("server") == "fin", result.reason


@pytest.mark.parametrize("expected", ["fin", "rst"])
def test_an_expectation_set_from_the_test(nf, scenario, expected):
    """--set from Python: the expectation given by the test itself. The
    scenario's own is fin, so expecting rst must fail, with a reason."""
    result = nf.run_one(path=scenario("crash-after-read.yaml"),
                        sets={"expect.server.sees": expected})
    assert result.passed == (expected == "fin")
    if not result.passed:
        assert result.reason and "rst" in result.reason


def test_sweep_of_user_timeout(nf, scenario):
    """Several values make a sweep: one run, and one result, each."""
    results = nf.run(path=scenario("reject-reset.yaml"),
                     sets={"duration": ["3s", "4s"]})
    assert [r.cell["duration"] for r in results] == ["3s", "4s"]
    assert all(r.verdict("client") == "rst" for r in results)
