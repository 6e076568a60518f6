"""Our dummy-ups, run for real, seen through its Unix socket and its command line.

Each test starts ``dummy-ups`` (the console script next to this Python) on a
device dump from the DDL corpus, in a throw-away directory that serves as
CONFPATH, STATEPATH and ALTPIDPATH, and talks to ``STATEPATH/dummy-ups-<ups>``
with a plain ``socket``, as upsd, ``socat`` or a sibling driver would
(``docs/sock-protocol.txt``).  Every process started here is stopped by its
pid when the test ends.
"""

from __future__ import annotations

import contextlib
import grp
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from powerdown.protocol import sock
from powerdown.protocol.words import Tokenizer
from powerdown.state.tree import DeviceState
from tests.support.nutpeer import DDL, nut_env, run

DUMMY_UPS = Path(sys.executable).parent / "dummy-ups"
DEV = DDL / "APC" / "APC__Back-UPS_RS_900__usbhid-ups__2.4.1__02.dev"
UPS = "rs900"
TIMEOUT = 10.0

pytestmark = pytest.mark.skipif(not DUMMY_UPS.exists(), reason=f"{DUMMY_UPS} is not installed")


def user_flag() -> list[str]:
    """NUT drivers started as root switch to the build user; keep root in the sandbox."""
    return ["-u", "root"] if os.geteuid() == 0 else []


def dev_values(path: Path = DEV) -> dict[str, str]:
    """The ``name: value`` lines of a plain .dev file, the driver's own ``driver.*`` left out."""
    out = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, value = line.partition(": ")
        if not name.startswith("driver."):
            out[name] = value
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for init to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def poll(check: Callable[[], bool], what: str, within: float = TIMEOUT) -> None:
    """Poll ``check()`` until true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    delay = 0.005
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(delay)  # a bounded poll interval, not a wait for an event
        delay = min(delay * 2, 0.1)


def socket_fds(pid: int) -> int:
    """How many sockets the process has open (its listener and its clients)."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    return n


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# -- a socket client ----------------------------------------------------------------------


class Conn:
    """One plain connection to the driver socket; lines are bytes without the newline."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(str(path))
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self, within: float = TIMEOUT) -> bytes | None:
        """The next line, or None at EOF."""
        deadline = time.monotonic() + within
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, f"no complete line within {within} s (have {self.buf[:200]!r})"
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def until(self, last: bytes, within: float = TIMEOUT) -> list[bytes]:
        """Lines up to and including ``last``."""
        deadline = time.monotonic() + within
        out: list[bytes] = []
        while True:
            line = self.line(max(deadline - time.monotonic(), 0.001))
            assert line is not None, f"EOF before {last!r}; got {out[-5:]}"
            out.append(line)
            if line == last:
                return out

    def ask(self, request: bytes, last: bytes) -> list[bytes]:
        self.send(request + b"\n")
        return self.until(last)

    def ping(self) -> list[bytes]:
        """Everything that arrived before the PONG of a fresh PING (PONG left out)."""
        return self.ask(b"PING", b"PONG")[:-1]

    def dumpall(self) -> tuple[list[bytes], DeviceState]:
        lines = self.ask(b"DUMPALL", b"DUMPDONE")
        tree = DeviceState()
        tok = Tokenizer()
        for words in tok.feed(b"\n".join(lines) + b"\n"):
            assert words.error is None
            sock.apply(tree, sock.parse_driver_message(words.args))
        return lines, tree

    def close(self) -> None:
        self.sock.close()


def values(tree: DeviceState) -> dict[str, str]:
    return {v.name: v.value for v in tree.vars()}


# -- the sandbox and the processes in it ----------------------------------------------------------


class Sandbox:
    """A CONFPATH/STATEPATH/ALTPIDPATH directory with a ups.conf for ``UPS``."""

    def __init__(self) -> None:
        # A short path: a Unix socket's name must fit in 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="pd-drv-"))
        self.env = nut_env(self.root)
        self.env["NUT_QUIET_INIT_BANNER"] = "true"  # stdout is the -c dump / -L output only
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pids: list[int] = []
        self.conns: list[Conn] = []
        shutil.copy(DEV, self.root / "rs900.dev")
        self.write_conf()

    def write_conf(self, port: str = "rs900.dev") -> None:
        (self.root / "ups.conf").write_text(
            f'[{UPS}]\n    driver = dummy-ups\n    port = {port}\n    desc = "test"\n'
        )

    @property
    def socket(self) -> Path:
        return self.root / f"dummy-ups-{UPS}"

    @property
    def pidfile(self) -> Path:
        return self.root / f"dummy-ups-{UPS}.pid"

    @property
    def log(self) -> Path:
        return self.root / "driver.log"

    def argv(self, *args: str) -> list[str]:
        return [str(DUMMY_UPS), *args]

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """``dummy-ups <args>`` in the foreground; returns once its socket answers."""
        with open(self.log, "ab") as log:
            proc = subprocess.Popen(
                self.argv(*args, *user_flag()),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.procs.append(proc)
        poll(lambda: proc.poll() is not None or self.answers(), "the driver socket")
        assert proc.poll() is None, f"driver exited {proc.returncode}: {self.log.read_text()}"
        return proc

    def answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(str(self.socket))
                s.sendall(b"PING\n")
                return s.recv(16) == b"PONG\n"
        except OSError:
            return False

    def run(self, *args: str, timeout: float = 20.0) -> tuple[int, str, str]:
        return run(self.argv(*args), env=self.env, timeout=timeout)

    def adopt(self, pid: int) -> None:
        """A daemon that is not our child (started in the background): stop it too."""
        self.pids.append(pid)

    def conn(self) -> Conn:
        c = Conn(self.socket)
        self.conns.append(c)
        return c

    def stop(self) -> None:
        for c in self.conns:
            c.close()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        for pid in self.pids:
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 5.0
                while alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)  # a bounded poll for another process to exit
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def driver(sandbox: Sandbox) -> subprocess.Popen[bytes]:
    return sandbox.start("-a", UPS, "-F")


# -- DUMPALL --------------------------------------------------------------------------------------


def test_dumpall_serves_the_dev_file_and_ends_with_DUMPDONE(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    c = sandbox.conn()
    lines, tree = c.dumpall()
    assert lines[-2:] == [b"DATAOK", b"DUMPDONE"]
    assert lines[0].startswith(b"SETINFO ")
    got = values(tree)
    assert {k: v for k, v in got.items() if not k.startswith("driver.")} == dev_values()
    assert got["driver.name"] == "dummy-ups"
    assert got["driver.parameter.port"] == "rs900.dev"
    assert got["driver.parameter.mode"] == "dummy-once"
    assert b'SETINFO ups.status "OL DISCHRG"' in lines
    # A second dump on the same connection is the same dump.
    assert c.dumpall()[0] == lines


def test_dumpvalue_and_dumpstatus(sandbox: Sandbox, driver: subprocess.Popen[bytes]) -> None:
    c = sandbox.conn()
    status = c.ask(b"DUMPSTATUS", b"DUMPDONE")
    assert status[0] == b'SETINFO ups.status "OL DISCHRG"'
    assert status[-2:] == [b"DATAOK", b"DUMPDONE"]
    assert c.ask(b"DUMPVALUE battery.charge", b"DUMPDONE")[0] == b'SETINFO battery.charge "47"'
    assert c.ask(b"DUMPVALUE no.such.var", b"DUMPDONE") == [b"DATAOK", b"DUMPDONE"]


# -- small requests -----------------------------------------------------------------------------


def test_ping_getpid_logout(sandbox: Sandbox, driver: subprocess.Popen[bytes]) -> None:
    c = sandbox.conn()
    assert c.ask(b"PING", b"PONG") == [b"PONG"]
    assert c.ask(b"ping", b"PONG") == [b"PONG"]  # commands ignore case, as strcasecmp
    assert c.ask(b"GETPID", f"PID {driver.pid}".encode()) == [f"PID {driver.pid}".encode()]
    c.send(b"LOGOUT\n")
    assert c.line() == b"OK Goodbye"
    assert c.line() is None  # and the driver hangs up
    assert driver.poll() is None
    assert sandbox.conn().ping() == []


# -- broadcasts -----------------------------------------------------------------------------------


def test_set_is_broadcast_to_all_and_tracking_goes_to_the_requester_only(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    a, b, c = sandbox.conn(), sandbox.conn(), sandbox.conn()
    for x in (a, b, c):
        assert x.ping() == []
    a.send(b'SET ups.id "Data room" TRACKING 1\n')
    got_a = a.until(b"TRACKING 1 0")
    assert b'SETINFO ups.id "Data room"' in got_a[:-1]
    for other in (b, c):
        got = other.until(b'SETINFO ups.id "Data room"')
        got += other.ping()
        assert not any(line.startswith(b"TRACKING") for line in got), got
    # The new value is in everyone's next dump.
    assert values(b.dumpall()[1])["ups.id"] == "Data room"


def test_instcmd_with_tracking(sandbox: Sandbox, driver: subprocess.Popen[bytes]) -> None:
    c = sandbox.conn()
    assert c.ask(b"INSTCMD load.off TRACKING t1", b"TRACKING t1 0") == [b"TRACKING t1 0"]
    assert c.ask(b"INSTCMD no.such.cmd TRACKING t2", b"TRACKING t2 1") == [b"TRACKING t2 1"]
    assert c.ask(b"INSTCMD load.off 5 TRACKING t3", b"TRACKING t3 0") == [b"TRACKING t3 0"]


def test_nobroadcast_stops_updates_and_broadcast_resumes_them(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    a, quiet = sandbox.conn(), sandbox.conn()
    a.ping()
    quiet.send(b"NOBROADCAST\n")
    assert quiet.ping() == []
    assert a.ask(b'SET ups.id "one" TRACKING 1', b"TRACKING 1 0")[0] == b'SETINFO ups.id "one"'
    assert quiet.ping() == []  # nothing arrived before the PONG
    quiet.send(b"BROADCAST 0\n")  # zero: still quiet
    a.ask(b'SET ups.id "two" TRACKING 2', b"TRACKING 2 0")
    assert quiet.ping() == []
    quiet.send(b"BROADCAST 1\n")
    assert quiet.ping() == []
    a.ask(b'SET ups.id "three" TRACKING 3', b"TRACKING 3 0")
    assert quiet.until(b'SETINFO ups.id "three"') == [b'SETINFO ups.id "three"']
    quiet.send(b"NOBROADCAST\n")
    quiet.ping()
    a.ask(b'SET ups.id "four" TRACKING 4', b"TRACKING 4 0")
    quiet.send(b"BROADCAST\n")  # no argument: on
    assert quiet.ping() == []
    a.ask(b'SET ups.id "five" TRACKING 5', b"TRACKING 5 0")
    assert quiet.until(b'SETINFO ups.id "five"') == [b'SETINFO ups.id "five"']


# -- bad input -------------------------------------------------------------------------------------


def test_malformed_lines_are_ignored_and_the_connection_goes_on(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    c = sandbox.conn()
    c.send(
        b"FOO bar\n"
        b"SET ups.id\n"  # no value
        b"SET ups.id a b c\n"  # words where TRACKING should be
        b"INSTCMD load.off a b c d\n"  # six words
        b"DUMPVALUE\n"
        b"BROADCAST x\n"
        b'SET ups.id "a#b"\n'  # '#' inside quotes: a parse error
        b"\n   \n# a comment\n"
    )
    assert c.ping() == []  # NUT answers none of them
    c.send(b"A" * 200_000 + b"\n")  # a 200 kB word is cut, then refused
    assert c.ping() == []
    assert "ups.id" not in values(c.dumpall()[1])
    assert driver.poll() is None


def test_garbage_never_kills_the_driver_nor_disturbs_others(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    bystander = sandbox.conn()
    lines_before, _ = bystander.dumpall()
    rnd = random.Random(2012_2944)
    garbage = [
        bytes(rnd.getrandbits(8) for _ in range(100_000)),
        b"X" * 200_000 + b"\n",
        b"Y " * 100_000 + b"\n",  # far more words than a line may have
        b'SET ups.id "never closed\n' + b"z" * 1000,
        b"INSTCMD a b c d e\n" * 1000,
        b"\x00\xff\n" * 1000,
    ]
    for data in garbage:
        evil = sandbox.conn()
        evil.send(data)
        evil.close()
    # A connection in the middle of garbage, still open while others work.
    stuck = sandbox.conn()
    stuck.send(b'SET ups.id "open quote, no end')
    assert bystander.ping() == []
    assert driver.poll() is None
    assert bystander.dumpall()[0] == lines_before
    fresh = sandbox.conn()
    assert fresh.dumpall()[0] == lines_before
    stuck.close()


def test_a_client_that_never_reads_is_dropped_without_stalling_others(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    """Its backlog is bounded (4 MB): past that the driver lets go of the connection."""
    pid = driver.pid
    writer, watcher = sandbox.conn(), sandbox.conn()
    writer.send(b"NOBROADCAST\n")
    writer.ping()
    watcher.ping()
    idle_sockets = socket_fds(pid)
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(str(sandbox.socket))
    poll(lambda: socket_fds(pid) == idle_sockets + 1, "the slow client to be accepted")
    rss_before = rss_kib(pid)

    # The watcher reads all the time, in a thread, as a healthy upsd does.
    seen = {"bytes": 0, "done": False}

    def watch() -> None:
        while not seen["done"]:
            line = watcher.line(30.0)
            if line is None:
                return
            seen["bytes"] += len(line) + 1
            if line == b'SETINFO ups.flood "done"':
                seen["done"] = True

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    pad = "v" * 490
    count = 9_000  # about 4.7 MB of broadcasts: more than the backlog a client may have
    flood = b"".join(f'SET ups.flood "{i:08d}{pad}"\n'.encode() for i in range(count))
    started = time.monotonic()
    writer.send(flood + b'SET ups.flood "done" TRACKING end\n')
    assert writer.until(b"TRACKING end 0", within=20.0) == [b"TRACKING end 0"]
    thread.join(20.0)
    assert seen["done"], "the reading client missed updates"
    assert seen["bytes"] > 4_500_000
    # The slow client was let go (its socket closed by the driver) ...
    poll(lambda: socket_fds(pid) == idle_sockets, "the slow client to be dropped", 5.0)
    # ... long before it got everything, and the driver did not keep the backlog.
    slow.settimeout(TIMEOUT)
    received = 0
    while data := slow.recv(1 << 20):
        received += len(data)
    assert received < 4_500_000 // 2
    assert rss_kib(pid) - rss_before < 64 * 1024
    assert writer.ping() == []
    assert time.monotonic() - started < 20.0
    slow.close()


# -- signals and the command line --------------------------------------------------------------


def test_sigterm_removes_the_socket_and_the_pid_file(sandbox: Sandbox) -> None:
    proc = sandbox.start("-a", UPS, "-FF")
    assert sandbox.pidfile.read_text().strip() == str(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(TIMEOUT) == 0
    assert not sandbox.socket.exists()
    assert not sandbox.pidfile.exists()


def test_foreground_without_FF_writes_no_pid_file(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    assert not sandbox.pidfile.exists()


def test_c_dump_prints_the_tree_as_upsc_does(
    sandbox: Sandbox, driver: subprocess.Popen[bytes]
) -> None:
    _, tree = sandbox.conn().dumpall()
    rc, out, err = sandbox.run("-a", UPS, "-c", "dump")
    assert rc == 0, err
    assert out.splitlines() == [f"{v.name}: {v.value}" for v in tree.vars()]
    assert "ups.status: OL DISCHRG" in out.splitlines()


def test_c_exit_stops_the_driver(sandbox: Sandbox, driver: subprocess.Popen[bytes]) -> None:
    rc, _, err = sandbox.run("-a", UPS, "-c", "exit")
    assert rc == 0, err
    assert driver.wait(TIMEOUT) == 0
    assert not sandbox.socket.exists()


def test_c_without_a_running_driver_fails(sandbox: Sandbox) -> None:
    rc, _, err = sandbox.run("-a", UPS, "-c", "dump")
    assert rc == 1
    assert str(sandbox.socket) in err


def test_h_lists_the_drivers_variables(sandbox: Sandbox) -> None:
    rc, out, _ = sandbox.run("-h")
    assert rc == 0
    assert "usage: dummy-ups (-a <id>|-s <id>) [OPTIONS]" in out
    assert any(line.endswith(" : -x mode=<value>") for line in out.splitlines())
    assert any(line.endswith(" : -x repeater_disable_strict_start") for line in out.splitlines())


def test_L_lists_the_variables_for_parsers(sandbox: Sandbox) -> None:
    rc, out, _ = sandbox.run("-L")
    assert rc == 0
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["VALUE", "mode"],
        ["VALUE", "username"],
        ["VALUE", "password"],
        ["FLAG", "repeater_disable_strict_start"],
    ]
    assert all(line.count('"') == 2 and line.endswith('"') for line in lines)


def test_V_prints_the_banner(sandbox: Sandbox) -> None:
    env = {k: v for k, v in sandbox.env.items() if k != "NUT_QUIET_INIT_BANNER"}
    rc, out, _ = run([str(DUMMY_UPS), "-V"], env=env)
    assert rc == 0
    assert out.startswith("Network UPS Tools - Device simulation and repeater driver 0.15 (2.8.0")
    assert len(out.splitlines()) == 1


def test_unknown_x_variable_exits_1_with_NUTs_message(sandbox: Sandbox) -> None:
    rc, out, err = sandbox.run("-a", UPS, "-x", "foo=bar")
    assert rc == 1
    assert (
        "Fatal error: 'foo' is not a valid variable name for this driver.\n\n"
        "Look in the man page or call this driver with -h for a list of\n"
        "valid variable names and flags."
    ) in out + err
    assert not sandbox.socket.exists()


# -- background start --------------------------------------------------------------------------


def test_background_start_returns_once_the_socket_answers(sandbox: Sandbox) -> None:
    rc, _, err = sandbox.run("-a", UPS, *user_flag())
    pid = int(sandbox.pidfile.read_text()) if sandbox.pidfile.exists() else None
    if pid is not None:
        sandbox.adopt(pid)
    assert rc == 0, err
    assert pid is not None
    # No waiting: the socket is there and answers the moment the command returned.
    c = sandbox.conn()
    assert c.ask(b"PING", b"PONG") == [b"PONG"]
    assert c.ask(b"GETPID", f"PID {pid}".encode()) == [f"PID {pid}".encode()]
    assert values(c.dumpall()[1])["ups.model"] == "Back-UPS RS 900"
    os.kill(pid, signal.SIGTERM)
    poll(lambda: not alive(pid), "the daemon to exit")
    assert not sandbox.socket.exists()
    assert not sandbox.pidfile.exists()


def test_background_start_with_a_missing_dev_file_fails(sandbox: Sandbox) -> None:
    sandbox.write_conf(port="missing.dev")
    rc, out, err = sandbox.run("-a", UPS, *user_flag())
    if sandbox.pidfile.exists():
        sandbox.adopt(int(sandbox.pidfile.read_text()))
    assert rc == 1
    assert "Can't open dummy-ups definition file" in err
    assert "missing.dev" in err
    assert not sandbox.socket.exists()


def test_g_gives_the_socket_to_that_group(sandbox: Sandbox) -> None:
    group = grp.getgrgid(os.getgid()).gr_name if os.geteuid() != 0 else "daemon"
    proc = sandbox.start("-a", UPS, "-F", "-g", group)
    assert proc.poll() is None
    st = sandbox.socket.stat()
    assert st.st_gid == grp.getgrnam(group).gr_gid
    assert stat.S_IMODE(st.st_mode) & 0o060 == 0o060  # upsd in that group may read and write


def test_d_dumps_the_tree_after_n_polls_and_exits_without_a_socket(sandbox: Sandbox) -> None:
    rc, out, err = sandbox.run("-a", UPS, "-d", "1", *user_flag())
    assert rc == 0, err
    lines = out.splitlines()
    assert f"ups.model: {dev_values()['ups.model']}" in lines
    assert "driver.name: dummy-ups" in lines
    names = [line.split(": ", 1)[0] for line in lines]
    assert names == sorted(names, key=str.lower)  # upsc's order
    assert not sandbox.socket.exists()
    assert not sandbox.pidfile.exists()


def test_k_on_a_driver_without_shutdown_support_fails(sandbox: Sandbox) -> None:
    rc, _, err = sandbox.run("-a", UPS, "-k", *user_flag())
    assert rc == 1
    assert "shutdown not supported" in err
    assert not sandbox.socket.exists()


def test_default_fills_a_gap_and_override_wins_over_the_file_and_over_set(
    sandbox: Sandbox,
) -> None:
    assert "ups.id" not in dev_values()
    sandbox.start(
        "-a",
        UPS,
        "-F",
        "-x",
        "default.ups.id=Rack 4",
        "-x",
        "default.ups.model=not used",
        "-x",
        "override.ups.mfr=Fixed Inc",
    )
    got = values(sandbox.conn().dumpall()[1])
    assert got["ups.id"] == "Rack 4"  # nothing in the file: the default shows
    assert got["ups.model"] == dev_values()["ups.model"]  # the file's reading replaces it
    assert got["ups.mfr"] == "Fixed Inc"
    # A client's SET is taken (dummy-ups accepts any) but cannot move an override.
    c = sandbox.conn()
    assert c.ask(b'SET ups.mfr "Other" TRACKING 7', b"TRACKING 7 0")[-1] == b"TRACKING 7 0"
    assert values(sandbox.conn().dumpall()[1])["ups.mfr"] == "Fixed Inc"
