"""A throw-away upsd + dummy-ups pair on loopback, for the benchmarks.

Everything a server needs lives in one temporary directory, selected with
NUT's own environment variables (``NUT_CONFPATH``, ``NUT_STATEPATH``,
``NUT_ALTPIDPATH``, ``NUT_PIDPATH``), so ``/etc/nut`` and ``/run/nut`` are
never read or written.  upsd listens on 127.0.0.1 at a port the kernel
picked as free.

NUT's daemons drop root to their build-time user (``nut`` on Debian), who
cannot read a private temporary directory.  Run as root, we pass ``-u root``
(NUT accepts it and keeps root), so the sandbox can stay mode 0700; run as
anyone else, NUT keeps that user and needs no flag.

Processes are stopped by the pids we started, never by name: SIGTERM, then
SIGKILL after a grace period.  Each one also gets PR_SET_PDEATHSIG, so a
benchmark killed with SIGKILL does not leave daemons behind.  They run in
their own session, so a Ctrl-C in the terminal reaches only the benchmark,
which then stops them in order (upsd first, then the driver).

This module is for ``bench/`` only; it does not import the tests.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

NUT_UPSD = "/lib/nut/upsd"
NUT_DUMMY_UPS = "/lib/nut/dummy-ups"
UPS_NAME = "bench"
START_TIMEOUT = 30.0
STOP_GRACE = 5.0
_PR_SET_PDEATHSIG = 1


class SandboxError(RuntimeError):
    """The server did not come up; the message carries its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def user_flag() -> list[str]:
    """``-u root`` when we are root, so NUT does not switch to ``nut``."""
    return ["-u", "root"] if os.geteuid() == 0 else []


def die_with_parent() -> None:
    """PR_SET_PDEATHSIG(SIGTERM); a ``preexec_fn``, run between fork and exec."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


@dataclass
class Proc:
    """One process we started, with where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after ``STOP_GRACE`` seconds; always reaps."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.popen.kill()
                self.popen.wait()


def spawn(
    name: str,
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log: Path,
    cpus: set[int] | None = None,
) -> Proc:
    """Start ``cmd`` in its own session, output to ``log``, pinned to ``cpus``."""
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            list(cmd),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    proc = Proc(name, popen, log)
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(popen.pid, cpus)
    return proc


@dataclass
class Sandbox:
    """One upsd and one driver serving ``dev`` as UPS ``bench``.

    Args:
        label: a name for messages ("NUT", "ours").
        dev: the ``.dev``/``.seq`` file the driver serves.
        upsd_cmd: the upsd command line, without ``-F`` and user flags.
        driver_cmd: the driver command line, without ``-a``/``-F``/user flags.
        upsd_user_flag: pass ``-u root`` to upsd when we are root.
        cpus: pin the server processes to these CPUs (None: no pinning).
    """

    label: str
    dev: Path
    upsd_cmd: Sequence[str] = (NUT_UPSD,)
    driver_cmd: Sequence[str] = (NUT_DUMMY_UPS,)
    upsd_user_flag: bool = True
    cpus: set[int] | None = None
    port: int = 0
    root: Path = field(init=False)
    procs: list[Proc] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=f"upsd-bench-{self.label.lower()}-"))
        self.port = self.port or free_port()

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("NUT_CONFPATH", "NUT_STATEPATH", "NUT_ALTPIDPATH", "NUT_PIDPATH"):
            env[var] = str(self.root)
        return env

    @property
    def upsd(self) -> Proc:
        return self.procs[-1]

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Write the config, start the driver and upsd, wait until data is served."""
        local = self.root / f"{UPS_NAME}{self.dev.suffix or '.dev'}"
        shutil.copyfile(self.dev, local)
        driver_name = Path(self.driver_cmd[-1]).name
        self._write(
            "ups.conf", f'[{UPS_NAME}]\n  driver = {driver_name}\n  port = "{local.name}"\n'
        )
        self._write("upsd.conf", f"LISTEN 127.0.0.1 {self.port}\n")
        self._write("upsd.users", "")
        deadline = time.monotonic() + timeout
        drv = [*self.driver_cmd, "-a", UPS_NAME, "-F", *user_flag()]
        self._spawn("driver", drv)
        self._wait(
            lambda: any(p.is_socket() for p in self.root.glob(f"*-{UPS_NAME}")),
            deadline,
            "the driver's socket",
        )
        upsd = [*self.upsd_cmd, "-F", *(user_flag() if self.upsd_user_flag else [])]
        self._spawn("upsd", upsd)
        self._wait(_Settled(self), deadline, "upsd serving the whole dump")

    def _write(self, name: str, text: str) -> None:
        path = self.root / name
        path.write_text(text)
        path.chmod(0o600)

    def _spawn(self, name: str, cmd: list[str]) -> None:
        self.procs.append(
            spawn(
                name,
                cmd,
                env=self.env,
                cwd=self.root,
                log=self.root / f"{name}.log",
                cpus=self.cpus,
            )
        )

    def _wait(self, ready: Callable[[], bool], deadline: float, what: str) -> None:
        pause = 0.01
        while not ready():
            for proc in self.procs:
                if proc.popen.poll() is not None:
                    raise SandboxError(
                        f"{self.label}: {proc.name} exited ({proc.popen.returncode}) "
                        f"while waiting for {what}\n{self.logs()}"
                    )
            if time.monotonic() > deadline:
                raise SandboxError(f"{self.label}: timed out waiting for {what}\n{self.logs()}")
            time.sleep(pause)  # poll interval of a bounded wait
            pause = min(pause * 2, 0.2)

    def request(self, line: str, until: bytes, timeout: float = 5.0) -> bytes:
        """Send one request on a fresh connection; read until ``until`` or ``ERR``."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(line.encode() + b"\n")
            buf = b""
            while not (buf.endswith(until) or (buf.startswith(b"ERR") and buf.endswith(b"\n"))):
                data = s.recv(65536)
                if not data:
                    break
                buf += data
            return buf

    def list_var(self) -> bytes | None:
        """The raw ``LIST VAR`` reply, or None while upsd cannot serve it."""
        try:
            reply = self.request(f"LIST VAR {UPS_NAME}", f"END LIST VAR {UPS_NAME}\n".encode())
        except OSError:
            return None
        if not reply.startswith(b"BEGIN LIST VAR") or b'ups.status "WAIT"' in reply:
            return None
        return reply

    def logs(self) -> str:
        parts = []
        for proc in self.procs:
            with contextlib.suppress(OSError):
                text = proc.log.read_text(errors="replace")
                parts.append(f"--- {self.label} {proc.name} (pid {proc.pid}) ---\n{text[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop upsd, then the driver (by pid), then remove the sandbox."""
        try:
            for proc in reversed(self.procs):
                proc.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class _Settled:
    """upsd reads a driver's dump in pieces: wait until two reads agree."""

    SETTLE = 0.2

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.last: bytes | None = None
        self.since = 0.0

    def __call__(self) -> bool:
        reply = self.box.list_var()
        now = time.monotonic()
        if reply is None or reply != self.last:
            self.last, self.since = reply, now
            return False
        return now - self.since >= self.SETTLE
