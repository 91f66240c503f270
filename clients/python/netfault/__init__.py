"""netfault: a Python client of netfaultd, the network fault daemon.

    import netfault

    with netfault.Client() as nf:
        result = nf.run_one(path="poweroff.yaml")
        assert result.passed, result.reason
        assert result.verdict("server") == "nothing"

Standard library only, Python 3.9 or later. The socket is $NETFAULT_SOCKET,
else /run/netfault/netfaultd.sock; netfaultd serves root and the members of
its -g group.
"""
from .client import DEFAULT_SOCKET, Client, ConnectionLost, NetfaultError, Submission, default_socket
from .results import AppResult, Event, Result, RunDetail, RunInfo

__all__ = ["Client", "Submission", "NetfaultError", "ConnectionLost", "DEFAULT_SOCKET",
           "default_socket", "Result", "AppResult", "Event", "RunInfo", "RunDetail"]
__version__ = "0.1.0"
