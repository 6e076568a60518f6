"""Run a NUT server side (driver + upsd) in a throw-away sandbox.

Strategy
--------
Interop tests need the real programs as peers, exactly as NUT's own
``tests/NIT/nit.sh`` runs them: a temporary directory serves as CONFPATH,
STATEPATH and PID path (selected through the ``NUT_*`` environment variables,
so nothing under ``/etc/nut`` or ``/run/nut`` is touched), ``upsd`` listens on
a free loopback port, and one driver per device serves a ``.dev``/``.seq``
dump copied into the sandbox.

NUT drops root privileges to its build-time user (``nut`` on Debian).  When we
run as root we pass ``-u root`` instead, which NUT accepts: the sandbox then
stays ours and readable whatever its owner.  As any other user NUT keeps that
user, so no flag is needed.

Readiness is polled, never slept for: first the driver's socket appears in
STATEPATH, then ``LIST VAR <ups>`` over TCP answers ``BEGIN LIST`` (upsd says
``DRIVER-NOT-CONNECTED`` or ``DATA-STALE`` until the driver's dump is done).

The programs are parameters (``upsd_cmd``, ``driver_cmd``), so the same class
starts powerdown's own upsd and drivers with NUT's command line flags.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType

__all__ = [
    "NUT_UPSD",
    "NUT_DUMMY_UPS",
    "NUT_UPSC",
    "NUT_UPSCMD",
    "NUT_UPSRW",
    "OUR_UPSD",
    "OUR_DUMMY_UPS",
    "DDL",
    "User",
    "NutServer",
    "NutServerError",
    "Port",
    "free_port",
    "run",
    "nut_env",
    "ddl",
    "wait_until",
    "make_nss_certdb",
]

NUT_UPSD: tuple[str, ...] = ("/lib/nut/upsd",)
NUT_DUMMY_UPS: tuple[str, ...] = ("/lib/nut/dummy-ups",)
NUT_UPSC = "/bin/upsc"
NUT_UPSCMD = "/bin/upscmd"
NUT_UPSRW = "/bin/upsrw"
OUR_UPSD: tuple[str, ...] = (sys.executable, "-m", "powerdown.cli.upsd")
#: powerdown's dummy-ups, as installed next to the interpreter (its name is the driver's).
OUR_DUMMY_UPS: tuple[str, ...] = (str(Path(sys.executable).parent / "dummy-ups"),)

#: The corpus of real device dumps: ``DDL / "<Manufacturer>" / "*.dev"``.
DDL = Path(__file__).resolve().parents[3] / "shared" / "ddl"
if not DDL.is_dir():  # pragma: no cover - a checkout outside /work/main
    DDL = Path("/work/shared/ddl")

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class NutServerError(RuntimeError):
    """The sandboxed server did not come up; the message carries its logs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """One ``upsd.users`` section."""

    password: str
    actions: Sequence[str] = ()
    instcmds: Sequence[str] = ()
    upsmon: str | None = None  # "primary" / "secondary" (or "master" / "slave")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's pick for port 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 30.0,
    cwd: str | Path | None = None,
    argv0: str | None = None,
) -> tuple[int, str, str]:
    """Run a program to completion: ``(exit code, stdout, stderr)``.

    The program runs in a session of its own, without a controlling
    terminal, so password prompts read stdin as in CI.
    Output is decoded losslessly (``surrogateescape``) so that byte-for-byte
    comparisons between two programs stay exact.  Stdin is empty unless
    ``input`` is given, never a terminal.  ``argv0`` sets the program's
    ``argv[0]`` (NUT's messages name the program by it).
    """
    args = list(cmd)
    if argv0 is not None:
        args[0] = argv0
    proc = subprocess.run(
        args,
        executable=cmd[0],
        start_new_session=True,  # no controlling terminal: getpass reads stdin
        env=dict(env) if env is not None else None,
        input=(input or "").encode("utf-8", "surrogateescape"),
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "surrogateescape"),
        proc.stderr.decode("utf-8", "surrogateescape"),
    )


def nut_env(root: str | Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that points every NUT program at the sandbox ``root``."""
    env = dict(os.environ if base is None else base)
    for name in ("NUT_CONFPATH", "NUT_STATEPATH", "NUT_ALTPIDPATH", "NUT_PIDPATH"):
        env[name] = str(root)
    return env


def _user_flag() -> list[str]:
    return ["-u", "root"] if os.geteuid() == 0 else []


def _render_users(users: Mapping[str, User]) -> str:
    out: list[str] = []
    for name, user in users.items():
        out.append(f"[{name}]")
        out.append(f'  password = "{_escape(user.password)}"')
        if user.actions:
            out.append("  actions = " + " ".join(user.actions))
        for cmd in user.instcmds:
            out.append(f"  instcmds = {cmd}")
        if user.upsmon:
            out.append(f"  upsmon {user.upsmon}")
        out.append("")
    return "\n".join(out)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(slots=True)
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


class _Settled:
    """Readiness of one UPS: its dump is in and no longer changing.

    upsd answers as soon as it is connected to the driver, with ``ups.status``
    set to ``WAIT`` until the driver's dump brings the real one, and it reads
    the driver's dump 512 bytes per loop turn.  So we want the status to be
    the driver's and two snapshots ``SETTLE`` seconds apart to agree.
    """

    SETTLE = 0.1

    def __init__(self, server: NutServer, ups: str) -> None:
        self.server = server
        self.ups = ups
        self.last: tuple[str, ...] | None = None
        self.since = 0.0

    def __call__(self) -> bool:
        snap = self.server.snapshot(self.ups)
        now = time.monotonic()
        if snap is None or f'VAR {self.ups} ups.status "WAIT"' in snap:
            self.last = None
            return False
        if snap != self.last:
            self.last, self.since = snap, now
            return False
        return now - self.since >= self.SETTLE


class Port(str):
    """A ``port =`` value written into ups.conf as it is (not a file to copy)."""


@dataclass
class NutServer:
    """A driver per device plus one upsd, all on loopback in a sandbox.

    Args:
        devices: UPS name -> path of a ``.dev`` or ``.seq`` file (copied into
            the sandbox and served by ``driver_cmd -a <name>``), a
            ``ups@host:port`` string (a repeater's port, used as it is), or a
            :class:`Port` (a real driver's port: a pty, an SNMP agent).
        users: ``upsd.users`` sections.
        extra_upsd_conf: lines appended to ``upsd.conf`` (after ``LISTEN``).
        driver_options: UPS name -> extra ``ups.conf`` settings (``mode`` …).
        listen: addresses upsd listens on; ``host`` is the first one.
        port: the port; a free one when ``None``.
        upsd_cmd, driver_cmd: the programs (NUT's by default).
        root: the sandbox directory; a fresh temporary one when ``None``
            (then removed by :meth:`stop`).
        start: start at once (otherwise call :meth:`start`).
        wait: wait at start until every device's data is served.
    """

    devices: Mapping[str, str | Path]
    users: Mapping[str, User] = field(default_factory=dict)
    extra_upsd_conf: str = ""
    driver_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    listen: Sequence[str] = ("127.0.0.1",)
    port: int = 0
    upsd_cmd: Sequence[str] = NUT_UPSD
    driver_cmd: Sequence[str] = NUT_DUMMY_UPS
    root: Path | None = None
    start_now: bool = True
    wait: bool = True
    timeout: float = START_TIMEOUT
    _procs: list[_Proc] = field(default_factory=list, init=False, repr=False)
    _own_root: bool = field(default=False, init=False, repr=False)
    _env: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="nutpeer-"))
            self._own_root = True
        else:
            self.root = Path(self.root)
            self.root.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.listen[0])
        self._env = nut_env(self.root)
        self.write_config()
        if self.start_now:
            try:
                self.start()
            except BaseException:
                self.stop()
                raise

    # -- properties ---------------------------------------------------------

    @property
    def dir(self) -> Path:
        assert self.root is not None
        return self.root

    @property
    def host(self) -> str:
        return self.listen[0]

    @property
    def env(self) -> dict[str, str]:
        """Environment for clients and server programs run against this sandbox."""
        return dict(self._env)

    @property
    def hostport(self) -> str:
        """``host:port`` as NUT's clients take it (``[::1]:port`` for IPv6)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def ups(self, name: str) -> str:
        """``name@host:port``, the UPS argument of upsc/upscmd/upsrw."""
        return f"{name}@{self.hostport}"

    # -- configuration ------------------------------------------------------

    def write_config(self) -> None:
        """(Re)write ups.conf, upsd.conf and upsd.users into the sandbox."""
        root = self.dir
        ups_lines: list[str] = []
        for name, source in self.devices.items():
            ups_lines.append(f"[{name}]")
            ups_lines.append(f"  driver = {Path(self.driver_cmd[-1]).name}")
            if isinstance(source, Port):
                # a real driver's port (a pty, an SNMP agent's address): used as it is.
                ups_lines.append(f'  port = "{_escape(source)}"')
            elif isinstance(source, str) and "@" in source:
                # dummy-ups in repeater mode: the port is a UPS of another upsd.
                ups_lines.append(f'  port = "{source}"')
            else:
                source = Path(source)
                local = root / f"{name}{source.suffix or '.dev'}"
                if source.resolve() != local.resolve():
                    shutil.copyfile(source, local)
                ups_lines.append(f'  port = "{local.name}"')
            for key, value in self.driver_options.get(name, {}).items():
                ups_lines.append(f'  {key} = "{_escape(value)}"')
            ups_lines.append("")
        self._write("ups.conf", "\n".join(ups_lines))
        listen = "".join(f"LISTEN {addr} {self.port}\n" for addr in self.listen)
        self._write("upsd.conf", listen + self.extra_upsd_conf + "\n")
        self._write("upsd.users", _render_users(self.users))

    def _write(self, name: str, text: str) -> None:
        path = self.dir / name
        path.write_text(text)
        path.chmod(0o640)  # upsd warns about world-readable config

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Start the drivers, then upsd; wait until the data is served."""
        deadline = time.monotonic() + self.timeout
        for name in self.devices:
            self._spawn(f"driver-{name}", [*self.driver_cmd, "-a", name, "-F", *_user_flag()])
        for name in self.devices:
            self._wait_for(partial(self._has_socket, name), deadline, f"the socket of {name!r}")
        self._spawn("upsd", [*self.upsd_cmd, "-F", *_user_flag()])
        if self.wait:
            for name in self.devices:
                self._wait_for(_Settled(self, name), deadline, f"upsd serving {name!r}")

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = self.dir / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                cmd,
                env=self._env,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._procs.append(_Proc(name, popen, log))

    def _has_socket(self, ups: str) -> bool:
        return any(p.is_socket() for p in self.dir.glob(f"*-{ups}"))

    def _wait_for(self, ready: Callable[[], bool], deadline: float, what: str) -> None:
        delay = 0.01
        while True:
            for proc in self._procs:
                if proc.popen.poll() is not None and proc.popen.returncode != -15:
                    raise NutServerError(
                        f"{proc.name} exited with {proc.popen.returncode} "
                        f"while waiting for {what}\n{self.logs()}"
                    )
            if ready():
                return
            if time.monotonic() > deadline:
                raise NutServerError(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(delay)  # a bounded poll interval, not a wait for an event
            delay = min(delay * 2, 0.2)

    def snapshot(self, ups: str) -> tuple[str, ...] | None:
        """``LIST VAR`` and ``LIST CMD`` of ``ups`` as raw lines; ``None`` on error."""
        try:
            lines = self.query(f"LIST VAR {ups}", f"LIST CMD {ups}", until=("END LIST CMD", "ERR "))
        except OSError:
            return None
        if not lines or lines[-1].startswith("ERR"):
            return None
        return tuple(lines)

    def query(self, *requests: str, until: Sequence[str] = (), timeout: float = 5.0) -> list[str]:
        """Send raw protocol lines; read reply lines until one starts with ``until``.

        With no ``until``, read one reply line per request.
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect((self.host, self.port))
            s.sendall("".join(r + "\n" for r in requests).encode())
            buf = b""
            lines: list[str] = []
            want = None if until else len(requests)
            while True:
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode("utf-8", "replace")
                    lines.append(text)
                    if until and text.startswith(tuple(until)):
                        return lines
                    if want is not None and len(lines) >= want:
                        return lines
                data = s.recv(65536)
                if not data:
                    return lines
                buf += data

    def logs(self) -> str:
        """Everything the server programs printed so far."""
        parts = []
        for proc in self._procs:
            with contextlib.suppress(OSError):
                parts.append(f"--- {proc.name} ---\n{proc.log.read_text(errors='replace')}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop every process we started (by its pid), then drop the sandbox."""
        for proc in reversed(self._procs):
            if proc.popen.poll() is None:
                proc.popen.terminate()
        for proc in reversed(self._procs):
            try:
                proc.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(STOP_TIMEOUT)
        self._procs.clear()
        if self._own_root and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def stop_process(self, name: str) -> None:
        """Stop one program we started (``"upsd"``, ``"driver-<ups>"``) by its pid."""
        for proc in self._procs:
            if proc.name == name and proc.popen.poll() is None:
                proc.popen.terminate()
                try:
                    proc.popen.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.popen.kill()
                    proc.popen.wait(STOP_TIMEOUT)
                return
        raise KeyError(f"no running process {name!r}")

    def start_upsd(self) -> None:
        """Start upsd again after :meth:`stop_process` (``"upsd"``); the drivers kept running."""
        self._spawn("upsd", [*self.upsd_cmd, "-F", *_user_flag()])

    def reload(self) -> None:
        """Rewrite the config and have upsd re-read it (``upsd -c reload -P pid``)."""
        self.write_config()
        for proc in self._procs:
            if proc.name == "upsd":
                proc.popen.send_signal(1)  # SIGHUP: upsd's reload signal

    def __enter__(self) -> NutServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def ddl(manufacturer: str, contains: str = "", *, suffix: str = ".dev") -> Path:
    """The first (sorted) dump of ``manufacturer`` whose file name has ``contains``."""
    found = sorted(p for p in (DDL / manufacturer).glob(f"*{suffix}") if contains in p.name)
    if not found:
        raise FileNotFoundError(f"no {suffix} of {manufacturer!r} matching {contains!r} in {DDL}")
    return found[0]


def wait_until(ready: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``ready`` until it is true; ``TimeoutError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(delay)  # a bounded poll interval
        delay = min(delay * 2, 0.2)


def make_nss_certdb(directory: Path, *, password: str = "nutpeer", name: str = "upsd") -> str:
    """An NSS certificate database with a self-signed server certificate.

    Debian builds NUT with NSS, so upsd's TLS needs ``CERTPATH <directory>``
    and ``CERTIDENT <name> <password>``; the returned text holds both lines,
    ready for ``extra_upsd_conf``.  Needs ``certutil`` (``libnss3-tools``).
    """
    certutil = shutil.which("certutil")
    if certutil is None:
        raise FileNotFoundError("certutil (Debian package libnss3-tools) is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    pwfile = directory / "password"
    pwfile.write_text(password + "\n")
    noise = directory / "noise"
    noise.write_bytes(os.urandom(64))
    base = [certutil, "-d", f"sql:{directory}", "-f", str(pwfile)]
    for cmd in (
        [*base, "-N"],
        [*base, "-S", "-x", "-n", name, "-s", "CN=127.0.0.1", "-t", "CTu,u,u"]
        + ["-z", str(noise), "-v", "12", "-k", "rsa", "-g", "2048"],
    ):
        rc, out, err = run(cmd)
        if rc != 0:
            raise NutServerError(f"{' '.join(cmd)} failed: {out}{err}")
    return f'CERTPATH "{directory}"\nCERTIDENT "{name}" "{password}"\n'
