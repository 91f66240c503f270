"""results.py: what netfaultd sends back, as plain objects.

Every object keeps the daemon's JSON as it came in ``data``, so members this
client does not name are still there. The names follow netfaultd(8),
PROTOCOL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class AppResult:
    """One app's verdict: what its TCP end saw (fin, rst, timeout,
    unreachable, refused, nothing), when, and whether it was expected."""
    app: str
    host: str
    verdict: str
    t: Optional[float]
    evidence: str
    expected: Optional[str]      # the verdict the scenario expects, if any
    expect_ok: Optional[bool]
    sender: Optional[str]        # the result's "from": who sent the fin or rst
    data: Dict[str, Any] = field(repr=False)   # all of it: "expect" has the window

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AppResult":
        return cls(app=data.get("app", ""), host=data.get("host", ""),
                   verdict=data.get("verdict", ""), t=data.get("t"),
                   evidence=data.get("evidence") or "",
                   expected=(data.get("expect") or {}).get("sees"),
                   expect_ok=data.get("expect_ok"),
                   sender=data.get("from"), data=data)


@dataclass
class Event:
    """One event of a run's stream: its kind ("t0", "fault", "verdict",
    ...), its time in seconds since t0 (None before t0) and all its
    members in ``data``."""
    run: int
    kind: str
    t: Optional[float]
    data: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, run: int, data: Dict[str, Any]) -> "Event":
        return cls(run=run, kind=data.get("event", ""), t=data.get("t"), data=data)


@dataclass
class Result:
    """One run's end: its state (passed, failed, error, cancelled), the
    reason when an expectation did not hold, each app's verdict, and the
    events the client saw of it."""
    run: int
    state: str
    name: str
    file: str
    passed: bool
    reason: Optional[str]
    error: Optional[str]
    duration: Optional[float]
    cell: Optional[Dict[str, str]]
    apps: List[AppResult]
    events: List[Event]
    data: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, msg: Dict[str, Any], cell=None, events=None) -> "Result":
        res = msg.get("result") or {}
        return cls(run=msg.get("run", res.get("run", 0)),
                   state=msg.get("state", ""), name=res.get("name", ""),
                   file=res.get("file", ""), passed=bool(res.get("passed")),
                   reason=res.get("reason"), error=res.get("error"),
                   duration=res.get("duration"), cell=cell,
                   apps=[AppResult.from_json(a) for a in res.get("apps") or []],
                   events=list(events or []), data=res)

    def app(self, name: str) -> AppResult:
        """The result of the app called NAME (KeyError if there is none)."""
        for a in self.apps:
            if a.app == name:
                return a
        raise KeyError(f"run {self.run} has no app {name!r}: "
                       f"{[a.app for a in self.apps]}")

    def verdict(self, app: str) -> str:
        """What app APP saw: "fin", "rst", "timeout", ..."""
        return self.app(app).verdict

    @property
    def verdicts(self) -> Dict[str, str]:
        """{app: verdict} for every app."""
        return {a.app: a.verdict for a in self.apps}


@dataclass
class RunInfo:
    """A run as list and show describe it (and as accepted announces it)."""
    run: int
    state: str
    name: str
    file: str
    duration: Optional[float]
    cell: Optional[Dict[str, str]]
    passed: Optional[bool]
    reason: Optional[str]
    data: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any], file: str = "") -> "RunInfo":
        return cls(run=data.get("run", 0), state=data.get("state", ""),
                   name=data.get("name", ""), file=data.get("file", file),
                   duration=data.get("duration"), cell=data.get("cell"),
                   passed=data.get("passed"), reason=data.get("reason"), data=data)


@dataclass
class RunDetail:
    """show's answer: the run, the events the daemon kept and its result
    (None while it has none)."""
    info: RunInfo
    events: List[Event]
    result: Optional[Result]
    events_dropped: int
