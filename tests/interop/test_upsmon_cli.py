"""upsmon's command line and process model, as an administrator meets them.

The privilege split runs for real: started as root, the monitor drops to
``nobody`` while the parent keeps root and is the only one to run
SHUTDOWNCMD. Start-up refusals print NUT's words; ``-c`` finds the
running monitor through its pid file; ``-K`` answers the late shutdown
script; a reload keeps what upsmon knows (no second ONBATT).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nutpeer import OUR_DUMMY_UPS, OUR_UPSD, NutServer, run, wait_until
from tests.support.upsmonpeer import (
    OUR_UPSMON,
    OURS,
    Sandbox,
    UpsmonProcess,
    numlogins,
    primary,
    secondary,
    upsmon_users,
)

pytestmark = pytest.mark.interop

NUT_UPSMON_BIN = "/lib/nut/upsmon"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[NutServer]:
    dev = sandbox.write("ups.dev", "ups.status: OL\nbattery.charge: 100\n")
    with NutServer(
        devices={"ups": dev},
        users=upsmon_users(),
        upsd_cmd=OUR_UPSD,
        driver_cmd=OUR_DUMMY_UPS,
        driver_options={"ups": {"pollinterval": "1"}},
    ) as srv:
        yield srv


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid in /proc/{pid}/status")


@pytest.mark.skipif(os.geteuid() != 0, reason="the split needs root to drop privileges")
def test_upsmon_split_monitor_unprivileged_parent_runs_shutdowncmd(
    sandbox: Sandbox, server: NutServer, unprivileged_python: Path
) -> None:
    """Started as root with -u nobody: the monitor is nobody, SHUTDOWNCMD runs as root."""
    ups = server.ups("ups")
    mon = UpsmonProcess(
        sandbox,
        "split",
        [primary(ups)],
        impl_cmd=(str(unprivileged_python), "-m", "powerdown.cli.upsmon"),
        run_as=None,
        flags=("-F", "-D", "-u", "nobody"),
    )
    try:
        mon.start()
        wait_until(lambda: numlogins(server, "ups") == 1, 20, "the monitor to log in")
        assert mon.pid is not None and mon.monitor_pid is not None
        assert mon.monitor_pid != mon.pid
        assert _uid_of(mon.pid) == 0
        assert _uid_of(mon.monitor_pid) == 65534
        mon.fsd()
        mon.wait_shutdown(timeout=20)
        mon.wait_gone(timeout=10)
        # The parent (root) wrote the flag and ran the command; the
        # notifier ran as the monitor's user.
        assert mon.shutdown_file.stat().st_uid == 0
        assert mon.powerdownflag.stat().st_uid == 0
        assert mon.events_file.stat().st_uid == 65534
        assert mon.powerdownflag.read_text() == "upsmon-shutdown-file"
    finally:
        mon.stop()


def test_upsmon_stop_ends_both_halves(sandbox: Sandbox, server: NutServer) -> None:
    """SIGTERM to the process a service manager started stops the monitor too."""
    mon = UpsmonProcess(sandbox, "mon", [secondary(server.ups("ups"))], **OURS)  # type: ignore[arg-type]
    try:
        mon.start()
        wait_until(lambda: numlogins(server, "ups") == 1, 20, "login")
        assert mon.pid is not None
        os.kill(mon.pid, 15)
        mon.wait_gone(timeout=10)
        wait_until(lambda: numlogins(server, "ups") == 0, 10, "the monitor to log out")
        assert mon.shutdowns() == []
    finally:
        mon.stop()


def _env(box: Sandbox, name: str) -> dict[str, str]:
    conf = box.path(name)
    return dict(
        os.environ,
        NUT_CONFPATH=str(conf),
        NUT_PIDPATH=str(conf),
        NUT_ALTPIDPATH=str(conf),
        NUT_STATEPATH=str(conf),
    )


@pytest.mark.parametrize("impl", [OUR_UPSMON, (NUT_UPSMON_BIN,)], ids=["ours", "nut"])
def test_upsmon_insufficient_power_refuses_to_start(
    sandbox: Sandbox, impl: tuple[str, ...]
) -> None:
    sandbox.mkdir("bad")
    sandbox.write(
        "bad/upsmon.conf",
        "MONITOR ups@127.0.0.1:9 1 u p secondary\nMINSUPPLIES 2\nSHUTDOWNCMD /bin/true\n",
    )
    cmd = list(impl) + ["-F", "-p"]
    if impl[0] == NUT_UPSMON_BIN and os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *cmd]
    rc, out, _err = run(cmd, env=_env(sandbox, "bad"), timeout=20)
    assert rc == 1
    assert "Fatal error: insufficient power configured!" in out
    assert "Sum of power values........: 1" in out
    assert "Minimum value (MINSUPPLIES): 2" in out


def test_upsmon_K_reports_the_flag(sandbox: Sandbox) -> None:
    """-K: exit 0 only when POWERDOWNFLAG holds upsmon's magic, 1 otherwise; the same as NUT."""
    sandbox.mkdir("k")
    flag = sandbox.path("out/k.flag")
    sandbox.write(
        "k/upsmon.conf",
        f"MONITOR ups@127.0.0.1:9 1 u p primary\nPOWERDOWNFLAG {flag}\nSHUTDOWNCMD /bin/true\n",
    )
    env = _env(sandbox, "k")
    nut = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", NUT_UPSMON_BIN]
    impls = {"ours": [*OUR_UPSMON, "-K"], "nut": [*nut, "-K"]}
    if os.geteuid() != 0:
        impls["nut"] = [NUT_UPSMON_BIN, "-K"]
    for content, expected in ((None, 1), ("upsmon-shutdown-file", 0), ("something else", 1)):
        if content is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text(content)
            flag.chmod(0o644)
        for name, cmd in impls.items():
            rc, _out, _err = run(cmd, env=env, timeout=20)
            assert rc == expected, (name, content)
    # -K never removes or rewrites the flag.
    assert flag.read_text() == "something else"


def test_upsmon_start_removes_an_old_flag_but_not_a_foreign_file(
    sandbox: Sandbox, server: NutServer
) -> None:
    ups = server.ups("ups")
    mon = UpsmonProcess(sandbox, "mon", [primary(ups)], **OURS)  # type: ignore[arg-type]
    mon.powerdownflag.write_text("upsmon-shutdown-file")
    try:
        mon.start()
        wait_until(lambda: not mon.powerdownflag.exists(), 10, "the old flag to go")
    finally:
        mon.stop()
    mon2 = UpsmonProcess(sandbox, "mon2", [primary(ups)], **OURS)  # type: ignore[arg-type]
    mon2.powerdownflag.write_text("precious data")
    try:
        mon2.start()
        mon2.wait_log("does not contain the upsmon magic string", timeout=10)
        assert mon2.powerdownflag.read_text() == "precious data"
    finally:
        mon2.stop()


def test_upsmon_c_commands_and_second_instance(sandbox: Sandbox, server: NutServer) -> None:
    """-c reload keeps state; a second start is refused; -c stop ends it (via the pid file)."""
    ups = server.ups("ups")
    mon = UpsmonProcess(sandbox, "mon", [secondary(ups)], **OURS)  # type: ignore[arg-type]
    try:
        mon.start()
        wait_until(lambda: numlogins(server, "ups") == 1, 20, "login")
        (server.dir / "ups.dev").write_text("ups.status: OB\nbattery.charge: 50\n")
        mon.wait_event("ONBATT", timeout=15)
        env = mon.env
        rc, out, _ = run([*OUR_UPSMON, "-F"], env=env, timeout=20)
        assert rc == 1
        assert "Fatal error: A previous upsmon instance is already running!" in out
        mon.extra_conf = 'NOTIFYMSG ONLINE "power is back on %s"'
        mon.write_config()
        rc, _out, _err = run([*OUR_UPSMON, "-c", "reload"], env=env, timeout=20)
        assert rc == 0
        mon.wait_log("Reloading configuration", timeout=10)
        (server.dir / "ups.dev").write_text("ups.status: OL\nbattery.charge: 60\n")
        online = mon.wait_event("ONLINE", timeout=15)
        assert online.message == f"power is back on {ups}"
        # Still the one ONBATT from before the reload: state was kept.
        assert [e.type for e in mon.events()].count("ONBATT") == 1
        rc, _out, _err = run([*OUR_UPSMON, "-c", "stop"], env=env, timeout=20)
        assert rc == 0
        mon.wait_gone(timeout=10)
        assert mon.shutdowns() == []
        rc, _out, err = run([*OUR_UPSMON, "-c", "stop"], env=env, timeout=20)
        assert rc == 1
    finally:
        mon.stop()


def test_upsmon_bad_config_names_file_and_line(sandbox: Sandbox) -> None:
    sandbox.mkdir("broken")
    sandbox.write("broken/upsmon.conf", "MINSUPPLIES 1\nMONITOR ups@localhost 1 user\n")
    proc = subprocess.run(
        [*OUR_UPSMON, "-F", "-p"],
        env=_env(sandbox, "broken"),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 1
    assert "upsmon.conf" in proc.stderr and ":2" in proc.stderr
