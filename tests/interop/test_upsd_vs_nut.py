"""NUT's own clients see the same thing from our upsd as from NUT's upsd.

Both servers serve the same real device dump (``../shared/ddl``) through
NUT's dummy-ups.  We run Debian's upsc, upscmd, upsrw and PyNUT against each
and compare what a user sees: stdout, stderr and exit code, byte for byte.

Descriptions (upsrw prints them) come from a table: NUT's upsd reads its
``cmdvartab``; ours reads the same file when ``NUT_DATAPATH`` points at it,
which is how these tests make the two tables equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSRW,
    OUR_UPSD,
    NutServer,
    User,
    ddl,
    run,
)

pytestmark = pytest.mark.interop

DEVICES = [
    ddl("APC", "Back-UPS_BK650M2"),
    ddl("Eaton", "3S_550"),
    ddl("Cyber_Power_Systems"),
    ddl("Tripp_Lite", "AVR750U"),
    ddl("Riello", "IPG_600"),
    ddl("Powercom", "RPT-600AP"),
    ddl("Liebert", "GXT2"),
    ddl("MGE_UPS_SYSTEMS"),
]

USERS = {
    "admin": User(password="secret", actions=["SET", "FSD"], instcmds=["ALL"], upsmon="primary"),
    "viewer": User(password="look", upsmon="secondary"),
}

NUT_DATAPATH = "/usr/share/nut"


def _our_upsd_with_nut_descriptions() -> tuple[str, ...]:
    return ("/usr/bin/env", f"NUT_DATAPATH={NUT_DATAPATH}", *OUR_UPSD)


@pytest.fixture(scope="module", params=DEVICES, ids=lambda p: p.name.split("__")[1])
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[NutServer, NutServer]]:
    dev: Path = request.param
    theirs = NutServer({"ups": dev}, users=USERS, root=tmp_path_factory.mktemp("nut"))
    try:
        ours = NutServer(
            {"ups": dev},
            users=USERS,
            upsd_cmd=_our_upsd_with_nut_descriptions(),
            root=tmp_path_factory.mktemp("ours"),
        )
    except BaseException:
        theirs.stop()
        raise
    try:
        yield theirs, ours
    finally:
        ours.stop()
        theirs.stop()


def both(pair: tuple[NutServer, NutServer], *cmd: str) -> tuple[object, object]:
    """Run ``cmd`` against each server; ``{ups}`` and ``{host}`` are filled in."""
    out = []
    for server in pair:
        args = [a.format(ups=server.ups("ups"), host=server.hostport) for a in cmd]
        rc, stdout, stderr = run(args, env=server.env)
        # The only difference allowed: the port each server listens on.
        out.append(
            (rc, stdout.replace(str(server.port), "PORT"), stderr.replace(str(server.port), "PORT"))
        )
    return out[0], out[1]


CLIENT_RUNS = [
    (NUT_UPSC, "{ups}"),
    (NUT_UPSC, "{ups}", "ups.status"),
    (NUT_UPSC, "{ups}", "battery.charge"),
    (NUT_UPSC, "{ups}", "no.such.var"),
    (NUT_UPSC, "nosuch@{host}"),
    (NUT_UPSC, "-l", "{host}"),
    (NUT_UPSC, "-L", "{host}"),
    (NUT_UPSC, "-c", "{ups}"),
    (NUT_UPSCMD, "-l", "{ups}"),
    (NUT_UPSRW, "{ups}"),
    (NUT_UPSCMD, "-u", "viewer", "-p", "look", "{ups}", "beeper.enable"),
    (NUT_UPSCMD, "-u", "admin", "-p", "bad", "{ups}", "beeper.enable"),
    (NUT_UPSCMD, "-u", "admin", "-p", "secret", "{ups}", "no.such.cmd"),
    (NUT_UPSRW, "-u", "viewer", "-p", "look", "-s", "ups.delay.shutdown=30", "{ups}"),
    (NUT_UPSRW, "-u", "admin", "-p", "secret", "-s", "no.such.var=1", "{ups}"),
]


@pytest.mark.parametrize(
    "cmd", CLIENT_RUNS, ids=lambda c: " ".join(c[1:]).replace("{", "").replace("}", "")
)
def test_nut_clients_see_the_same(pair: tuple[NutServer, NutServer], cmd: tuple[str, ...]) -> None:
    theirs, ours = both(pair, *cmd)
    assert ours == theirs


def test_upscmd_and_upsrw_that_succeed(pair: tuple[NutServer, NutServer]) -> None:
    """A command and a SET that both servers accept, with the tracking wait."""
    theirs, ours = both(pair, NUT_UPSCMD, "-l", "{ups}")
    assert ours == theirs
    listed = [line.split(" - ")[0] for line in theirs[1].splitlines()[2:] if line]  # type: ignore[index]
    if listed:
        theirs, ours = both(
            pair, NUT_UPSCMD, "-u", "admin", "-p", "secret", "-w", "{ups}", listed[0]
        )
        assert ours == theirs
    theirs, ours = both(
        pair, NUT_UPSRW, "-u", "admin", "-p", "secret", "-w", "-s", "ups.status=OB", "{ups}"
    )
    assert ours == theirs
    # dummy-ups applies the SET: both servers now report it.
    theirs, ours = both(pair, NUT_UPSC, "{ups}", "ups.status")
    assert ours == theirs


PYNUT_SCRIPT = r"""
import json, sys
sys.path.insert(0, "/usr/lib/python3/dist-packages")
import PyNUT
port = int(sys.argv[1])
c = PyNUT.PyNUTClient(host="127.0.0.1", port=port, login="admin", password="secret")
out = {}
out["list"] = {k: v for k, v in c.GetUPSList().items()}
out["vars"] = c.GetUPSVars("ups")
out["rw"] = c.GetRWVars("ups")
out["cmds"] = c.GetUPSCommands("ups")
out["help"] = c.help()
try:
    c.RunUPSCommand("ups", "no.such.cmd")
    out["bad_cmd"] = "ok"
except PyNUT.PyNUTError as e:
    out["bad_cmd"] = str(e)
try:
    out["set"] = c.SetRWVar("ups", "ups.status", "OL")
except PyNUT.PyNUTError as e:
    out["set"] = str(e)
def norm(x):
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, dict):
        return {norm(k): norm(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [norm(v) for v in x]
    return x
print(json.dumps(norm(out), sort_keys=True))
"""


def test_pynut_sees_the_same(pair: tuple[NutServer, NutServer]) -> None:
    results = []
    for server in pair:
        rc, stdout, stderr = run(
            ["/usr/bin/python3", "-c", PYNUT_SCRIPT, str(server.port)], env=server.env
        )
        assert rc == 0, stderr
        results.append(json.loads(stdout))
    assert results[1] == results[0]
    assert results[0]["vars"], "PyNUT read no variables at all"


def test_our_own_description_table(tmp_path: Path) -> None:
    """Without NUT's cmdvartab our upsd describes NUT's standard names itself."""
    with NutServer({"ups": DEVICES[0]}, upsd_cmd=OUR_UPSD, root=tmp_path) as ours:
        env = {k: v for k, v in ours.env.items() if k != "NUT_DATAPATH"}
        rc, stdout, _ = run([NUT_UPSRW, ours.ups("ups")], env=env)
        assert rc == 0
        assert "[ups.delay.shutdown]" in stdout
        assert (
            "Description unavailable" not in stdout.split("[ups.delay.shutdown]")[1].splitlines()[1]
        )
