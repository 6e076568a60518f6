"""upsdrvctl with real driver processes in a throw-away sandbox.

Every test writes its own ``ups.conf`` into a temporary directory that also
serves as STATEPATH and ALTPIDPATH (``NUT_*`` variables), and runs our
upsdrvctl as a program.  The drivers are real: NUT 2.8.0's ``dummy-ups``
(``driverpath = /lib/nut``) and, once it is installed next to our console
scripts, powerdown's own ``dummy-ups`` (no ``driverpath``: upsdrvctl then
looks next to itself).  A few tests use small shell scripts as drivers, to
see exactly how often and with which arguments upsdrvctl runs a program.

NUT's dummy-ups is awkward in two ways, and the tests say so where it
matters: it forks into the background, so the process upsdrvctl started is
gone at once and the pid file is the only truth about the driver; and in
the foreground (``-F``) it has no SIGTERM handler, so it dies without
removing its socket.  As root we pass ``-u root`` so it stays root.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from powerdown.cli.upsdrvctl import own_driverpath
from tests.support.nutpeer import ddl, nut_env, run, wait_until

UPSDRVCTL = (sys.executable, "-m", "powerdown.cli.upsdrvctl")
NUT_UPSDRVCTL = "/sbin/upsdrvctl"
NUT_DRIVERS = Path("/lib/nut")
SCRIPTS = Path(sysconfig.get_path("scripts"))
DEV = ddl("APC", "Back-UPS_BK650M2")
DEV_STATUS = next(
    line.split(":", 1)[1].strip()
    for line in DEV.read_text().splitlines()
    if line.startswith("ups.status:")
)
BANNER = "Network UPS Tools - UPS driver controller 2.8.0"
TIMESTAMP = re.compile(r"^ *\d+\.\d{6}\t", re.M)


def _ours_installed() -> bool:
    return shutil.which("dummy-ups") is not None and (SCRIPTS / "dummy-ups").is_file()


#: Where ``dummy-ups`` comes from: ``driverpath`` for ups.conf, or None for our default.
SOURCES = [
    pytest.param(
        str(NUT_DRIVERS),
        id="nut",
        marks=[
            pytest.mark.interop,
            pytest.mark.skipif(
                not (NUT_DRIVERS / "dummy-ups").exists(), reason="NUT's dummy-ups not installed"
            ),
        ],
    ),
    pytest.param(
        None,
        id="powerdown",
        marks=pytest.mark.skipif(
            not _ours_installed(), reason="powerdown's dummy-ups is not installed next to us"
        ),
    ),
]

USER = ["-u", "root"] if os.geteuid() == 0 else []


# -- processes ------------------------------------------------------------------------


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for init counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[-1].split()
    except OSError:
        return False
    return fields[0] not in (b"Z", b"X")


def children(pid: int) -> dict[int, str]:
    """The live children of ``pid``: pid -> command line."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[-1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in (b"Z", b"X"):
            found[int(entry)] = cmd
    return found


def ping(path: Path) -> bool:
    """Connect to a driver socket ourselves: does ``PING`` get ``PONG``?"""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2.0)
            s.connect(str(path))
            s.sendall(b"PING\n")
            buf = b""
            while b"PONG\n" not in buf:
                data = s.recv(4096)
                if not data:
                    return False
                buf += data
            return True
    except OSError:
        return False


def end(pid: int) -> None:
    """Stop a process this test caused to run (SIGTERM, then SIGKILL)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not running(pid), 5.0, f"pid {pid} to exit")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# -- the sandbox ------------------------------------------------------------------------


class Sandbox:
    """CONFPATH = STATEPATH = ALTPIDPATH = one temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = nut_env(root)
        self.env.pop("NUT_QUIET_INIT_BANNER", None)
        self.pids: set[int] = set()  # processes to stop at the end, whoever started them

    def conf(self, text: str, driverpath: str | None = None) -> None:
        head = f"driverpath = {driverpath}\n" if driverpath else ""
        (self.root / "ups.conf").write_text(head + text)

    def devices(self, *names: str, driverpath: str | None, extra: str = "") -> None:
        """One dummy-ups section per name, each serving its own copy of ``DEV``."""
        sections = []
        for name in names:
            shutil.copyfile(DEV, self.root / f"{name}.dev")
            sections.append(f"[{name}]\n driver = dummy-ups\n port = {name}.dev\n")
        self.conf(extra + "".join(sections), driverpath)

    def script(self, name: str, body: str) -> Path:
        """A driver program: ``bin/<name>``, a shell script."""
        path = self.root / "bin" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def upsdrvctl(self, *args: str, timeout: float = 60.0) -> tuple[int, str, str]:
        rc, out, err = run([*UPSDRVCTL, *args], env=self.env, timeout=timeout, cwd=self.root)
        self.remember()
        return rc, out, err

    def remember(self) -> None:
        for pid in self.pidfile_pids().values():
            self.pids.add(pid)

    def pidfile_pids(self) -> dict[str, int]:
        found = {}
        for path in self.root.glob("*.pid"):
            text = path.read_text().strip()
            if text.isdigit():
                found[path.name] = int(text)
        return found

    def pid_of(self, ups: str, driver: str = "dummy-ups") -> int:
        return int((self.root / f"{driver}-{ups}.pid").read_text())

    def sock(self, ups: str, driver: str = "dummy-ups") -> Path:
        return self.root / f"{driver}-{ups}"

    def cleanup(self) -> None:
        self.remember()
        for pid in self.pids:
            if running(pid):
                end(pid)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(tmp_path)
    try:
        yield sandbox
    finally:
        sandbox.cleanup()


def debug_lines(err: str) -> list[str]:
    """stderr without NUT's timestamps."""
    return TIMESTAMP.sub("", err).splitlines()


# -- start, status, stop ---------------------------------------------------------------


@pytest.mark.parametrize("driverpath", SOURCES)
def test_start_status_stop_with_real_drivers(box: Sandbox, driverpath: str | None) -> None:
    box.devices("a", "b", driverpath=driverpath)

    rc, out, err = box.upsdrvctl(*USER, "start")
    assert (rc, out.splitlines()[0]) == (0, BANNER), err
    pids = {ups: box.pid_of(ups) for ups in ("a", "b")}
    assert all(running(pid) for pid in pids.values())
    for ups in ("a", "b"):
        assert box.sock(ups).is_socket()
        assert ping(box.sock(ups))

    rc, out, err = box.upsdrvctl("status")
    assert rc == 0, err
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert rows[0] == [
        "UPSNAME    ",
        "     UPSDRV",
        "RUNNING",
        "PF_PID",
        "S_RESPONSIVE",
        "S_PID",
        "S_STATUS",
    ]
    for row, ups in zip(rows[1:], ("a", "b"), strict=True):
        assert row[0].strip() == ups and row[1].strip() == "dummy-ups"
        assert row[2:5] == ["RUNNING", str(pids[ups]), "RESPONSIVE"]
        assert row[5] in ("N/A", str(pids[ups]))  # NUT 2.8.0 drivers have no GETPID
        assert row[6] == f'"{DEV_STATUS}"'

    rc, out, err = box.upsdrvctl("stop")
    assert rc == 0, err
    # stop waits for the drivers to go; they remove their own pid files and sockets
    assert not any(running(pid) for pid in pids.values())
    assert box.pidfile_pids() == {}
    assert not box.sock("a").exists() and not box.sock("b").exists()

    rc, out, err = box.upsdrvctl("status", "a")
    assert out.splitlines()[2].split("\t")[2:] == ["N/A", "-3", "NOT_RESPONSIVE", "N/A", ""]


@pytest.mark.parametrize("driverpath", SOURCES)
def test_start_one_ups_only(box: Sandbox, driverpath: str | None) -> None:
    box.devices("a", "b", driverpath=driverpath)
    rc, _, err = box.upsdrvctl(*USER, "start", "b")
    assert rc == 0, err
    assert ping(box.sock("b"))
    assert not box.sock("a").exists()
    rc, _, err = box.upsdrvctl("stop", "b")
    assert rc == 0, err


def test_stop_without_pid_files_names_both_and_fails(box: Sandbox) -> None:
    box.conf("[a]\n driver = dummy-ups\n port = /dev/ttyS0\n", str(NUT_DRIVERS))
    rc, _, err = box.upsdrvctl("stop")
    assert rc == 1
    assert err.splitlines() == [
        f"Can't open {box.root}/dummy-ups-a.pid: No such file or directory",
        f"Can't open {box.root}/dummy-ups-ttyS0.pid either: No such file or directory",
    ]


def test_stop_with_a_stale_pid_file(box: Sandbox) -> None:
    box.conf("[a]\n driver = dummy-ups\n port = a.dev\n", str(NUT_DRIVERS))
    gone = subprocess.Popen(["true"])
    gone.wait()
    (box.root / "dummy-ups-a.pid").write_text(f"{gone.pid}\n")
    rc, _, err = box.upsdrvctl("stop")
    assert rc == 1
    pidfile = box.root / "dummy-ups-a.pid"
    assert err.splitlines() == [
        "kill: No such process",
        f"Stopping {pidfile} failed: No such process",
    ]


def test_stop_kills_a_driver_that_ignores_SIGTERM(box: Sandbox) -> None:
    """Later NUT's rule: SIGTERM, a few seconds, then SIGKILL and remove the pid file."""
    box.conf("[a]\n driver = stubborn\n port = none\n", str(box.root / "bin"))
    stubborn = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; echo ready; exec sleep 60"], stdout=subprocess.PIPE
    )
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
        pidfile = box.root / "stubborn-a.pid"
        pidfile.write_text(f"{stubborn.pid}\n")
        started = time.monotonic()
        rc, _, err = box.upsdrvctl("stop")
        took = time.monotonic() - started
        assert rc == 0, err
        assert err.splitlines() == [f"Stopping {pidfile} failed, retrying harder"]
        assert stubborn.wait(5) == -signal.SIGKILL
        assert not pidfile.exists()
        assert 4.5 < took < 15
    finally:
        stubborn.kill()
        stubborn.wait()
        stubborn.stdout.close()  # type: ignore[union-attr]


# -- testing mode, errors ------------------------------------------------------------------


def test_testing_mode_prints_and_runs_nothing(box: Sandbox) -> None:
    box.devices("a", "b", driverpath=str(NUT_DRIVERS), extra="maxretry = 2\n")
    rc, out, err = box.upsdrvctl(*USER, "-t", "start")
    assert rc == 0, err
    assert out.splitlines() == [BANNER, "*** Testing mode: not calling exec/kill"]
    lines = debug_lines(err)
    assert lines[0] == "[D2] " and "the 'upsdrvctl' wrapper" in err
    assert lines[-6:] == [
        "[D1] Starting UPS: a",
        "[D2] 2 remaining attempts",
        f"[D2] exec:  /lib/nut/dummy-ups -a a {' '.join(USER)}".rstrip(),
        "[D1] Starting UPS: b",
        "[D2] 2 remaining attempts",
        f"[D2] exec:  /lib/nut/dummy-ups -a b {' '.join(USER)}".rstrip(),
    ]
    assert TIMESTAMP.match(err)  # with -t, NUT stamps every line
    assert sorted(p.name for p in box.root.iterdir()) == ["a.dev", "b.dev", "ups.conf"]


@pytest.mark.interop
@pytest.mark.skipif(not Path(NUT_UPSDRVCTL).exists(), reason="NUT's upsdrvctl not installed")
@pytest.mark.parametrize(
    "args",
    [
        ("-t", "start"),
        ("-t", "-d", "-D", "-u", "nut", "start", "b"),
        ("-t", "shutdown"),
        ("-t", "stop"),
        ("-t", "start", "zz"),
        ("nosuchcommand",),
        ("start", "c"),
    ],
    ids=lambda a: " ".join(a),
)
def test_same_output_as_nuts_upsdrvctl(box: Sandbox, args: tuple[str, ...]) -> None:
    """NUT's own upsdrvctl on the same ups.conf: same lines, same status.

    Only the timestamps differ, and the order of stdout against stderr (NUT
    buffers stdout when it is not a terminal).
    """
    box.conf(
        "maxretry = 3\nretrydelay = 1\n"
        "[a]\n driver = dummy-ups\n port = a.dev\n sdorder = 3\n"
        "[b]\n driver = dummy-ups\n port = b.dev\n"
        "[c]\n driver = nonexistent\n port = c.dev\n sdorder = -1\n",
        str(NUT_DRIVERS),
    )
    theirs = run([NUT_UPSDRVCTL, *args], env=box.env, cwd=box.root)
    ours = box.upsdrvctl(*args)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    assert debug_lines(ours[2]) == debug_lines(theirs[2])


def test_unknown_ups(box: Sandbox) -> None:
    box.devices("a", driverpath=str(NUT_DRIVERS))
    rc, out, err = box.upsdrvctl("start", "zz")
    assert (rc, out, err) == (1, BANNER + "\n", "UPS zz not found in ups.conf\n")


def test_missing_ups_conf_and_bad_ups_conf(box: Sandbox) -> None:
    rc, _, err = box.upsdrvctl("start")
    assert (rc, err) == (1, f"Can't open {box.root}/ups.conf: No such file or directory\n")
    box.conf("[a]\n driver = dummy-ups\n")
    rc, _, err = box.upsdrvctl("start")
    assert (rc, err) == (
        1,
        f"{box.root}/ups.conf:1: incomplete configuration for UPS [a]: no port\n",
    )


def test_missing_driver_program_is_fatal_at_once_as_in_nut(box: Sandbox) -> None:
    box.conf(
        "maxretry = 3\nretrydelay = 5\n[a]\n driver = nonexistent\n port = x\n", str(NUT_DRIVERS)
    )
    started = time.monotonic()
    rc, _, err = box.upsdrvctl("start")
    assert rc == 1
    assert err == "Can't start /lib/nut/nonexistent: No such file or directory\n"
    assert time.monotonic() - started < 5  # no retry: NUT gives up before the first attempt


def test_failing_driver_honours_maxretry_and_retrydelay(box: Sandbox) -> None:
    """NUT's dummy-ups exits 1 when its file is missing: three attempts, 1 s apart."""
    box.conf(
        "maxretry = 3\nretrydelay = 1\n[a]\n driver = dummy-ups\n port = missing.dev\n",
        str(NUT_DRIVERS),
    )
    started = time.monotonic()
    rc, _, err = box.upsdrvctl(*USER, "-D", "-D", "start")
    took = time.monotonic() - started
    assert rc == 1
    lines = debug_lines(err)
    assert [line for line in lines if "remaining" in line or "Driver failed" in line] == [
        "[D2] 3 remaining attempts",
        "Driver failed to start (exit status=1)",
        "[D2] 2 remaining attempts",
        "Driver failed to start (exit status=1)",
        "[D2] 1 remaining attempts",
        "Driver failed to start (exit status=1)",
    ]
    assert 2.0 <= took < 10


def test_retry_until_the_driver_starts_exits_0(box: Sandbox) -> None:
    """A driver that fails twice then starts: three runs, and success overall."""
    runs = box.root / "runs"
    box.script("flaky", f'echo "$@" >> {runs}\n[ $(wc -l < {runs}) -ge 3 ]\n')
    box.conf(
        "maxretry = 5\nretrydelay = 0\n[u]\n driver = flaky\n port = p\n", str(box.root / "bin")
    )
    rc, _, err = box.upsdrvctl("start")
    assert rc == 0, err
    assert runs.read_text().splitlines() == ["-a u"] * 3
    assert err.count("Driver failed to start (exit status=1)") == 2


def test_maxstartdelay_kills_a_driver_that_hangs(box: Sandbox) -> None:
    pids = box.root / "pids"
    box.script("hang", f"echo $$ >> {pids}\nexec sleep 60\n")
    box.conf(
        "maxretry = 2\nretrydelay = 0\n[u]\n driver = hang\n port = p\n maxstartdelay = 1\n",
        str(box.root / "bin"),
    )
    started = time.monotonic()
    rc, _, err = box.upsdrvctl("start")
    took = time.monotonic() - started
    hung = [int(p) for p in pids.read_text().split()]
    box.pids.update(hung)
    assert rc == 1
    assert err.splitlines() == ["Startup timer elapsed, continuing..."] * 2
    assert len(hung) == 2 and not any(running(pid) for pid in hung)
    assert 2.0 <= took < 10


def test_nowait_does_not_wait(box: Sandbox) -> None:
    pids = box.root / "pids"
    # a daemon leaves our output alone, so upsdrvctl's caller sees the end of it
    box.script("slow", f"echo $$ >> {pids}\nexec sleep 30 </dev/null >/dev/null 2>&1\n")
    box.conf("nowait\n[u]\n driver = slow\n port = p\n", str(box.root / "bin"))
    started = time.monotonic()
    rc, _, err = box.upsdrvctl("start")
    assert rc == 0, err
    assert time.monotonic() - started < 5
    wait_until(lambda: pids.exists() and pids.read_text().strip() != "", 5, "the driver to run")
    box.pids.update(int(p) for p in pids.read_text().split())


def test_shutdown_runs_k_in_sdorder_and_leaves_minus_one_out(box: Sandbox) -> None:
    log = box.root / "calls"
    box.script("recorder", f'echo "$@" >> {log}\n')
    box.conf(
        "[a]\n driver = recorder\n port = p\n sdorder = 2\n"
        "[b]\n driver = recorder\n port = p\n sdorder = -1\n"
        "[c]\n driver = recorder\n port = p\n"
        "[d]\n driver = recorder\n port = p\n sdorder = 1\n"
        "[e]\n driver = recorder\n port = p\n",
        str(box.root / "bin"),
    )
    rc, _, err = box.upsdrvctl("-u", "nut", "shutdown")
    assert rc == 0, err
    assert log.read_text().splitlines() == [
        "-a c -k -u nut",
        "-a e -k -u nut",
        "-a d -k -u nut",
        "-a a -k -u nut",
    ]


def test_shutdown_with_nuts_dummy_ups_reports_its_failure(box: Sandbox) -> None:
    """NUT's dummy-ups answers -k with "shutdown not supported" and status 1."""
    box.devices("a", driverpath=str(NUT_DRIVERS))
    rc, _, err = box.upsdrvctl(*USER, "shutdown")
    assert rc == 1
    assert "shutdown not supported" in err
    assert err.endswith("Driver failed to start (exit status=1)\n")


def test_c_passes_the_command_to_each_driver(box: Sandbox) -> None:
    log = box.root / "calls"
    box.script("recorder", f'echo "$@" >> {log}\n[ "$4" != b ]\n')
    box.conf(
        "[a]\n driver = recorder\n port = p\n[b]\n driver = recorder\n port = p\n",
        str(box.root / "bin"),
    )
    rc, _, err = box.upsdrvctl("-c", "reload", "a")
    assert rc == 0, err
    rc, _, err = box.upsdrvctl("-c", "exit")
    assert rc == 1
    assert err == "Request to exit driver recorder for [b] failed: exited with status 1\n"
    assert log.read_text().splitlines() == ["-c reload -a a", "-c exit -a a", "-c exit -a b"]


def test_list(box: Sandbox) -> None:
    box.devices("a", "b", driverpath=str(NUT_DRIVERS))
    assert box.upsdrvctl("list") == (0, f"{BANNER}\na\nb\n", "")
    box.env["NUT_QUIET_INIT_BANNER"] = "true"
    assert box.upsdrvctl("-l", "b") == (0, "b\n", "")
    assert box.upsdrvctl("list", "zz") == (1, "", "UPS zz not found in ups.conf\n")


# -- where drivers are found --------------------------------------------------------------


def test_default_driverpath_is_next_to_upsdrvctl(box: Sandbox) -> None:
    box.conf("[a]\n driver = dummy-ups\n port = a.dev\n")
    rc, _, err = box.upsdrvctl("-t", "start")
    program = SCRIPTS / "dummy-ups"
    if program.exists():
        assert rc == 0 and f"exec:  {program} -a a" in err
    else:
        assert (rc, debug_lines(err)[-1]) == (
            1,
            f"Can't start {program}: No such file or directory",
        )


def test_own_driverpath(tmp_path: Path) -> None:
    real = tmp_path / "venv" / "bin" / "upsdrvctl"
    real.parent.mkdir(parents=True)
    real.write_text("#!/bin/sh\n")
    link = tmp_path / "upsdrvctl"
    link.symlink_to(real)
    assert own_driverpath(str(real)) == str(real.parent)
    assert own_driverpath(str(link)) == str(real.parent)
    assert own_driverpath("/somewhere/powerdown/cli/upsdrvctl.py") == str(SCRIPTS)
    assert own_driverpath(str(tmp_path / "missing")) == str(SCRIPTS)


# -- supervision: -F start --------------------------------------------------------------


@pytest.mark.parametrize("driverpath", SOURCES)
def test_supervise_restarts_a_killed_driver_and_stops_all(
    box: Sandbox, driverpath: str | None
) -> None:
    box.devices("a", "b", driverpath=driverpath, extra="retrydelay = 1\n")
    log = open(box.root / "upsdrvctl.log", "wb")  # noqa: SIM115 - closed below
    ctl = subprocess.Popen(
        [*UPSDRVCTL, "-F", *USER, "start"],
        env=box.env,
        cwd=box.root,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def driver_pid(ups: str) -> int | None:
            for pid, cmd in children(ctl.pid).items():
                if cmd.endswith(f"-a {ups} {' '.join(USER)}".rstrip()):
                    return pid
            return None

        wait_until(lambda: ping(box.sock("a")) and ping(box.sock("b")), 20, "both drivers")
        first = {ups: driver_pid(ups) for ups in ("a", "b")}
        assert None not in first.values()
        box.pids.update(p for p in first.values() if p)
        assert "-F" in children(ctl.pid)[first["a"]].split()

        killed_at = time.monotonic()
        os.kill(first["a"], signal.SIGKILL)  # type: ignore[arg-type]
        wait_until(lambda: driver_pid("a") not in (None, first["a"]), 10, "a new driver for [a]")
        second = driver_pid("a")
        assert second is not None
        box.pids.add(second)
        wait_until(lambda: ping(box.sock("a")), 10, "the new driver's socket")
        back_after = time.monotonic() - killed_at
        assert 1.0 <= back_after < 10  # retrydelay = 1
        assert driver_pid("b") == first["b"]  # the other driver was left alone

        ctl.send_signal(signal.SIGTERM)
        assert ctl.wait(15) == 0
        assert not running(second) and not running(first["b"])  # type: ignore[arg-type]
    finally:
        if ctl.poll() is None:
            ctl.kill()
            ctl.wait()
        log.close()
    text = (box.root / "upsdrvctl.log").read_text()
    assert f"(PID {first['a']}) was killed by signal 9; starting it again in 1 s" in text
    assert "Signal 15: stopping 2 driver(s)" in text


@pytest.mark.parametrize("driverpath", SOURCES)
def test_supervise_sigint_stops_everything(box: Sandbox, driverpath: str | None) -> None:
    box.devices("a", driverpath=driverpath)
    ctl = subprocess.Popen(
        [*UPSDRVCTL, "-F", *USER, "start", "a"],
        env=box.env,
        cwd=box.root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # our SIGINT goes to upsdrvctl only, not to pytest's group
    )
    try:
        wait_until(lambda: ping(box.sock("a")), 20, "the driver")
        (driver,) = children(ctl.pid)
        box.pids.add(driver)
        ctl.send_signal(signal.SIGINT)
        assert ctl.wait(15) == 0
        assert not running(driver)
    finally:
        if ctl.poll() is None:
            ctl.kill()
            ctl.wait()


def test_supervise_backs_off_a_driver_that_keeps_dying(box: Sandbox) -> None:
    """retrydelay 0: the first restart is at once, the next ones wait 2 s, 4 s ..."""
    runs = box.root / "runs"
    box.script("dies", f"date +%s.%N >> {runs}\nexit 3\n")
    box.conf("retrydelay = 0\n[u]\n driver = dies\n port = p\n", str(box.root / "bin"))
    log = open(box.root / "upsdrvctl.log", "wb")  # noqa: SIM115 - closed below
    ctl = subprocess.Popen(
        [*UPSDRVCTL, "-F", "start"], env=box.env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until(lambda: runs.exists() and len(runs.read_text().split()) >= 3, 10, "three runs")
        ctl.send_signal(signal.SIGTERM)
        assert ctl.wait(15) == 0
    finally:
        if ctl.poll() is None:
            ctl.kill()
            ctl.wait()
        log.close()
    times = [float(t) for t in runs.read_text().split()]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps[0] < 1.0
    assert 1.8 <= gaps[1] < 4
    text = (box.root / "upsdrvctl.log").read_text()
    assert "exited with status 3; starting it again in 0 s" in text
    assert "exited with status 3; starting it again in 2 s" in text
