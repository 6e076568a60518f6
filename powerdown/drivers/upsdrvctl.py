"""upsdrvctl's decisions, without its processes (NUT ``docs/man/upsdrvctl.txt``).

Strategy
--------
upsdrvctl reads ``ups.conf`` and runs one driver program per UPS.  Every
choice it makes is here, as values: which UPSes a command touches and in
which order, the exact ``argv`` of each driver, what a driver's exit means
(success, retry after ``retrydelay``, give up), which pid files ``stop``
looks for, how ``status`` prints a row, and, when it supervises drivers
(``-F start``), how long to wait before restarting one.  The shell in
``powerdown.cli.upsdrvctl`` spawns, waits, signals and sleeps; it reads the
clock and hands the time in.

Facts from NUT 2.8.0 (``drivers/upsdrvctl.c``), with 2.8.1+ additions
marked "later NUT":

* a driver is ``<driverpath>/<driver>``; start runs it as
  ``<program> [-DD..] -a <ups> [-r <chroot>] [-u <user>]``, the debug flag
  only with ``-d`` (one ``D`` per ``-D``); later NUT puts ``-B``/``-F``/
  ``-FF`` before ``-a``.  ``user``/``chroot`` in ``ups.conf`` are read by the
  driver itself, so only the command line's ``-u``/``-r`` are passed on;
* a NUT driver forks to the background once its socket is up and the
  process upsdrvctl started exits 0.  upsdrvctl waits for that exit, for at
  most ``maxstartdelay`` seconds (the UPS's own value, else the global one;
  zero or less means no timer), and counts a timeout, a non-zero status or
  a death by signal as a failed attempt.  It makes ``maxretry`` attempts
  with ``retrydelay`` seconds between them.  ``nowait`` skips the wait;
* ``shutdown`` runs ``<program> -a <ups> -k [-r ..] [-u ..]`` for every UPS
  in ``sdorder`` order (ties in file order); ``sdorder = -1`` leaves a UPS
  out, unless it is named on the command line;
* ``stop`` looks for ``<altpidpath>/<driver>-<ups>.pid``, then for
  ``<driver>-<basename of port>.pid``, and sends SIGTERM to the pid inside;
  later NUT also waits for the driver to go and then uses SIGKILL;
* testing mode (``-t``) raises the debug level to 2, prints the ``exec:``
  lines and runs nothing (it still checks that programs and pid files
  exist, as NUT does);
* any failure makes the exit status 1.

Where we differ, on purpose:

* a timed-out driver is killed before the next attempt (NUT 2.8.0 leaves it
  running and starts a second copy);
* ``maxretry = 0`` still makes one attempt (NUT then starts nothing and
  exits 0, which leaves a machine without its UPS driver);
* ``-F start`` supervises: the drivers run in the foreground as our
  children and one that exits is started again (later NUT gives up and
  exits instead).  :class:`RestartPolicy` says when.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeAlias

from powerdown.config.upsconf import UpsConf, UpsSection
from powerdown.paths import driver_pidfile, driver_socket

__all__ = [
    "NUT_VERSION",
    "BANNER",
    "TESTING_NOTICE",
    "DEBUG_ADVICE",
    "SIGNAL_COMMANDS",
    "STOP_WAIT",
    "KILL_WAIT",
    "Command",
    "PlanError",
    "Options",
    "Log",
    "Target",
    "Exited",
    "Signalled",
    "TimedOut",
    "SpawnFailed",
    "NotWaited",
    "Outcome",
    "Verdict",
    "RestartPolicy",
    "Restart",
    "command_named",
    "select_targets",
    "start_argv",
    "shutdown_argv",
    "signal_argv",
    "announce",
    "argv_for",
    "exec_logs",
    "cmdline",
    "attempt_logs",
    "judge_attempt",
    "judge_request",
    "pidfile_candidates",
    "parse_pid",
    "describe_exit",
    "status_header",
    "status_row",
    "StatusReply",
    "read_status_reply",
    "socket_path",
    "render_log",
    "quiet_banner",
]

#: The NUT release whose behaviour and messages we reproduce.
NUT_VERSION = "2.8.0"
BANNER = f"Network UPS Tools - UPS driver controller {NUT_VERSION}"
TESTING_NOTICE = "*** Testing mode: not calling exec/kill"

#: What NUT prints at debug level 2 (so always with ``-t``) unless ``-d``.
DEBUG_ADVICE = (
    "\n"
    "If you're not a NUT core developer, chances are that you're told to enable debugging\n"
    "to see why a driver isn't working for you. We're sorry for the confusion, but this is\n"
    "the 'upsdrvctl' wrapper, not the driver you're interested in.\n\n"
    "Below you'll find one or more lines starting with 'exec:' followed by an absolute\n"
    "path to the driver binary and some command line option. This is what the driver\n"
    "starts and you need to copy and paste that line and append the debug flags to that\n"
    "line (less the 'exec:' prefix).\n\n"
    "Alternately, provide an additional '-d' (lower-case) parameter to 'upsdrvctl' to\n"
    "pass its current debug level to the launched driver.\n"
)

#: ``-c`` commands (later NUT) -> the word passed to the driver's own ``-c``.
SIGNAL_COMMANDS: Mapping[str, str] = MappingProxyType(
    {
        "reload": "reload",
        "reload-or-error": "reload-or-error",
        "reload-or-exit": "reload-or-exit",
        "exit": "exit",
        "dump": "dump",
        "data-dump": "dump",
    }
)

#: Seconds ``stop`` waits after SIGTERM before SIGKILL (later NUT: 5 x 1 s),
#: and after SIGKILL before it reports a failure.
STOP_WAIT = 5.0
KILL_WAIT = 5.0


class Command(enum.StrEnum):
    """What upsdrvctl was asked to do (``-c`` is ``SIGNAL``)."""

    START = "start"
    STOP = "stop"
    SHUTDOWN = "shutdown"
    LIST = "list"
    STATUS = "status"
    SIGNAL = "signal"


class PlanError(Exception):
    """NUT's ``fatalx``: ``message`` on stderr, exit with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def command_named(word: str) -> Command:
    """The command of an operand (``start``, ``stop`` ...).

    Raises:
        PlanError: not one of the five words (NUT's message).
    """
    try:
        command = Command(word)
    except ValueError:
        command = None
    if command is None or command is Command.SIGNAL:
        raise PlanError(f"Error: unrecognized command [{word}]")
    return command


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """The command line, decoded.

    ``foreground`` is the driver's running mode that later NUT passes on:
    ``None`` (not given), ``0`` (``-B``), ``1`` (``-F``), ``2`` (``-FF``).
    ``signal`` is the driver word of ``-c``.
    """

    command: Command
    upsname: str | None = None
    testing: bool = False
    debug: int = 0
    pass_debug: bool = False
    user: str | None = None
    chroot: str | None = None
    foreground: int | None = None
    signal: str | None = None

    @property
    def debug_level(self) -> int:
        """The effective level: testing mode raises it to at least 2."""
        return max(self.debug, 2) if self.testing else self.debug

    @property
    def supervise(self) -> bool:
        """``-F start``: stay in the foreground as the parent of every driver."""
        return self.command is Command.START and bool(self.foreground)


@dataclass(frozen=True, slots=True)
class Log:
    """A message: ``level`` 0 is always shown (``upslogx``), N needs ``-D`` N times."""

    level: int
    message: str


def render_log(log: Log, debug_level: int, elapsed: float) -> str | None:
    """The stderr line NUT would print for ``log``, or ``None`` if hidden.

    With any debug level, NUT puts the seconds since its first message in
    front (``"   0.000072\\t"``), and debug messages say their level.
    """
    if log.level > debug_level:
        return None
    text = log.message if log.level == 0 else f"[D{log.level}] {log.message}"
    if debug_level <= 0:
        return text
    micros = max(0, round(elapsed * 1_000_000))
    return f"{micros // 1_000_000:4d}.{micros % 1_000_000:06d}\t{text}"


def quiet_banner(env: Mapping[str, str]) -> bool:
    """Later NUT: ``NUT_QUIET_INIT_BANNER`` empty or ``true`` hides the banner."""
    value = env.get("NUT_QUIET_INIT_BANNER")
    return value is not None and value in ("", "true")


# -- which drivers ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One UPS as upsdrvctl handles it, with its settings resolved."""

    upsname: str
    driver: str
    port: str
    program: str
    sdorder: int = 0
    #: Seconds to wait for the driver to start; ``None``: no timer.
    maxstartdelay: float | None = 45.0
    maxretry: int = 1
    retrydelay: float = 5.0
    nowait: bool = False


def _section_int(section: UpsSection, key: str, default: int) -> int:
    value = section.get(key)
    return default if value is None else int(value)


def _target(conf: UpsConf, section: UpsSection, driverpath: str) -> Target:
    delay = section.maxstartdelay
    if delay is None:
        delay = conf.maxstartdelay
    return Target(
        upsname=section.name,
        driver=section.driver,
        port=section.port,
        # NUT joins the two with a slash, whatever either holds.
        program=f"{driverpath}/{section.driver}",
        sdorder=section.sdorder,
        maxstartdelay=float(delay) if delay > 0 else None,
        # Per-UPS maxretry/retrydelay are later NUT's.
        maxretry=max(1, _section_int(section, "maxretry", conf.maxretry)),
        retrydelay=float(max(0, _section_int(section, "retrydelay", conf.retrydelay))),
        nowait=conf.nowait,
    )


def select_targets(conf: UpsConf, options: Options, driverpath: str) -> list[Target]:
    """The UPSes ``options`` acts on, in the order it acts on them.

    Args:
        conf: the parsed ``ups.conf``.
        options: the command line; ``upsname`` picks one UPS.
        driverpath: where driver programs live when ``ups.conf`` has no
            ``driverpath`` (the shell passes its own directory).

    Returns:
        File order, except for ``shutdown`` of every UPS: ascending
        ``sdorder``, ties in file order, negative ``sdorder`` left out.

    Raises:
        PlanError: no UPS in ``ups.conf``, or ``upsname`` is not one of them.
    """
    path = conf.driverpath or driverpath
    sections = list(conf.upses.values())
    if options.upsname is not None:
        if not sections:
            raise PlanError("Error: no UPS definitions found in ups.conf!\n")
        # NUT compares names as they are (strcmp), unlike upsd.
        for section in sections:
            if section.name == options.upsname:
                return [_target(conf, section, path)]
        raise PlanError(f"UPS {options.upsname} not found in ups.conf")
    if not sections:
        raise PlanError("Error: no UPS definitions found in ups.conf")
    targets = [_target(conf, section, path) for section in sections]
    if options.command is Command.SHUTDOWN:
        targets = sorted((t for t in targets if t.sdorder >= 0), key=lambda t: t.sdorder)
    return targets


# -- argv -------------------------------------------------------------------


def _debug_flag(options: Options) -> list[str]:
    level = options.debug_level
    return ["-" + "D" * level] if options.pass_debug and level > 0 else []


def _user_root(options: Options) -> list[str]:
    out: list[str] = []
    if options.chroot is not None:
        out += ["-r", options.chroot]
    if options.user is not None:
        out += ["-u", options.user]
    return out


_MODE_FLAGS = {0: "-B", 1: "-F", 2: "-FF"}


def start_argv(target: Target, options: Options) -> tuple[str, ...]:
    """``<program> [-D..] [-B|-F|-FF] -a <ups> [-r dir] [-u user]``."""
    mode = [] if options.foreground is None else [_MODE_FLAGS[min(options.foreground, 2)]]
    return (
        target.program,
        *_debug_flag(options),
        *mode,
        "-a",
        target.upsname,
        *_user_root(options),
    )


def shutdown_argv(target: Target, options: Options) -> tuple[str, ...]:
    """``<program> -a <ups> -k [-r dir] [-u user]`` (no debug flag, as NUT)."""
    return (target.program, "-a", target.upsname, "-k", *_user_root(options))


def signal_argv(target: Target, options: Options) -> tuple[str, ...]:
    """``<program> [-D..] -c <command> -a <ups>``: the driver signals its running self."""
    assert options.signal is not None
    return (target.program, *_debug_flag(options), "-c", options.signal, "-a", target.upsname)


def announce(command: Command, target: Target, options: Options) -> Log:
    """The debug line before a command acts on one UPS."""
    if command is Command.START:
        return Log(1, f"Starting UPS: {target.upsname}")
    if command is Command.STOP:
        return Log(1, f"Stopping UPS: {target.upsname}")
    if command is Command.SHUTDOWN:
        return Log(1, f"Shutdown UPS: {target.upsname}")
    return Log(1, f"Signalling UPS [{target.upsname}]: {options.signal}")


def argv_for(command: Command, target: Target, options: Options) -> tuple[str, ...]:
    """The program and arguments ``start``, ``shutdown`` or ``-c`` runs for ``target``."""
    if command is Command.START:
        return start_argv(target, options)
    if command is Command.SHUTDOWN:
        return shutdown_argv(target, options)
    if command is Command.SIGNAL:
        return signal_argv(target, options)
    raise ValueError(f"{command} runs no driver program")


def exec_logs(command: Command, target: Target, options: Options, attempt: int = 1) -> list[Log]:
    """The debug lines before a driver program runs (what ``-t`` shows instead of running it)."""
    argv = argv_for(command, target, options)
    if command is Command.START:
        return list(attempt_logs(target, attempt, argv))
    return [Log(2, cmdline(argv))]


def cmdline(argv: Iterable[str]) -> str:
    """NUT's ``exec:`` debug line (two spaces after the colon, words unquoted)."""
    return "exec: " + "".join(f" {word}" for word in argv)


# -- starting: attempts and what their ends mean ------------------------------


@dataclass(frozen=True, slots=True)
class Exited:
    """The process upsdrvctl started exited with ``status``."""

    status: int


@dataclass(frozen=True, slots=True)
class Signalled:
    """The process upsdrvctl started was killed by ``signal``."""

    signal: int


@dataclass(frozen=True, slots=True)
class TimedOut:
    """``maxstartdelay`` passed before the process exited (the shell killed it)."""


@dataclass(frozen=True, slots=True)
class SpawnFailed:
    """The program could not be executed; ``reason`` is the ``strerror`` text."""

    reason: str


@dataclass(frozen=True, slots=True)
class NotWaited:
    """``nowait``: started and not waited for."""


Outcome: TypeAlias = Exited | Signalled | TimedOut | SpawnFailed | NotWaited


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What one attempt's outcome means.

    ``retry_in`` is the delay before the next attempt, or ``None`` when
    there is none (success, or the last attempt failed: then ``ok`` is false
    and the exit status will be 1).
    """

    ok: bool
    retry_in: float | None
    logs: tuple[Log, ...] = ()


def attempt_logs(target: Target, attempt: int, argv: Iterable[str]) -> tuple[Log, ...]:
    """The debug lines before attempt number ``attempt`` (1-based)."""
    remaining = target.maxretry - attempt + 1
    return (Log(2, f"{remaining} remaining attempts"), Log(2, cmdline(argv)))


def judge_attempt(target: Target, attempt: int, outcome: Outcome, *, retry: bool = True) -> Verdict:
    """Success, retry or give up, with NUT's messages.

    ``retry=False`` for ``shutdown``, which NUT runs once whatever happens.
    """
    if isinstance(outcome, NotWaited):
        return Verdict(ok=True, retry_in=None, logs=(Log(2, "'nowait' set, continuing..."),))
    if isinstance(outcome, Exited) and outcome.status == 0:
        return Verdict(ok=True, retry_in=None)
    logs: list[Log] = []
    if isinstance(outcome, TimedOut):
        logs.append(Log(0, "Startup timer elapsed, continuing..."))
    elif isinstance(outcome, Signalled):
        logs.append(Log(0, "Driver exited abnormally"))
    elif isinstance(outcome, SpawnFailed):
        # NUT's forked child reports its failed execv() and exits 1.
        logs.append(Log(0, f"execv: {outcome.reason}"))
        logs.append(Log(0, "Driver failed to start (exit status=1)"))
    else:
        logs.append(Log(0, f"Driver failed to start (exit status={outcome.status})"))
    if retry and attempt < target.maxretry:
        return Verdict(ok=False, retry_in=target.retrydelay, logs=tuple(logs))
    return Verdict(ok=False, retry_in=None, logs=tuple(logs))


def judge_request(target: Target, command: str, outcome: Outcome) -> Verdict:
    """What the driver's ``-c <command>`` run (``upsdrvctl -c``) means."""
    if isinstance(outcome, NotWaited) or outcome == Exited(0):
        return Verdict(ok=True, retry_in=None)
    if isinstance(outcome, TimedOut):
        how = "did not finish in time"
    else:
        how = describe_exit(outcome)
    message = f"Request to {command} driver {target.driver} for [{target.upsname}] failed: {how}"
    return Verdict(ok=False, retry_in=None, logs=(Log(0, message),))


def describe_exit(outcome: Exited | Signalled | SpawnFailed) -> str:
    """How a supervised driver ended, for the log."""
    if isinstance(outcome, Exited):
        return f"exited with status {outcome.status}"
    if isinstance(outcome, Signalled):
        return f"was killed by signal {outcome.signal}"
    return f"could not be executed: {outcome.reason}"


# -- supervision ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Restart:
    """Start the driver again after ``delay`` seconds; ``failures`` is the new streak."""

    delay: float
    failures: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RestartPolicy:
    """When ``-F start`` restarts a driver that exited.

    The first restart after a good run waits ``retrydelay``.  A driver that
    keeps dying young (within ``healthy_after`` seconds of its start) waits
    twice as long each time, from at least ``floor`` seconds, up to ``cap``;
    a run of ``healthy_after`` seconds or more clears the streak.  So a
    dropped USB link costs ``retrydelay`` once, while a driver that cannot
    work at all does not spin.
    """

    retrydelay: float = 5.0
    floor: float = 1.0
    cap: float = 60.0
    healthy_after: float = 60.0

    def after_exit(self, *, started_at: float, exited_at: float, failures: int) -> Restart:
        """The restart for a driver that ran from ``started_at`` to ``exited_at``.

        ``failures`` is the streak of young deaths before this one (0 at
        first); pass back the returned ``failures`` next time.
        """
        if exited_at - started_at >= self.healthy_after:
            failures = 0
        if failures == 0:
            delay = self.retrydelay
        else:
            base = max(self.retrydelay, self.floor)
            delay = min(max(self.cap, self.retrydelay), base * 2.0**failures)
        return Restart(delay=delay, failures=failures + 1)


# -- stop and status ------------------------------------------------------------


def pidfile_candidates(target: Target, pid_dir: str) -> tuple[str, str]:
    """The pid files ``stop`` tries, in order: by UPS name, then by port."""
    # NUT's xbasename(): what follows the last slash, even when that is empty.
    base = target.port.rsplit("/", 1)[-1]
    return (
        driver_pidfile(pid_dir, target.driver, target.upsname),
        driver_pidfile(pid_dir, target.driver, base),
    )


def parse_pid(text: str) -> int:
    """The pid in a pid file's first line, read as C ``strtol`` does (garbage is 0)."""
    line = text.split("\n", 1)[0].lstrip(" \t\v\f\r")
    sign = 1
    if line[:1] in ("+", "-"):
        sign = -1 if line[0] == "-" else 1
        line = line[1:]
    digits = ""
    for ch in line:
        if not ("0" <= ch <= "9"):
            break
        digits += ch
    return sign * int(digits) if digits else 0


def status_header() -> str:
    """The first line of ``status`` (later NUT's columns, TAB-separated)."""
    return "\t".join(
        ["UPSNAME    ", "     UPSDRV", "RUNNING", "PF_PID", "S_RESPONSIVE", "S_PID", "S_STATUS"]
    )


def status_row(
    target: Target,
    *,
    pidfile_pid: int,
    pidfile_alive: bool | None,
    responsive: bool,
    socket_pid: int | None,
    socket_alive: bool | None,
    ups_status: str | None,
) -> str:
    """One ``status`` line.

    Args:
        pidfile_pid: the pid in the pid file, or NUT's negative codes
            (-3 no file, -2 empty file).
        pidfile_alive: whether that pid runs (``None``: not checked).
        responsive: the driver answered ``PING`` with ``PONG``.
        socket_pid: the driver's answer to ``GETPID`` (later NUT), if any.
        socket_alive: whether that pid runs (``None``: not checked).
        ups_status: ``ups.status`` as the driver quotes it (``"OL"``).
    """
    pids = [p for p in (pidfile_pid, socket_pid) if p is not None and p > 0]
    if pidfile_alive or socket_alive:
        running = "RUNNING"
    elif pids:
        running = "STOPPED"
    else:
        running = "N/A"
    return "\t".join(
        [
            f"{target.upsname:<11}",
            f"{target.driver:>11}",
            running,
            str(pidfile_pid),
            "RESPONSIVE" if responsive else "NOT_RESPONSIVE",
            "N/A" if socket_pid is None else str(socket_pid),
            ups_status or "",
        ]
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReply:
    """What a driver said to ``GETPID`` + ``DUMPALL`` (``done``: DUMPDONE seen)."""

    pid: int | None = None
    ups_status: str | None = None
    done: bool = False


def read_status_reply(lines: Iterable[str]) -> StatusReply:
    """The driver's pid (``PID <n>``, later NUT) and ``ups.status`` as it was quoted.

    The last ``ups.status`` before ``DUMPDONE`` wins: a driver may also
    broadcast updates while it dumps.  Drivers without ``GETPID`` (NUT
    2.8.0) ignore it and give no pid.
    """
    pid: int | None = None
    status: str | None = None
    for line in lines:
        if line.startswith("PID ") and line[4:].isdigit():
            pid = int(line[4:])
        elif line.startswith("SETINFO ups.status "):
            status = line[len("SETINFO ups.status ") :]
        elif line == "DUMPDONE":
            return StatusReply(pid=pid, ups_status=status, done=True)
    return StatusReply(pid=pid, ups_status=status, done=False)


def socket_path(target: Target, state_dir: str) -> str:
    """The Unix socket the driver serves: ``<statepath>/<driver>-<ups>``."""
    return driver_socket(state_dir, target.driver, target.upsname)
