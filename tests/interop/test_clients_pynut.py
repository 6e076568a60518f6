"""PyNUTClient: ours answers like Debian's PyNUT 1.4.0 for the same calls.

Both run in subprocesses (Debian's module imports the deprecated telnetlib)
through ``tests/support/pynut_probe.py``, which prints one ``repr`` per call:
results, or the exception type and its arguments.  Where PyNUT 1.4.0 is
broken and later PyNUT or plain correctness says otherwise, the test says so.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import DEVICES, nut_clients_available, run_nut
from tests.support.nutpeer import NutServer, User, free_port, run

PYNUT = Path("/usr/lib/python3/dist-packages/PyNUT.py")
PROBE = Path(__file__).resolve().parents[1] / "support" / "pynut_probe.py"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not (nut_clients_available() and PYNUT.exists() and Path("/usr/bin/python3").exists()),
        reason="Debian's NUT and python3-nut are not installed",
    ),
]

USERS = {
    "admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",)),
    "mon": User(password="m", upsmon="primary"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    root = tmp_path_factory.mktemp("nut-pynut")
    with NutServer(DEVICES, users=USERS, root=root) as srv:
        yield srv


def probe(which: str, server: NutServer, init: dict[str, Any], *calls: list[Any]) -> list[Any]:
    exe = "/usr/bin/python3" if which == "debian" else sys.executable
    spec = json.dumps({"init": init, "calls": list(calls)})
    rc, out, err = run([exe, "-W", "ignore", str(PROBE), which, spec], env=server.env)
    assert rc == 0, err
    return [ast.literal_eval(line) for line in out.splitlines()]


def both(server: NutServer, init: dict[str, Any], *calls: list[Any]) -> list[Any]:
    theirs = probe("debian", server, init, *calls)
    ours = probe("ours", server, init, *calls)
    assert ours == theirs
    return ours


def anon(server: NutServer) -> dict[str, Any]:
    return {"host": server.host, "port": server.port}


def admin(server: NutServer) -> dict[str, Any]:
    return {**anon(server), "login": "admin", "password": "s3cret"}


def test_pynut_reads_everything(server: NutServer) -> None:
    calls = [["GetUPSList", []]]
    for ups in sorted(DEVICES):
        calls += [["GetUPSVars", [ups]], ["GetRWVars", [ups]]]
    results = both(server, anon(server), *calls)
    assert results[0] == (
        "GetUPSList",
        "ok",
        {n.encode(): b"Description unavailable" for n in DEVICES},
    )
    _, kind, variables = results[1]
    assert kind == "ok" and variables[b"device.model"] == b"BK650M2-CH"


def test_pynut_errors(server: NutServer) -> None:
    results = both(
        server,
        anon(server),
        ["GetUPSVars", ["nope"]],
        ["GetUPSVars", [""]],
        ["GetRWVars", ["nope"]],
        ["GetUPSCommands", ["nope"]],
        ["RunUPSCommand", ["apc", "load.off"]],
        ["FSD", ["apc"]],
    )
    assert results[0] == ("GetUPSVars", "PyNUTError", (b"ERR UNKNOWN-UPS",))
    assert results[4] == ("RunUPSCommand", "PyNUTError", (b"ERR USERNAME-REQUIRED",))


def test_pynut_commands_and_misc(server: NutServer) -> None:
    results = both(
        server,
        admin(server),
        ["RunUPSCommand", ["apc", "load.off"]],
        ["RunUPSCommand", ["apc", "bogus.cmd"]],
        ["SetRWVar", ["apc", "ups.delay.shutdown", "25"]],
        ["FSD", ["apc"]],
        ["help", []],
        ["ver", []],
    )
    assert results[0] == ("RunUPSCommand", "ok", "OK")
    assert results[2] == ("SetRWVar", "ok", "OK")
    assert results[5] == (
        "ver",
        "ok",
        b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n",
    )


def test_pynut_login_failures(server: NutServer) -> None:
    both(server, {**anon(server), "login": "admin", "password": "s3cret"})
    results = both(server, {**anon(server), "login": "a b c"})
    assert results == [("init", "PyNUTError", (b"ERR INVALID-ARGUMENT",))]


def test_pynut_connection_refused(server: NutServer) -> None:
    results = both(server, {"host": "127.0.0.1", "port": free_port()})
    assert results == [("init", "ConnectionRefusedError", (111, "Connection refused"))]


def test_pynut_setrwvar_error_has_no_newline(server: NutServer) -> None:
    """PyNUT 1.4.0 keeps the newline in SetRWVar's error; 1.5.0 dropped it, so do we."""
    call = ["SetRWVar", ["apc", "no.such.var", "1"]]
    (theirs,) = probe("debian", server, admin(server), call)
    (ours,) = probe("ours", server, admin(server), call)
    assert theirs == ("SetRWVar", "PyNUTError", (b"ERR VAR-NOT-SUPPORTED\n",))
    assert ours == ("SetRWVar", "PyNUTError", (b"ERR VAR-NOT-SUPPORTED",))


def test_pynut_command_descriptions_are_right(server: NutServer) -> None:
    """PyNUT asks ``GET CMDDESC apc b'load.off'`` (bytes in a %s) and so gets no
    description; we ask for the command and get the one upscmd -l shows."""
    call = ["GetUPSCommands", ["apc"]]
    (theirs,) = probe("debian", server, anon(server), call)
    (ours,) = probe("ours", server, anon(server), call)
    assert theirs == ("GetUPSCommands", "ok", {b"load.off": b"Description unavailable"})
    _, listing, _ = run_nut("upscmd", ["-l", server.ups("apc")], server.env)
    assert listing.endswith("load.off - Turn off the load immediately\n")
    assert ours == ("GetUPSCommands", "ok", {b"load.off": b"Turn off the load immediately"})


def test_pynut_list_clients_works(server: NutServer) -> None:
    """PyNUT 1.4.0's ListClients cannot work (it compares str with bytes and
    sends LIST CLIENTS); we follow the fixed PyNUT 1.5.0."""
    call = ["ListClients", ["apc"]]
    (theirs,) = probe("debian", server, anon(server), call)
    assert theirs == ("ListClients", "PyNUTError", ("apc is not a valid UPS",))
    (ours,) = probe("ours", server, anon(server), call)
    assert ours == ("ListClients", "ok", {})
    mon = {**anon(server), "login": "mon", "password": "m"}
    results = probe("ours", server, mon, ["DeviceLogin", ["apc"]], ["ListClients", ["apc"]])
    assert results == [
        ("DeviceLogin", "ok", "OK"),
        ("ListClients", "ok", {b"apc": [b"127.0.0.1"]}),
    ]
