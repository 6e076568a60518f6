"""upsc: ours and NUT 2.8.0's print the same bytes for the same server state.

Each case runs Debian's /bin/upsc and ours with the same arguments against
the same Debian upsd + dummy-ups sandbox, and compares exit code, stdout and
stderr as a user would see them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from powerdown.client.blocking import NutClient
from tests.support.clients import DEVICES, nut_clients_available, run_nut, run_ours
from tests.support.nutpeer import NutServer, User, free_port, run, wait_until

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not nut_clients_available(), reason="Debian's NUT is not installed"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    users = {"admin": User(password="s3cret", actions=("SET",))}
    with NutServer(DEVICES, users=users, root=tmp_path_factory.mktemp("nut-upsc")) as srv:
        yield srv


def same(server: NutServer, *args: str) -> tuple[int, str, str]:
    theirs = run_nut("upsc", args, server.env)
    ours = run_ours("upsc", args, server.env)
    assert ours == theirs
    return ours


@pytest.mark.parametrize("ups", sorted(DEVICES))
def test_upsc_lists_all_variables(server: NutServer, ups: str) -> None:
    rc, out, err = same(server, server.ups(ups))
    assert rc == 0
    assert "ups.status: " in out or "device.type: " in out
    assert err == "Init SSL without certificate database\n"


@pytest.mark.parametrize("ups", sorted(DEVICES))
def test_upsc_one_variable(server: NutServer, ups: str) -> None:
    rc, out, _ = run_nut("upsc", [server.ups(ups)], server.env)
    name = out.splitlines()[-1].split(":", 1)[0]
    rc, value, _ = same(server, server.ups(ups), name)
    assert rc == 0 and value.endswith("\n")


def test_upsc_shows_a_value_just_set(server: NutServer) -> None:
    """A SET made through our client shows up the same in both upscs.

    (dummy-ups itself drops backslashes and cuts values at quotes or ``#``,
    so escaping is covered by the unit tests, not here.)
    """
    value = "set by powerdown"
    with NutClient(server.host, server.port) as client:
        client.username("admin")
        client.password("s3cret")
        client.set_var("powerware", "device.model", value)
        wait_until(lambda: client.get_var("powerware", "device.model") == value, what="SET")
    _, out, _ = same(server, server.ups("powerware"), "device.model")
    assert out == value + "\n"
    _, out, _ = same(server, server.ups("powerware"))
    assert f"device.model: {value}\n" in out


@pytest.mark.parametrize("flag", ["-l", "-L"])
def test_upsc_lists_upses(server: NutServer, flag: str) -> None:
    rc, out, _ = same(server, flag, server.hostport)
    assert rc == 0 and sorted(line.split(":")[0] for line in out.splitlines()) == sorted(DEVICES)


def test_upsc_lists_clients(server: NutServer) -> None:
    rc, out, _ = same(server, "-c", server.ups("apc"))
    assert rc == 0 and out == ""  # nobody is logged into it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{nope}",), "Error: Unknown UPS"),
        (("{apc}", "no.such.var"), "Error: Variable not supported by UPS"),
        (("{apc}", "oldstyle"), "Error: old-style variable names are not supported"),
        (("-c", "{nope}"), "Error: Unknown UPS"),
    ],
)
def test_upsc_server_errors(server: NutServer, args: tuple[str, ...], message: str) -> None:
    names = {name: server.ups(name) for name in [*DEVICES, "nope"]}
    rc, out, err = same(server, *(a.format(**names) for a in args))
    assert (rc, out) == (1, "")
    assert err.endswith(message + "\n")


def test_upsc_connection_refused(server: NutServer) -> None:
    port = free_port()
    rc, _, err = same(server, f"apc@127.0.0.1:{port}")
    assert (rc, err) == (1, "Error: Connection failure: Connection refused\n")
    rc, _, err = same(server, "-l", f"[::1]:{port}")
    assert rc == 1 and err.startswith("Error: Connection failure: ")


def test_upsc_unknown_host(server: NutServer) -> None:
    rc, _, err = same(server, "apc@nosuchhost.invalid")
    assert (rc, err) == (1, "Error: No such host\n")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("",),
        ("-h",),
        ("--help",),
        ("-x",),
        ("-lx",),
        ("-c",),
        ("apc@",),
        ("apc@127.0.0.1:",),
        ("apc@127.0.0.1:99999",),
        ("-l", "[::1"),
        ("-l", "127.0.0.1:0"),
    ],
)
def test_upsc_bad_arguments(server: NutServer, args: tuple[str, ...]) -> None:
    same(server, *args)


def test_upsc_version_names_upsc() -> None:
    """NUT 2.8.0 says "upscmd" here; NUT 2.8.1 fixed it, and so do we."""
    assert run_nut("upsc", ["-V"], None) == (0, "", "Network UPS Tools upscmd 2.8.0\n")
    assert run_ours("upsc", ["-V"], None) == (0, "", "Network UPS Tools upsc 2.8.0\n")


def test_upsc_json_matches_plain_output(server: NutServer) -> None:
    """-j (NUT 2.8.5) shows the same data as JSON that parses."""
    _, plain, _ = run_ours("upsc", [server.ups("powerware")], server.env)
    rc, out, err = run_ours("upsc", ["-j", server.ups("powerware")], server.env)
    assert rc == 0 and err == "Init SSL without certificate database\n"
    expected = dict(line.split(": ", 1) for line in plain.splitlines())
    assert json.loads(out) == expected
    assert out.startswith('{\n  "') and out.endswith('"\n}\n')

    rc, out, _ = run_ours("upsc", ["-j", "-l", server.hostport], server.env)
    assert sorted(json.loads(out)) == sorted(DEVICES)
    rc, out, _ = run_ours("upsc", ["-j", "-L", server.hostport], server.env)
    assert set(json.loads(out)) == set(DEVICES)
    rc, out, _ = run_ours("upsc", ["-j", server.ups("apc"), "ups.status"], server.env)
    assert json.loads(out) == run_nut("upsc", [server.ups("apc"), "ups.status"], server.env)[
        1
    ].rstrip("\n")


def test_upsc_json_errors(server: NutServer) -> None:
    rc, out, err = run_ours("upsc", ["-j", server.ups("nope")], server.env)
    assert (rc, json.loads(out), err.splitlines()[-1]) == (
        1,
        {"error": "Unknown UPS"},
        "Error: Unknown UPS",
    )
    rc, out, err = run_ours("upsc", ["-j", f"apc@127.0.0.1:{free_port()}"], server.env)
    assert rc == 1 and json.loads(out) == {"error": "Connection failure: Connection refused"}
    rc, out, err = run_ours("upsc", ["-j", "apc@"], server.env)
    assert json.loads(out) == {
        "error": "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]"
    }


@pytest.mark.parametrize("prog", ["upsc", "upscmd", "upsrw"])
def test_console_scripts_are_installed(prog: str) -> None:
    """``pip install`` puts our programs on PATH, and they introduce themselves as NUT's do."""
    script = Path(sys.executable).parent / prog
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    assert run([str(script), "-h"]) == run_nut(prog, ["-h"], None)
