"""Run an upsmon (NUT's or ours) as an unprivileged peer in a sandbox.

Strategy
--------
upsmon is the one NUT program that acts on the machine: it runs NOTIFYCMD,
walls the users, writes POWERDOWNFLAG and runs SHUTDOWNCMD.  In a test all
of that must land in files we read, and nothing outside the sandbox may
change.  NUT 2.8.0's upsmon writes its pid file to ``/run/nut`` whatever the
environment says, so we never run it as root: it runs as ``nobody`` (through
``setpriv``), who cannot write ``/run/nut`` (root:nut 0770) or ``/etc/nut``.
Its failure to write the pid file is only logged.

The sandbox is a world-traversable temporary directory (pytest's
``tmp_path`` is 0700 under root's ``/tmp/pytest-of-root``): config, scripts
and a ``bin/wall`` stub are root's and world-readable; ``out/`` is 0777 and
is where the peer writes.  Each upsmon gets its own config directory
``<name>/`` (its ``NUT_CONFPATH``) and writes ``out/<name>.*``:

- ``.events``: one line per notification, ``<epoch> <NOTIFYTYPE> <UPSNAME|-> <message>``,
  from the NOTIFYCMD script (NOTIFYFLAG ``SYSLOG+EXEC`` for every type the
  implementation knows; never ``WALL``);
- ``.shutdown``: ``<epoch> SHUTDOWN <name>`` per run of SHUTDOWNCMD, which
  shuts nothing down;
- ``.powerdown``: the POWERDOWNFLAG file;
- ``.wall``: what the program handed to ``wall``.  NUT 2.8.0 walls
  "Executing automatic power-fail shutdown" whatever NOTIFYFLAG says, so
  ``PATH`` starts with the sandbox's ``bin/`` whose ``wall`` only records.
- ``.log``: its stdout and stderr (``-D`` sends the log there).

Without ``-p``, upsmon splits: the process we start stays as the privileged
parent (it runs SHUTDOWNCMD when told through a pipe) and the forked child
monitors.  Signals for the monitor (SIGUSR1 for ``-c fsd``, SIGHUP for
``-c reload``) go to the child, which is the pid NUT's own pid file names.
We find the child by its parent pid among ``/proc`` entries (this kernel
has no ``/proc/<pid>/task/<tid>/children``); stopping ends the child first
(the parent then exits on its own, as its pipe closes), then the parent.

The program is a parameter (``impl_cmd``), so the same class runs
``python -m powerdown.cli.upsmon`` with the same flags: as ``nobody`` that
needs an interpreter ``nobody`` can read, :func:`build_unprivileged_python`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.nutpeer import NutServer, User, run, wait_until

__all__ = [
    "NUT_UPSMON",
    "OUR_UPSMON",
    "OURS",
    "NUTS",
    "NUT_2_8_0_NOTIFY_TYPES",
    "PRIMARY_USER",
    "PRIMARY_PASSWORD",
    "SECONDARY_USER",
    "SECONDARY_PASSWORD",
    "Event",
    "Monitor",
    "Sandbox",
    "UpsmonProcess",
    "UpsmonError",
    "build_unprivileged_python",
    "numlogins",
    "primary",
    "run_as_user",
    "secondary",
    "upsmon_users",
]

NUT_UPSMON: tuple[str, ...] = ("/lib/nut/upsmon",)

#: The notify types NUT 2.8.0's upsmon knows (clients/upsmon.h ``notifylist``).
#: A NOTIFYFLAG line naming any other type is not fatal there: upsmon logs
#: "Warning: invalid notify type [NAME]" and goes on.
NUT_2_8_0_NOTIFY_TYPES: tuple[str, ...] = (
    "ONLINE",
    "ONBATT",
    "LOWBATT",
    "FSD",
    "COMMOK",
    "COMMBAD",
    "SHUTDOWN",
    "REPLBATT",
    "NOCOMM",
    "NOPARENT",
    "CAL",
)

PRIMARY_USER = "monprimary"
PRIMARY_PASSWORD = "primary-pass"
SECONDARY_USER = "monsecondary"
SECONDARY_PASSWORD = "secondary-pass"

STOP_TIMEOUT = 5.0
DEFAULT_RUN_AS: str | None = "nobody" if os.geteuid() == 0 else None

#: powerdown's upsmon, run by this interpreter.
OUR_UPSMON: tuple[str, ...] = (sys.executable, "-m", "powerdown.cli.upsmon")
#: ``UpsmonProcess`` keywords for ours in tests: as the current user (root
#: here; the privilege split has its own test), ``-u root`` so the monitor
#: can still read this interpreter.
OURS: dict[str, Any] = {"impl_cmd": OUR_UPSMON, "run_as": None, "flags": ("-F", "-D", "-u", "root")}
#: ``UpsmonProcess`` keywords for NUT 2.8.0's (as nobody, the default).
NUTS: dict[str, Any] = {"impl_cmd": NUT_UPSMON}


class UpsmonError(RuntimeError):
    """The peer did not do what a test waited for; the message carries its log."""


def upsmon_users() -> dict[str, User]:
    """The ``upsd.users`` sections for :func:`primary` and :func:`secondary`."""
    return {
        PRIMARY_USER: User(password=PRIMARY_PASSWORD, upsmon="primary"),
        SECONDARY_USER: User(password=SECONDARY_PASSWORD, upsmon="secondary"),
    }


def numlogins(server: NutServer, ups: str) -> int:
    """How many clients upsd counts as logged in to ``ups`` (``GET NUMLOGINS``)."""
    reply = server.query(f"GET NUMLOGINS {ups}")
    words = reply[0].split() if reply else []
    if len(words) != 3 or words[0] != "NUMLOGINS":
        raise UpsmonError(f"GET NUMLOGINS {ups}: {reply!r}")
    return int(words[2])


@dataclass(frozen=True, slots=True, kw_only=True)
class Monitor:
    """One ``MONITOR <system> <powervalue> <username> <password> <type>`` line."""

    system: str
    powervalue: int = 1
    username: str
    password: str
    type: str  # "primary" / "secondary" (2.8.0 also takes "master" / "slave")

    def line(self) -> str:
        return (
            f'MONITOR {self.system} {self.powervalue} {self.username} "{self.password}" {self.type}'
        )


def primary(system: str, powervalue: int = 1) -> Monitor:
    return Monitor(
        system=system,
        powervalue=powervalue,
        username=PRIMARY_USER,
        password=PRIMARY_PASSWORD,
        type="primary",
    )


def secondary(system: str, powervalue: int = 1) -> Monitor:
    return Monitor(
        system=system,
        powervalue=powervalue,
        username=SECONDARY_USER,
        password=SECONDARY_PASSWORD,
        type="secondary",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One line of ``out/<name>.events``: a notification as NOTIFYCMD saw it.

    NUT runs each NOTIFYCMD in a fork of its own, so notifications made in
    the same poll (FSD, LOWBATT and SHUTDOWN; COMMOK and FSD) land in the
    file in any order, ms apart; the log (``-D``) has upsmon's own order.
    """

    time: float  # wall clock (``date +%s.%N``): compare with time.time()
    type: str  # $NOTIFYTYPE
    ups: str | None  # $UPSNAME (empty for SHUTDOWN and NOPARENT)
    message: str  # NOTIFYCMD's argument


def _ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def run_as_user(user: str | None) -> list[str]:
    """The command prefix that runs a program as ``user`` with no other groups."""
    if user is None:
        return []
    uid, gid = _ids(user)
    if os.geteuid() == uid:
        return []
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]


class Sandbox:
    """A temporary directory every user can traverse and read; ``out/`` is writable by all."""

    def __init__(self, prefix: str = "upsmonpeer-") -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.root.chmod(0o755)
        self.out = self.mkdir("out", 0o777)
        self.bin = self.mkdir("bin")
        self.write(
            "bin/wall",
            "#!/bin/sh\n"
            "# Stands in for wall(1): record the text instead of writing to terminals.\n"
            f'{{ date +%s.%N; cat; }} >> "{self.out}/${{UPSMONPEER_NAME:-unknown}}.wall"\n',
            mode=0o755,
        )

    def path(self, name: str) -> Path:
        return self.root / name

    def mkdir(self, name: str, mode: int = 0o755) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(mode)
        return path

    def write(self, name: str, text: str, *, mode: int = 0o644) -> Path:
        path = self.root / name
        if not path.parent.exists():
            self.mkdir(str(path.parent.relative_to(self.root)))
        path.write_text(text)
        path.chmod(mode)
        return path

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()


@dataclass(frozen=True, slots=True)
class _Pid:
    """A pid plus its start time, so that a recycled pid is never signalled."""

    pid: int
    start: str

    @classmethod
    def of(cls, pid: int) -> _Pid | None:
        stat = _stat(pid)
        return None if stat is None else cls(pid, stat[19])

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[19] == self.start and stat[0] not in ("Z", "X")

    def kill(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state, ppid, …)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw.rsplit(b")", 1)[-1].decode().split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == str(pid):
                found.append(int(entry))
    return sorted(found)


def _settle(done: Callable[[], bool], timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        wait_until(done, timeout)


def _is_nut(cmd: Sequence[str]) -> bool:
    return bool(cmd) and os.path.realpath(cmd[0]) == os.path.realpath(NUT_UPSMON[0])


def _default_notify_types(impl_cmd: Sequence[str]) -> tuple[str, ...]:
    if _is_nut(impl_cmd):
        return NUT_2_8_0_NOTIFY_TYPES
    from powerdown.monitor.notify import NotifyType

    return tuple(t.value for t in NotifyType)


class UpsmonProcess:
    """One upsmon in ``sandbox``, configured and observed through files.

    Like NUT's, an implementation that splits (no ``-p``) must keep the
    process we started as the privileged parent and monitor in its child.

    Args:
        sandbox: where everything goes (shared by several upsmons).
        name: this upsmon's name: its config directory and ``out/<name>.*``.
        monitors: its MONITOR lines.
        minsupplies, pollfreq, pollfreqalert, hostsync, deadtime,
            finaldelay: the upsmon.conf settings of the same names (``None``
            leaves one out, so the program's default applies).  The defaults
            are NUT's except POLLFREQ/POLLFREQALERT 1 (NUT: 5) and FINALDELAY
            0 (NUT: 5), to keep tests short.
        extra_conf: more upsmon.conf lines, appended.
        impl_cmd: the program: NUT's upsmon or a command prefix for ours.
        run_as: the user to run as (``nobody`` when we are root).
        flags: command line flags before ``extra_args``.
        notify_types: the types to give NOTIFYFLAG lines; by default every
            type the implementation knows.
        extra_env: more environment variables.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        name: str,
        monitors: Sequence[Monitor | str],
        *,
        minsupplies: int | None = 1,
        pollfreq: int | None = 1,
        pollfreqalert: int | None = 1,
        hostsync: int | None = 15,
        deadtime: int | None = 15,
        finaldelay: int | None = 0,
        extra_conf: str = "",
        impl_cmd: Sequence[str] = NUT_UPSMON,
        run_as: str | None = DEFAULT_RUN_AS,
        flags: Sequence[str] = ("-F", "-D"),
        extra_args: Sequence[str] = (),
        notify_types: Sequence[str] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        if run_as is None and os.geteuid() == 0 and _is_nut(impl_cmd):
            raise ValueError("NUT's upsmon as root would write /run/nut/upsmon.pid: use run_as")
        self.sandbox = sandbox
        self.name = name
        self.monitors = list(monitors)
        self.settings: dict[str, int | None] = {
            "MINSUPPLIES": minsupplies,
            "POLLFREQ": pollfreq,
            "POLLFREQALERT": pollfreqalert,
            "HOSTSYNC": hostsync,
            "DEADTIME": deadtime,
            "FINALDELAY": finaldelay,
        }
        self.extra_conf = extra_conf
        self.impl_cmd = tuple(impl_cmd)
        self.run_as = run_as
        self.flags = tuple(flags)
        self.extra_args = tuple(extra_args)
        self.notify_types = tuple(
            _default_notify_types(impl_cmd) if notify_types is None else notify_types
        )
        self.extra_env = dict(extra_env or {})
        self.confdir = sandbox.mkdir(name)
        # Where our upsmon may put its pid file and state (NUT's ignores both).
        self.rundir = sandbox.mkdir(f"out/{name}.run", 0o777)
        self.events_file = sandbox.out / f"{name}.events"
        self.shutdown_file = sandbox.out / f"{name}.shutdown"
        self.powerdownflag = sandbox.out / f"{name}.powerdown"
        self.wall_file = sandbox.out / f"{name}.wall"
        self.log_file = sandbox.out / f"{name}.log"
        self._popen: subprocess.Popen[bytes] | None = None
        self._child: _Pid | None = None
        self.write_config()

    # -- configuration ------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The environment the program (and ``-K``, ``-c``) runs with."""
        env = {
            "PATH": f"{self.sandbox.bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "LANG": "C.UTF-8",
            "HOME": str(self.confdir),
            "NUT_CONFPATH": str(self.confdir),
            "NUT_STATEPATH": str(self.rundir),
            "NUT_ALTPIDPATH": str(self.rundir),
            "NUT_PIDPATH": str(self.rundir),
            "UPSMONPEER_NAME": self.name,
        }
        env.update(self.extra_env)
        return env

    def config_text(self) -> str:
        lines = [m.line() if isinstance(m, Monitor) else f"MONITOR {m}" for m in self.monitors]
        for key, value in self.settings.items():
            if value is not None:
                lines.append(f"{key} {value}")
        notify = self.confdir / "notify.sh"
        shutdown = self.confdir / "shutdown.sh"
        lines.append(f'NOTIFYCMD "{notify}"')
        lines.append(f'SHUTDOWNCMD "{shutdown}"')
        lines.append(f'POWERDOWNFLAG "{self.powerdownflag}"')
        lines.extend(f"NOTIFYFLAG {t} SYSLOG+EXEC" for t in self.notify_types)
        return "\n".join(lines) + "\n" + self.extra_conf + "\n"

    def write_config(self) -> None:
        """(Re)write upsmon.conf and the two scripts; :meth:`reload` makes it count."""
        events = shlex.quote(str(self.events_file))
        self.sandbox.write(
            f"{self.name}/notify.sh",
            "#!/bin/sh\n"
            "# NOTIFYCMD: upsmon passes the message; the type and UPS come in the environment.\n"
            f'printf \'%s %s %s %s\\n\' "$(date +%s.%N)" "$NOTIFYTYPE" "${{UPSNAME:--}}" "$*"'
            f" >> {events}\n",
            mode=0o755,
        )
        self.sandbox.write(
            f"{self.name}/shutdown.sh",
            "#!/bin/sh\n"
            "# SHUTDOWNCMD: record that a shutdown was asked for; shut nothing down.\n"
            f'echo "$(date +%s.%N) SHUTDOWN {self.name}"'
            f" >> {shlex.quote(str(self.shutdown_file))}\n",
            mode=0o755,
        )
        self.sandbox.write(f"{self.name}/upsmon.conf", self.config_text())

    # -- lifecycle ----------------------------------------------------------

    @property
    def command(self) -> list[str]:
        return [*run_as_user(self.run_as), *self.impl_cmd, *self.flags, *self.extra_args]

    @property
    def split(self) -> bool:
        """Whether the program forks a privileged parent (no ``-p``)."""
        return "-p" not in self.flags and "-p" not in self.extra_args

    @property
    def pid(self) -> int | None:
        """The pid we started (the privileged parent when split)."""
        return None if self._popen is None else self._popen.pid

    @property
    def monitor_pid(self) -> int | None:
        """The process that polls and takes signals (the child when split)."""
        if self._child is not None:
            return self._child.pid
        return self.pid

    def start(self, timeout: float = 10.0) -> None:
        """Start the program; when it splits, wait until the child is there."""
        if self._popen is not None:
            raise RuntimeError(f"{self.name} was already started")
        with open(self.log_file, "ab") as log:
            self._popen = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.confdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not self.split:
            return
        deadline = time.monotonic() + timeout
        while self._child is None:
            kids = _children(self._popen.pid)
            if kids:
                self._child = _Pid.of(kids[0])
                continue
            if self._popen.poll() is not None:
                raise UpsmonError(
                    f"{self.name} exited with {self._popen.returncode} before forking\n"
                    + self.log()
                )
            if time.monotonic() > deadline:
                raise UpsmonError(f"{self.name} did not fork its monitor\n" + self.log())
            time.sleep(0.01)  # a bounded poll interval

    def alive(self) -> bool:
        """Whether either half still runs."""
        parent = self._popen is not None and self._popen.poll() is None
        return parent or (self._child is not None and self._child.alive())

    def wait_gone(self, timeout: float = 10.0) -> None:
        """Wait until both halves have exited on their own."""
        try:
            wait_until(lambda: not self.alive(), timeout, f"{self.name} to exit")
        except TimeoutError as exc:
            raise UpsmonError(f"{self.name} still runs\n{self.log()}") from exc

    def stop(self) -> None:
        """SIGTERM the monitor, then the parent (by the pids we started); SIGKILL if need be."""
        popen, child = self._popen, self._child
        if popen is None:
            return
        if child is not None:
            child.kill(signal.SIGTERM)
            _settle(lambda: not child.alive(), STOP_TIMEOUT)
            # The parent leaves by itself once its pipe to the child closes.
            _settle(lambda: popen.poll() is not None, 1.0)
        if popen.poll() is None:
            popen.terminate()
            _settle(lambda: popen.poll() is not None, STOP_TIMEOUT)
        if child is not None and child.alive():
            child.kill(signal.SIGKILL)
        if popen.poll() is None:
            popen.kill()
        popen.wait(STOP_TIMEOUT)

    def __enter__(self) -> UpsmonProcess:
        if self._popen is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- talking to it ------------------------------------------------------

    def _signal(self, sig: int) -> None:
        if self._child is not None and self._child.alive():
            self._child.kill(sig)
        elif self._child is None and self._popen is not None and self._popen.poll() is None:
            self._popen.send_signal(sig)
        else:
            raise UpsmonError(f"{self.name} is not running\n{self.log()}")

    def fsd(self) -> None:
        """What ``upsmon -c fsd`` does: SIGUSR1 to the monitoring process."""
        self._signal(signal.SIGUSR1)

    def reload(self) -> None:
        """What ``upsmon -c reload`` does: SIGHUP to the monitoring process."""
        self._signal(signal.SIGHUP)

    def check_powerdownflag(self) -> tuple[int, str, str]:
        """``upsmon -K`` as the same user with the same config: ``(rc, out, err)``."""
        cmd = [*run_as_user(self.run_as), *self.impl_cmd, "-K"]
        return run(cmd, env=self.env, cwd=self.confdir, timeout=STOP_TIMEOUT * 2)

    # -- what it did --------------------------------------------------------

    def log(self) -> str:
        """Everything the program printed (stdout and stderr)."""
        try:
            return f"--- {self.name} ---\n" + self.log_file.read_text(errors="replace")
        except OSError:
            return f"--- {self.name}: no log ---"

    def events(self) -> list[Event]:
        try:
            text = self.events_file.read_text(errors="replace")
        except FileNotFoundError:
            return []
        found = []
        # The last piece is empty, or a line NOTIFYCMD is still writing.
        for line in text.split("\n")[:-1]:
            parts = line.split(" ", 3)
            if len(parts) < 3:
                continue
            when, ntype, ups = parts[:3]
            found.append(
                Event(
                    time=float(when),
                    type=ntype,
                    ups=None if ups == "-" else ups,
                    message=parts[3] if len(parts) > 3 else "",
                )
            )
        return found

    def shutdowns(self) -> list[float]:
        """When SHUTDOWNCMD ran (epoch seconds), in order."""
        try:
            text = self.shutdown_file.read_text()
        except FileNotFoundError:
            return []
        return [float(line.split()[0]) for line in text.splitlines() if line.strip()]

    def walls(self) -> str:
        """What went to ``wall`` (each preceded by an epoch line)."""
        try:
            return self.wall_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_event(
        self,
        type: str,
        ups: str | None = None,
        timeout: float = 10.0,
        *,
        since: float | None = None,
    ) -> Event:
        """The first ``type`` event (for ``ups``, after ``since``); wait for it if need be."""

        def find() -> Event | None:
            for event in self.events():
                if event.type != type or (ups is not None and event.ups != ups):
                    continue
                if since is not None and event.time < since:
                    continue
                return event
            return None

        found: list[Event] = []

        def ready() -> bool:
            event = find()
            if event is not None:
                found.append(event)
            return event is not None

        try:
            wait_until(ready, timeout, f"{type} at {self.name}")
        except TimeoutError as exc:
            raise UpsmonError(
                f"no {type} event at {self.name} within {timeout} s; "
                f"events: {[(e.type, e.ups) for e in self.events()]}\n{self.log()}"
            ) from exc
        return found[0]

    def wait_shutdown(self, timeout: float = 10.0) -> float:
        """When SHUTDOWNCMD first ran; wait for it if need be."""
        try:
            wait_until(lambda: bool(self.shutdowns()), timeout, f"{self.name}'s SHUTDOWNCMD")
        except TimeoutError as exc:
            raise UpsmonError(
                f"{self.name} did not run SHUTDOWNCMD within {timeout} s\n{self.log()}"
            ) from exc
        return self.shutdowns()[0]

    def wait_log(self, text: str, timeout: float = 10.0) -> None:
        """Wait until ``text`` shows in the program's output (NUT's words)."""
        try:
            wait_until(lambda: text in self.log(), timeout, f"{text!r} from {self.name}")
        except TimeoutError as exc:
            raise UpsmonError(f"no {text!r} from {self.name}\n{self.log()}") from exc


def build_unprivileged_python(dest: Path, *, base: str = "/usr/bin/python3") -> Path:
    """A venv from ``base`` under ``dest`` that imports a copy of powerdown; its python.

    The default interpreter lives under /root, which ``nobody`` cannot read,
    so an upsmon of ours run as ``nobody`` needs its own: the system python
    with a world-readable copy of the package on ``sys.path`` (a ``.pth``
    file) and no pip.  uvloop is not there; ``run_loop`` falls back to asyncio.
    """
    import powerdown

    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o755)
    venv = dest / "venv"
    rc, out, err = run([base, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    if rc != 0:
        raise RuntimeError(f"{base} -m venv failed ({rc}): {out}{err}")
    python = venv / "bin" / "python"
    src = dest / "src"
    shutil.copytree(
        Path(powerdown.__file__).parent,
        src / "powerdown",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    rc, out, err = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    )
    if rc != 0:
        raise RuntimeError(f"{python} cannot say where its site-packages are: {err}")
    site = Path(out.strip())
    (site / "powerdown-src.pth").write_text(f"{src}\n")
    # Byte-compile with that interpreter now: nobody could not write __pycache__ later.
    rc, out, err = run([str(python), "-m", "compileall", "-q", str(src)], timeout=120)
    if rc != 0:
        raise RuntimeError(f"compileall failed ({rc}): {out}{err}")
    for path in [dest, *dest.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(mode | (0o755 if path.is_dir() or mode & 0o100 else 0o644))
    return python
