"""Enumerations, ranges, typed and escaped values, through Debian's upsd.

dummy-ups cannot publish those, so a scripted driver (tests/support/fakedriver.py)
serves a fixed dump on the driver socket; upsd is Debian's, and NUT's
clients and ours are compared on what it serves.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from powerdown.client.blocking import NutClient
from tests.interop.test_clients_pynut import PYNUT, probe
from tests.support.clients import nut_clients_available, run_nut, run_ours
from tests.support.nutpeer import NutServer, User

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not nut_clients_available(), reason="Debian's NUT is not installed"),
]

FAKEDRIVER = Path(__file__).resolve().parents[1] / "support" / "fakedriver.py"

DUMP = r"""SETINFO device.model "Typed Test UPS"
SETINFO ups.status "OL"
SETINFO input.transfer.low "160"
SETFLAGS input.transfer.low RW NUMBER
ADDRANGE input.transfer.low 150 170
ADDRANGE input.transfer.low 180 190
SETINFO input.transfer.high "-5"
SETFLAGS input.transfer.high RW NUMBER
ADDRANGE input.transfer.high -10 0x20
SETINFO input.sensitivity "medium"
SETFLAGS input.sensitivity RW STRING
SETAUX input.sensitivity 8
ADDENUM input.sensitivity "low"
ADDENUM input.sensitivity "medium"
ADDENUM input.sensitivity "high"
SETINFO outlet.1.delay.start "10"
SETFLAGS outlet.1.delay.start RW NUMBER
ADDENUM outlet.1.delay.start "3"
ADDENUM outlet.1.delay.start "10"
SETINFO ups.id "my \"ups\" \\ \#1"
SETFLAGS ups.id RW STRING
SETAUX ups.id 20
SETINFO ups.delay.shutdown "20"
SETFLAGS ups.delay.shutdown RW
SETINFO battery.charge "97"
SETINFO ups.test.result "No test initiated"
ADDCMD beeper.enable
ADDCMD load.off
ADDCMD test.battery.start.quick
"""

UPS_ID = 'my "ups" \\ #1'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    root = tmp_path_factory.mktemp("nut-typed")
    dump = root / "typed.dump"
    dump.write_text(DUMP)
    users = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
    with NutServer(
        {"typed": dump},
        users=users,
        driver_cmd=(sys.executable, str(FAKEDRIVER)),
        root=root / "sandbox",
    ) as srv:
        yield srv


def same(server: NutServer, prog: str, *args: str) -> tuple[int, str, str]:
    argv = [a.format(typed=server.ups("typed")) for a in args]
    theirs = run_nut(prog, argv, server.env)
    ours = run_ours(prog, argv, server.env)
    assert ours == theirs
    return ours


def test_upsrw_shows_enums_ranges_and_types(server: NutServer) -> None:
    rc, out, _ = same(server, "upsrw", "{typed}")
    assert rc == 0
    assert (
        "[input.sensitivity]\nInput power sensitivity\nType: ENUM STRING\nMaximum length: 8\n"
        'Option: "low"\nOption: "medium" SELECTED\nOption: "high"\n\n'
    ) in out
    assert 'Type: RANGE NUMBER\nOption: "150-170" SELECTED\nOption: "180-190"\n' in out
    assert 'Option: "-10-0" SELECTED\n' in out  # atoi("0x20") is 0, as in C
    assert 'Type: ENUM NUMBER\nOption: "3"\nOption: "10" SELECTED\n' in out
    assert f"Type: STRING\nMaximum length: 20\nValue: {UPS_ID}\n" in out


def test_upsc_shows_escaped_values(server: NutServer) -> None:
    _, out, _ = same(server, "upsc", "{typed}", "ups.id")
    assert out == UPS_ID + "\n"
    _, out, _ = same(server, "upsc", "{typed}")
    assert f"ups.id: {UPS_ID}\n" in out
    rc, out, _ = run_ours("upsc", ["-j", server.ups("typed")], server.env)
    assert rc == 0 and json.loads(out)["ups.id"] == UPS_ID


def test_upscmd_lists_descriptions(server: NutServer) -> None:
    _, out, _ = same(server, "upscmd", "-l", "{typed}")
    assert "test.battery.start.quick - Start a quick battery test\n" in out


def test_set_and_instcmd_answers(server: NutServer) -> None:
    admin = ("-u", "admin", "-p", "s3cret")
    assert same(server, "upsrw", *admin, "-s", "input.sensitivity=high", "{typed}")[0] == 0
    assert same(server, "upscmd", *admin, "{typed}", "beeper.enable")[0] == 0


def test_library_reads_types(server: NutServer) -> None:
    with NutClient(server.host, server.port) as client:
        assert client.list_enum("typed", "input.sensitivity") == ["low", "medium", "high"]
        assert client.list_range("typed", "input.transfer.low") == [("150", "170"), ("180", "190")]
        assert client.get_type("typed", "input.sensitivity") == ("RW", "ENUM", "STRING:8")
        assert client.get_type("typed", "input.transfer.low") == ("RW", "RANGE", "NUMBER")
        assert client.get_var("typed", "ups.id") == UPS_ID
        assert client.list_rw("typed")["ups.id"] == UPS_ID


def test_pynut_reads_escaped_values_right(server: NutServer) -> None:
    """PyNUT splits reply lines on '"', so it mangles escaped values; we do not."""
    if not PYNUT.exists():
        pytest.skip("python3-nut is not installed")
    init = {"host": server.host, "port": server.port}
    (theirs,) = probe("debian", server, init, ["GetUPSVars", ["typed"]])
    (ours,) = probe("ours", server, init, ["GetUPSVars", ["typed"]])
    their_vars, our_vars = theirs[2], ours[2]
    assert their_vars[b"ups.id"] == b"my \\"
    assert our_vars[b"ups.id"] == UPS_ID.encode()
    del their_vars[b"ups.id"], our_vars[b"ups.id"]
    assert our_vars == their_vars
