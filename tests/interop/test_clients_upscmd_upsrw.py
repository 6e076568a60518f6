"""upscmd and upsrw: ours and NUT 2.8.0's print the same bytes, exit the same way.

Both programs run against one Debian upsd + dummy-ups sandbox; passwords
and values are fed on stdin where the programs prompt for them (the
programs run without a terminal, so getpass reads stdin, as in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.clients import (
    DEVICES,
    OUR_MODULES,
    nut_clients_available,
    run_nut,
    run_ours,
)
from tests.support.nutpeer import NutServer, User, free_port, wait_until

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not nut_clients_available(), reason="Debian's NUT is not installed"),
]

USERS = {
    "admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",)),
    "viewer": User(password="look"),
    "cmdonly": User(password="c", instcmds=("load.off",)),
}
ADMIN = ("-u", "admin", "-p", "s3cret")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    root = tmp_path_factory.mktemp("nut-rw")
    with NutServer(DEVICES, users=USERS, root=root) as srv:
        yield srv


def same(
    server: NutServer, prog: str, *args: str, input: str | None = None
) -> tuple[int, str, str]:
    names = {name: server.ups(name) for name in [*DEVICES, "nope"]}
    argv = [a.format(**names) for a in args]
    theirs = run_nut(prog, argv, server.env, input)
    ours = run_ours(prog, argv, server.env, input)
    assert ours == theirs
    return ours


# -- upscmd ------------------------------------------------------------------------------


@pytest.mark.parametrize("ups", sorted(DEVICES))
def test_upscmd_lists_commands(server: NutServer, ups: str) -> None:
    rc, out, err = same(server, "upscmd", "-l", server.ups(ups))
    assert rc == 0 and err == ""
    assert out.startswith(f"Instant commands supported on UPS [{ups}]:\n\n")


def test_upscmd_runs_a_command(server: NutServer) -> None:
    assert same(server, "upscmd", *ADMIN, "{apc}", "load.off") == (0, "", "OK\n")
    assert same(server, "upscmd", *ADMIN, "{apc}", "load.off", "5") == (0, "", "OK\n")


def test_upscmd_waits_for_the_result(server: NutServer) -> None:
    rc, out, err = same(server, "upscmd", "-w", *ADMIN, "{apc}", "load.off")
    assert rc == 0 and out == "" and err in ("SUCCESS\n", "ERR UNKNOWN\n", "ERR FAILED\n")
    rc, _, err = same(server, "upscmd", "-w", "-t", "0", *ADMIN, "{apc}", "load.off")
    assert (rc, err) == (1, "Can't receive status tracking information: timeout\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((*ADMIN, "{apc}", "bogus.cmd"), "ERR CMD-NOT-SUPPORTED"),
        ((*ADMIN, "{nope}", "load.off"), "ERR UNKNOWN-UPS"),
        (("-u", "admin", "-p", "wrong", "{apc}", "load.off"), "ERR ACCESS-DENIED"),
        (("-u", "nobody", "-p", "x", "{apc}", "load.off"), "ERR ACCESS-DENIED"),
        (("-u", "viewer", "-p", "look", "{apc}", "load.off"), "ERR ACCESS-DENIED"),
    ],
)
def test_upscmd_refused(server: NutServer, args: tuple[str, ...], message: str) -> None:
    rc, out, err = same(server, "upscmd", *args)
    assert (rc, out, err) == (1, "", f"Unexpected response from upsd: {message}\n")


def test_upscmd_prompts(server: NutServer) -> None:
    """Username on stdout, password via getpass (stderr + stdin without a terminal)."""
    rc, out, err = same(server, "upscmd", "{apc}", "load.off", input="admin\ns3cret\n")
    assert rc == 0 and out.startswith("Username (") and err == "Password: OK\n"
    same(server, "upscmd", "-u", "admin", "{apc}", "load.off", input="s3cret\n")
    same(server, "upscmd", "-p", "s3cret", "{apc}", "load.off", input="admin\n")
    rc, _, err = same(server, "upscmd", "-p", "s3cret", "{apc}", "load.off", input="")
    assert (rc, err) == (1, "Error reading from stdin!\n")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("-h",),
        ("-V",),
        ("-x",),
        ("-t",),
        ("-t", "abc", "{apc}"),
        ("-t", "99999999999", "{apc}"),
        ("{apc}",),
        ("{apc}", "nodot"),
        ("-l", "{nope}"),
        ("apc@",),
        ("apc@127.0.0.1:",),
        ("-l",),
    ],
)
def test_upscmd_bad_arguments(server: NutServer, args: tuple[str, ...]) -> None:
    same(server, "upscmd", *args)


def test_upscmd_connection_refused(server: NutServer) -> None:
    port = free_port()
    rc, _, err = same(server, "upscmd", "-l", f"apc@127.0.0.1:{port}")
    assert (rc, err) == (1, "Error: Connection failure: Connection refused\n")


# -- upsrw -------------------------------------------------------------------------------


@pytest.mark.parametrize("ups", sorted(DEVICES))
def test_upsrw_lists_writable_variables(server: NutServer, ups: str) -> None:
    rc, out, err = same(server, "upsrw", server.ups(ups))
    assert rc == 0 and err == ""
    assert out.startswith("[") and "\nType: " in out


def test_upsrw_sets_a_variable(server: NutServer) -> None:
    assert same(server, "upsrw", *ADMIN, "-s", "ups.delay.shutdown=30", "{apc}") == (
        0,
        "",
        "OK\n",
    )
    rc, out, _ = run_nut("upsc", [server.ups("apc"), "ups.delay.shutdown"], server.env)
    assert rc == 0
    rc, out, _ = same(server, "upsrw", *ADMIN, "-w", "-s", "ups.delay.shutdown=31", "{apc}")
    assert (rc, out) == (0, "")
    same(server, "upsrw", *ADMIN, "-s", 'ups.delay.shutdown=a "b" \\ #c', "{apc}")
    # dummy-ups deletes a variable set to "": one each, so both find theirs
    theirs = run_nut("upsrw", [*ADMIN, "-s", "device.serial=", server.ups("apc")], server.env)
    ours = run_ours("upsrw", [*ADMIN, "-s", "ups.serial=", server.ups("apc")], server.env)
    assert ours == theirs == (0, "", "OK\n")


def test_upsrw_prompts(server: NutServer) -> None:
    rc, out, err = same(
        server, "upsrw", "-s", "ups.delay.shutdown", "{apc}", input="admin\ns3cret\n45\n"
    )
    assert rc == 0 and "Enter new value for ups.delay.shutdown: " in out
    assert err == "Password: OK\n"
    same(server, "upsrw", "-s", "ups.delay.shutdown", "{apc}", input="\ns3cret\n46\n")
    same(server, "upsrw", *ADMIN, "-s", "ups.delay.shutdown", "{apc}", input="")
    same(server, "upsrw", "-s", "ups.delay.shutdown=30", "{apc}", input="")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-u", "admin", "-p", "wrong"), "Unexpected response from upsd: ERR ACCESS-DENIED"),
        (("-u", "viewer", "-p", "look"), "Unexpected response from upsd: ERR ACCESS-DENIED"),
        (("-u", "cmdonly", "-p", "c"), "Unexpected response from upsd: ERR ACCESS-DENIED"),
    ],
)
def test_upsrw_set_refused(server: NutServer, args: tuple[str, ...], message: str) -> None:
    rc, out, err = same(server, "upsrw", *args, "-s", "ups.delay.shutdown=1", "{apc}")
    assert (rc, out, err) == (1, "", message + "\n")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("-h",),
        ("-V",),
        ("-x",),
        ("-s",),
        ("-t", "x", "{apc}"),
        ("-s", "x.y", "-l", "{apc}"),
        ("{nope}",),
        (*ADMIN, "-s", "nodot=1", "{apc}"),
        (*ADMIN, "-s", "no.such.var=1", "{apc}"),
        (*ADMIN, "-s", "ups.delay.shutdown=1", "{nope}"),
        ("apc@",),
    ],
)
def test_upsrw_bad_arguments(server: NutServer, args: tuple[str, ...]) -> None:
    same(server, "upsrw", *args)


def test_upsrw_connection_refused(server: NutServer) -> None:
    rc, _, err = same(server, "upsrw", f"apc@127.0.0.1:{free_port()}")
    assert (rc, err) == (1, "Error: Connection failure: Connection refused\n")


def closed_pipe_run(cmd: list[str], server: NutServer, argv0: str | None = None) -> tuple[int, str]:
    """Run with stdout on a pipe nobody reads: (exit status as a shell shows it, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            cmd if argv0 is None else [argv0, *cmd[1:]],
            executable=cmd[0],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=server.env,
            timeout=30,
            check=False,
        )
    finally:
        os.close(write_end)
    code = proc.returncode
    return (128 - code if code < 0 else code), proc.stderr.decode()


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("upscmd", ("-l", "{apc}")),
        ("upsrw", ("{apc}",)),
        ("upsc", ("{apc}",)),  # NSS ignores SIGPIPE once upsc has connected: exit 0
        ("upsc", ("-h",)),
    ],
)
def test_stdout_closed_early(server: NutServer, prog: str, args: tuple[str, ...]) -> None:
    """``upsc ups | head -1`` style: as quiet as NUT's, with the status a shell sees."""
    argv = [a.format(apc=server.ups("apc")) for a in args]
    theirs = closed_pipe_run([f"/bin/{prog}", *argv], server, argv0=prog)
    code = f"import sys; from {OUR_MODULES[prog]} import main; sys.exit(main(sys.argv[1:]))"
    ours = closed_pipe_run([sys.executable, "-c", code, *argv], server)
    assert ours == theirs


def test_driver_gone(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Once a driver is gone, all three clients report it as NUT's do."""
    root = tmp_path_factory.mktemp("nut-nodriver")
    devices = {"apc": DEVICES["apc"], "eaton": DEVICES["eaton"]}
    with NutServer(devices, users=USERS, root=root) as srv:
        srv.stop_process("driver-apc")
        wait_until(
            lambda: srv.query("GET VAR apc ups.status") == ["ERR DRIVER-NOT-CONNECTED"],
            what="upsd to notice",
        )
        assert same(srv, "upsc", "{apc}")[2].endswith("Error: Driver not connected\n")
        same(srv, "upsc", "{apc}", "ups.status")
        same(srv, "upsc", "-L", srv.hostport)
        same(srv, "upscmd", "-l", "{apc}")
        same(srv, "upscmd", *ADMIN, "{apc}", "load.off")
        same(srv, "upsrw", "{apc}")
        same(srv, "upsrw", *ADMIN, "-s", "ups.delay.shutdown=5", "{apc}")
