"""conftest.py: a netfault client for the tests of this directory.

The client comes from the installed package (`make install`), or from
clients/python in this source tree. The daemon is the one at
$NETFAULT_SOCKET, else /run/netfault/netfaultd.sock: start it first
(`systemctl start netfaultd`, or `netfaultd` as root). Without one, the
tests are skipped, saying so.
"""
import os
import sys

import pytest

try:
    import netfault
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "clients", "python"))
    import netfault

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="session")
def nf():
    """One connection for the session: its runs go to the daemon one
    request after another."""
    try:
        client = netfault.Client(timeout=120)
    except netfault.NetfaultError as e:
        pytest.skip(f"no netfaultd to run scenarios on: {e}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def scenario():
    """scenario(NAME): the path of an example scenario: from
    $NETFAULT_SCENARIOS, else this tree's scenarios/."""
    root = os.environ.get("NETFAULT_SCENARIOS") or os.path.join(HERE, "..", "..", "scenarios")

    def path(name):
        return os.path.join(root, name)
    return path
