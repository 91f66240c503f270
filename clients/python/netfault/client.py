"""client.py: a client of netfaultd's control socket (netfaultd(8),
PROTOCOL): newline-delimited JSON over a Unix stream socket.

Every request goes out with a tag of its own, and every reply, event,
result and done line comes back with it, so one connection carries several
requests at once: a list, show or cancel may be asked while runs stream.
Lines for a request nobody is reading yet wait in a queue of their own.
"""
from __future__ import annotations

import collections
import json
import os
import socket
from typing import Any, Deque, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from .results import Event, Result, RunDetail, RunInfo

DEFAULT_SOCKET = "/run/netfault/netfaultd.sock"

SetValues = Union[str, int, float, Sequence[Union[str, int, float]]]


class NetfaultError(Exception):
    """netfaultd refused a request, or could not be reached. ``message`` is
    the daemon's error text; ``errors`` its file:line:column lines for a
    scenario with errors; ``retry`` is true when the same request may pass
    later (the queue was full)."""

    def __init__(self, message: str, errors: Optional[List[str]] = None,
                 retry: bool = False):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])
        self.retry = retry

    def __str__(self) -> str:
        return "\n".join([self.message] + self.errors)


class ConnectionLost(NetfaultError):
    """The connection closed, or carried something that is not a reply."""


def default_socket() -> str:
    """$NETFAULT_SOCKET, else netfaultd's own /run/netfault/netfaultd.sock."""
    return os.environ.get("NETFAULT_SOCKET") or DEFAULT_SOCKET


def _values(value: SetValues) -> List[str]:
    if isinstance(value, (str, int, float)):
        return [str(value)]
    return [str(v) for v in value]


class Client:
    """A connection to netfaultd. Use it as a context manager, or close()
    it: closing cancels the runs it asked for that are still going (unless
    they were detached).

    timeout: seconds a read may wait for the daemon (None: no limit)."""

    def __init__(self, socket_path: Optional[str] = None,
                 timeout: Optional[float] = None):
        self.socket_path = socket_path or default_socket()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(self.socket_path)
        except OSError as e:
            self._sock.close()
            raise NetfaultError(f"cannot connect to {self.socket_path}: "
                                f"{e.strerror or e}; is netfaultd running?") from e
        self._sock.settimeout(timeout)
        self._buf = b""
        self._queues: Dict[int, Deque[Dict[str, Any]]] = {}
        self._next_tag = 1

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- the wire ---------------------------------------------------------

    def _send(self, request: Dict[str, Any]) -> int:
        tag = self._next_tag
        self._next_tag += 1
        request = dict(request, tag=tag)
        self._queues[tag] = collections.deque()
        try:
            self._sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as e:
            del self._queues[tag]
            raise ConnectionLost(f"sending to netfaultd: {e.strerror or e}") from e
        return tag

    def _read(self) -> Dict[str, Any]:
        while b"\n" not in self._buf:
            try:
                chunk = self._sock.recv(1 << 16)
            except socket.timeout as e:
                raise ConnectionLost("netfaultd did not answer in time") from e
            except OSError as e:
                raise ConnectionLost(f"reading from netfaultd: {e.strerror or e}") from e
            if not chunk:
                raise ConnectionLost("netfaultd closed the connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            msg = json.loads(line)
        except ValueError as e:
            raise ConnectionLost("netfaultd sent a line that is not JSON") from e
        if not isinstance(msg, dict):
            raise ConnectionLost("netfaultd sent a line that is not an object")
        return msg

    def _next(self, tag: int) -> Dict[str, Any]:
        """The next line for TAG, queueing the other requests' lines."""
        queue = self._queues[tag]
        while not queue:
            msg = self._read()
            other = msg.get("tag")
            if other is None and msg.get("type") == "error":
                raise NetfaultError(msg.get("error") or "refused", msg.get("errors"))
            if other in self._queues:
                self._queues[other].append(msg)
        return queue.popleft()

    def _finish(self, tag: int) -> None:
        self._queues.pop(tag, None)

    @staticmethod
    def _raise_for(msg: Dict[str, Any]) -> None:
        if msg.get("type") == "error" or msg.get("ok") is False:
            raise NetfaultError(msg.get("error") or "refused", msg.get("errors"),
                                bool(msg.get("retry")))

    def _request(self, request: Dict[str, Any]) -> Dict[str, Any]:
        tag = self._send(request)
        try:
            reply = self._next(tag)
        finally:
            self._finish(tag)
        self._raise_for(reply)
        return reply

    # ---- the requests -----------------------------------------------------

    def submit(self, text: Optional[str] = None, path: Optional[str] = None,
               file: Optional[str] = None,
               sets: Optional[Mapping[str, SetValues]] = None,
               detach: bool = False, pcap: Optional[str] = None) -> "Submission":
        """Asks for a run of a scenario, given as TEXT or read from PATH;
        FILE names it in messages (default: PATH, or "scenario.yaml").
        SETS overrides keys: {"apps.server.tcp.user_timeout": "2s"}; a list
        of values makes a sweep, one run each. Returns once the daemon has
        accepted it (NetfaultError with the scenario's errors if not)."""
        if (text is None) == (path is None):
            raise ValueError("give the scenario as text= or path=, one of them")
        if path is not None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        request: Dict[str, Any] = {
            "op": "run", "file": file or (os.fspath(path) if path else "scenario.yaml"),
            "text": text, "detach": bool(detach),
            "set": [{"path": p, "values": _values(v)} for p, v in (sets or {}).items()],
        }
        if pcap is not None:
            request["pcap"] = pcap
        tag = self._send(request)
        try:
            reply = self._next(tag)
            self._raise_for(reply)
        except BaseException:
            self._finish(tag)
            raise
        return Submission(self, tag, reply)

    def run(self, text: Optional[str] = None, path: Optional[str] = None,
            **kwargs: Any) -> List[Result]:
        """submit(), then wait: the results, one per run (a sweep has
        several), in the order the daemon accepted them."""
        return self.submit(text=text, path=path, **kwargs).results()

    def run_one(self, text: Optional[str] = None, path: Optional[str] = None,
                **kwargs: Any) -> Result:
        """run() of a scenario that makes one run: its result."""
        results = self.run(text=text, path=path, **kwargs)
        if len(results) != 1:
            raise ValueError(f"the scenario made {len(results)} runs, not one: use run()")
        return results[0]

    def list(self) -> List[RunInfo]:
        """Every run the daemon keeps: queued, running and finished."""
        return [RunInfo.from_json(r) for r in self._request({"op": "list"}).get("runs", [])]

    def show(self, run: int) -> RunDetail:
        """One run: its state, the events kept and its result (or None)."""
        reply = self._request({"op": "show", "run": int(run)})
        info = RunInfo.from_json(reply)
        events = [Event.from_json(info.run, e) for e in reply.get("events") or []]
        result = None
        if isinstance(reply.get("result"), dict):
            result = Result.from_json({"run": info.run, "state": info.state,
                                       "result": reply["result"]}, info.cell, events)
        return RunDetail(info, events, result, int(reply.get("events_dropped") or 0))

    def cancel(self, run: int) -> str:
        """Cancels a run; returns its state then ("cancelled", or
        "cancelling" while its worker tears it down)."""
        return self._request({"op": "cancel", "run": int(run)}).get("state", "")

    def status(self) -> Dict[str, Any]:
        """The daemon's status: version, pid, runs, clients, limits..."""
        reply = self._request({"op": "status"})
        return {k: v for k, v in reply.items() if k not in ("type", "ok", "tag")}


class Submission:
    """An accepted run request: ``runs`` its runs as accepted; events()
    follows them, results() waits for their ends."""

    def __init__(self, client: Client, tag: int, accepted: Dict[str, Any]):
        self._client = client
        self._tag = tag
        self.file = accepted.get("file", "")
        self.detach = bool(accepted.get("detach"))
        self.runs = [RunInfo.from_json(r, self.file) for r in accepted.get("runs") or []]
        self._events: Dict[int, List[Event]] = {r.run: [] for r in self.runs}
        self._results: Dict[int, Result] = {}
        self.done = self.detach
        self.passed: Optional[bool] = None
        if self.detach:
            client._finish(tag)

    @property
    def run_ids(self) -> List[int]:
        return [r.run for r in self.runs]

    def events(self) -> Iterator[Event]:
        """Each event of the runs as it comes, until every run has ended
        (the results are kept for results())."""
        while not self.done:
            msg = self._client._next(self._tag)
            kind = msg.get("type")
            run = msg.get("run")
            if kind == "event" and isinstance(msg.get("event"), dict):
                event = Event.from_json(run, msg["event"])
                self._events.setdefault(run, []).append(event)
                yield event
            elif kind == "result":
                cell = next((r.cell for r in self.runs if r.run == run), None)
                self._results[run] = Result.from_json(msg, cell, self._events.get(run))
            elif kind == "done":
                self.done = True
                self.passed = bool(msg.get("passed"))
                self._client._finish(self._tag)
            elif kind == "error":
                self._client._finish(self._tag)
                self.done = True
                Client._raise_for(msg)

    def results(self) -> List[Result]:
        """Waits for every run's end; the results in the runs' order. A
        detached request has none: follow its runs with Client.show()."""
        for _ in self.events():
            pass
        return [self._results[r] for r in self.run_ids if r in self._results]
