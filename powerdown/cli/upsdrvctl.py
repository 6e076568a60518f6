"""``upsdrvctl``: start, stop, shut down and supervise UPS drivers (NUT's command line).

Thin by design: every decision (targets, argv, retries, messages, restart
delays) comes from :mod:`powerdown.drivers.upsdrvctl`; this module spawns
processes, waits for them with a deadline, sends signals and sleeps.

Driver programs
---------------
A driver is ``<driverpath>/<driver>``.  ``driverpath`` in ``ups.conf`` wins
(``driverpath = /lib/nut`` runs NUT's own drivers).  Without it we look in
the directory of this ``upsdrvctl`` program (links resolved), which is
where pip installs our console scripts (``dummy-ups`` ...) next to it; when
run as ``python -m powerdown.cli.upsdrvctl`` that is the interpreter's
scripts directory.  NUT itself uses a directory fixed at build time.

Processes
---------
``start`` waits for each driver's first process to exit (a NUT driver forks
to the background once its socket is up), at most ``maxstartdelay`` seconds;
one that overruns is sent SIGTERM, then SIGKILL.  ``-F start`` instead keeps
every driver as a foreground child and restarts one that exits, until
SIGTERM or SIGINT, which it passes on to the drivers by pid (SIGKILL after
:data:`~powerdown.drivers.upsdrvctl.STOP_WAIT` seconds) before exiting 0.
``stop`` signals pids read from pid files, so it polls for them to be gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import sysconfig
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from powerdown import paths
from powerdown.config import upsconf
from powerdown.config.errors import ConfigError
from powerdown.drivers.sockclient import DriverSocketClient
from powerdown.drivers.upsdrvctl import (
    BANNER,
    DEBUG_ADVICE,
    KILL_WAIT,
    SIGNAL_COMMANDS,
    STOP_WAIT,
    TESTING_NOTICE,
    Command,
    Exited,
    Log,
    NotWaited,
    Options,
    Outcome,
    PlanError,
    RestartPolicy,
    Signalled,
    SpawnFailed,
    Target,
    TimedOut,
    announce,
    argv_for,
    cmdline,
    command_named,
    describe_exit,
    exec_logs,
    judge_attempt,
    judge_request,
    parse_pid,
    pidfile_candidates,
    quiet_banner,
    read_status_reply,
    render_log,
    select_targets,
    socket_path,
    start_argv,
    status_header,
    status_row,
)
from powerdown.util import daemon
from powerdown.util.getopt import Getopt

__all__ = ["UpsdrvctlArgs", "parse_args", "main", "own_driverpath", "usage"]

PROG = "upsdrvctl"
OPTSTRING = "+htu:r:DdFBVc:l"

#: Seconds ``status`` waits for a driver's answers on its socket.
STATUS_TIMEOUT = 3.0
#: Seconds between two looks at a pid that ``stop`` is waiting for.
_POLL = 0.05


def usage(prog: str) -> str:
    return (
        "Starts and stops UPS drivers via ups.conf.\n\n"
        f"usage: {prog} [OPTIONS] (start | stop | shutdown | status) [<ups>]\n"
        f"usage: {prog} [OPTIONS] (list | -l) [<ups>]\n"
        f"usage: {prog} [OPTIONS] -c <command> [<ups>]\n\n"
        "  -h\t\t\tdisplay this help\n"
        "  -r <path>\t\tdrivers will chroot to <path>\n"
        "  -t\t\t\ttesting mode - prints actions without doing them\n"
        "  -u <user>\t\tdrivers started will switch from root to <user>\n"
        "  -D            \traise debugging level\n"
        "  -d            \tpass debugging level from upsdrvctl to driver\n"
        "  -F\t\t\tstart: drivers stay in the foreground as children of\n"
        "    \t\t\tupsdrvctl, which restarts any driver that exits\n"
        "    \t\t\tuntil it gets SIGTERM or SIGINT\n"
        "  -FF\t\t\tas -F, and the drivers still save their PID files\n"
        "  -B\t\t\tdrivers go to the background even with debugging\n"
        "  -l\t\t\tsame as list\n"
        "  -c <command>\t\thave each driver pass <command> to its running\n"
        "    \t\t\tinstance: reload, reload-or-error, reload-or-exit,\n"
        "    \t\t\texit, dump\n"
        "  start\t\t\tstart all UPS drivers in ups.conf\n"
        "  start\t<ups>\t\tonly start driver for UPS <ups>\n"
        "  stop\t\t\tstop all UPS drivers in ups.conf\n"
        "  stop <ups>\t\tonly stop driver for UPS <ups>\n"
        "  shutdown\t\tshutdown all UPS drivers in ups.conf\n"
        "  shutdown <ups>\tonly shutdown UPS <ups>\n"
        "  list\t\t\tlist the UPS names in ups.conf\n"
        "  status\t\tshow pid, responsiveness and ups.status of each driver\n"
        "  status <ups>\t\tonly for UPS <ups>\n"
    )


# -- command line -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsdrvctlArgs:
    """The command line: what to do, or the help/version/error to show.

    ``action`` is ``"run"`` (``options`` set), ``"help"``, ``"version"`` or
    ``"error"`` (``error`` is NUT's fatal message).  ``messages`` are getopt's
    complaints, printed first.  ``testing`` and ``debug`` are known even when
    the command is wrong, as NUT prints its testing notice before it looks.
    """

    prog: str
    action: str
    options: Options | None = None
    error: str | None = None
    testing: bool = False
    debug: int = 0
    messages: tuple[str, ...] = ()


def parse_args(argv: Sequence[str]) -> UpsdrvctlArgs:
    """Read ``argv`` (``argv[0]`` included) as upsdrvctl's getopt loop does."""
    argv0 = argv[0] if argv else PROG
    prog = PROG if not argv0 or argv0.endswith(".py") else argv0
    testing = pass_debug = False
    debug = 0
    user = chroot = signal_word = None
    foreground: int | None = None
    command: Command | None = None
    messages: list[str] = []

    def done(
        action: str, *, options: Options | None = None, error: str | None = None
    ) -> UpsdrvctlArgs:
        return UpsdrvctlArgs(
            prog=prog,
            action=action,
            options=options,
            error=error,
            testing=testing,
            debug=debug,
            messages=tuple(messages),
        )

    opts = Getopt(argv, OPTSTRING)
    for opt, arg in opts:
        if opt == "r":
            chroot = arg
        elif opt == "t":
            testing = True
        elif opt == "u":
            user = arg
        elif opt == "V":
            return done("version")
        elif opt == "D":
            debug += 1
        elif opt == "d":
            pass_debug = True
        elif opt == "F":
            foreground = 2 if foreground else 1
        elif opt == "B":
            foreground = 0
        elif opt == "c":
            if command is not None or signal_word is not None:
                return done(
                    "error",
                    error="Error: only one command per run can be sent with option -c. "
                    "Try -h for help.",
                )
            assert arg is not None
            if arg not in SIGNAL_COMMANDS:
                return done("error", error="Error: unknown argument to option -c. Try -h for help.")
            signal_word = SIGNAL_COMMANDS[arg]
            command = Command.SIGNAL
        elif opt == "l":
            command = Command.LIST
        else:  # "h", or a getopt error ("?"): NUT shows its help and exits 0
            if opt == "?" and arg:
                messages.append(arg)
            return done("help")

    operands = opts.operands
    if command is None:
        if not operands:
            return done("help")
        try:
            command = command_named(operands[0])
        except PlanError as exc:
            return done("error", error=exc.message)
        operands = operands[1:]
    if len(operands) > 1:
        return done(
            "error",
            error="Error: extra arguments left on command line\n"
            "(common options should be before a command and UPS name)",
        )
    options = Options(
        command=command,
        upsname=operands[0] if operands else None,
        testing=testing,
        debug=debug,
        pass_debug=pass_debug,
        user=user,
        chroot=chroot,
        foreground=foreground,
        signal=signal_word,
    )
    return done("run", options=options)


def own_driverpath(argv0: str | None = None) -> str:
    """Where drivers live when ``ups.conf`` says nothing: next to this program.

    ``argv0`` is how we were run (default ``sys.argv[0]``): a console script's
    path, resolved through links; ``python -m`` (a ``.py`` file) or anything
    that is not a file gives the interpreter's scripts directory instead.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    if argv0 and not argv0.endswith(".py") and os.path.isfile(argv0):
        return os.path.dirname(os.path.realpath(argv0))
    return sysconfig.get_path("scripts")


# -- output ---------------------------------------------------------------------


class _Logger:
    """NUT's upslogx/upsdebugx on stderr: timestamps and ``[Dn]`` with ``-D``."""

    def __init__(self, level: int, stream: TextIO) -> None:
        self.level = level
        self.stream = stream
        self.start = time.monotonic()

    def __call__(self, level: int, message: str) -> None:
        self.emit(Log(level, message))

    def emit(self, log: Log) -> None:
        line = render_log(log, self.level, time.monotonic() - self.start)
        if line is not None:
            self.stream.write(line + "\n")
            self.stream.flush()

    def raw(self, message: str) -> None:
        """What C's perror() prints: no timestamp, whatever the level."""
        self.stream.write(message + "\n")
        self.stream.flush()


# -- processes --------------------------------------------------------------------


async def _wait_gone(pid: int, timeout: float) -> bool:
    """Poll until ``pid`` is gone (it is not our child, so we cannot wait for it)."""
    deadline = time.monotonic() + timeout
    while daemon.alive(pid):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(_POLL)
    return True


def _outcome(returncode: int) -> Exited | Signalled:
    return Exited(returncode) if returncode >= 0 else Signalled(-returncode)


async def _end(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM our child, SIGKILL it after ``KILL_WAIT`` seconds, and reap it."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), KILL_WAIT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def _keep_descriptors_to_ourselves() -> None:
    """Make every descriptor above 2 close on exec, inherited ones included.

    A driver that goes to the background must not hold our caller's pipes
    or files open; ``nowait`` spawns without ``close_fds``, so we do it once
    here for every way we start a program.
    """
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd > 2:
            with contextlib.suppress(OSError):
                os.set_inheritable(fd, False)


async def _run_once(argv: Sequence[str], timeout: float | None, nowait: bool) -> Outcome:
    """Run ``argv`` and wait for it to exit, at most ``timeout`` seconds."""
    if nowait:
        # Not waited for, so not tracked: it is reaped when we exit.
        try:
            os.posix_spawn(argv[0], list(argv), os.environ)
        except OSError as exc:
            return SpawnFailed(exc.strerror or str(exc))
        return NotWaited()
    try:
        proc = await asyncio.create_subprocess_exec(*argv)
    except OSError as exc:
        return SpawnFailed(exc.strerror or str(exc))
    try:
        returncode = await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        await _end(proc)
        return TimedOut()
    return _outcome(returncode)


def _check_program(target: Target) -> None:
    """NUT stat()s a driver before it starts it, and gives up on the first missing one."""
    try:
        os.stat(target.program)
    except OSError as exc:
        raise PlanError(f"Can't start {target.program}: {exc.strerror}") from None


async def _start(targets: Sequence[Target], options: Options, log: _Logger) -> int:
    errors = 0
    for target in targets:
        log.emit(announce(Command.START, target, options))
        _check_program(target)
        argv = start_argv(target, options)
        attempt = 1
        while True:
            for line in exec_logs(Command.START, target, options, attempt):
                log.emit(line)
            if options.testing:
                break
            outcome = await _run_once(argv, target.maxstartdelay, target.nowait)
            verdict = judge_attempt(target, attempt, outcome)
            for line in verdict.logs:
                log.emit(line)
            if verdict.ok:
                break
            if verdict.retry_in is None:
                errors += 1
                break
            await asyncio.sleep(verdict.retry_in)
            attempt += 1
    return 1 if errors else 0


async def _run_each(targets: Sequence[Target], options: Options, log: _Logger) -> int:
    """``shutdown`` and ``-c``: one run of the driver program per UPS, no retries."""
    errors = 0
    for target in targets:
        log.emit(announce(options.command, target, options))
        for line in exec_logs(options.command, target, options):
            log.emit(line)
        if options.testing:
            continue
        argv = argv_for(options.command, target, options)
        if options.command is Command.SHUTDOWN:
            outcome = await _run_once(argv, target.maxstartdelay, target.nowait)
            verdict = judge_attempt(target, 1, outcome, retry=False)
        else:
            assert options.signal is not None
            outcome = await _run_once(argv, target.maxstartdelay, nowait=False)
            verdict = judge_request(target, options.signal, outcome)
        for line in verdict.logs:
            log.emit(line)
        errors += not verdict.ok
    return 1 if errors else 0


async def _stop_pidfile(pidfn: str, log: _Logger) -> bool:
    """SIGTERM the pid in ``pidfn``, wait, then SIGKILL (as later NUT does)."""
    try:
        with open(pidfn) as f:
            text = f.readline()
    except OSError as exc:
        log(0, f"fopen {pidfn}: {exc.strerror}")
        log(0, f"Stopping {pidfn} failed: {exc.strerror}")
        return False
    if not text:
        log(0, f"Failed to read pid from {pidfn}")
        log(0, f"Stopping {pidfn} failed")
        return False
    pid = parse_pid(text)
    if pid < 2:
        log(0, f"Ignoring invalid pid number {pid}")
        log(0, f"Stopping {pidfn} failed")
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError as exc:
        log.raw(f"kill: {exc.strerror}")
        log(0, f"Stopping {pidfn} failed: {exc.strerror}")
        return False
    if await _wait_gone(pid, STOP_WAIT):
        return True
    log(0, f"Stopping {pidfn} failed, retrying harder")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if await _wait_gone(pid, KILL_WAIT):
        # A killed driver cannot remove its own pid file.
        with contextlib.suppress(OSError):
            os.unlink(pidfn)
        return True
    log(0, f"Stopping {pidfn} failed")
    return False


async def _stop(targets: Sequence[Target], options: Options, log: _Logger, pid_dir: str) -> int:
    errors = 0
    for target in targets:
        log.emit(announce(Command.STOP, target, options))
        found: str | None = None
        for index, pidfn in enumerate(pidfile_candidates(target, pid_dir)):
            try:
                os.stat(pidfn)
            except OSError as exc:
                either = " either" if index else ""
                log(0, f"Can't open {pidfn}{either}: {exc.strerror}")
                continue
            found = pidfn
            break
        if found is None:
            errors += 1
            continue
        log(2, f"Sending signal to {found}")
        if options.testing:
            continue
        if not await _stop_pidfile(found, log):
            errors += 1
    return 1 if errors else 0


# -- supervision (-F start) ------------------------------------------------------------


class _Supervisor:
    """Keep every driver running as our foreground child until told to stop."""

    def __init__(self, targets: Sequence[Target], options: Options, log: _Logger) -> None:
        self.targets = targets
        self.options = options
        self.log = log
        self.stopping = asyncio.Event()
        self.procs: dict[str, asyncio.subprocess.Process] = {}

    def _on_signal(self, signum: int) -> None:
        if not self.stopping.is_set():
            self.log(0, f"Signal {signum}: stopping {len(self.procs)} driver(s)")
            self.stopping.set()

    async def run(self) -> int:
        for target in self.targets:
            _check_program(target)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
        try:
            keepers = [asyncio.create_task(self._keep(t)) for t in self.targets]
            await self.stopping.wait()
            await self._stop_all(keepers)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        return 0

    async def _keep(self, target: Target) -> None:
        loop = asyncio.get_running_loop()
        policy = RestartPolicy(retrydelay=target.retrydelay)
        failures = 0
        argv = start_argv(target, self.options)
        while not self.stopping.is_set():
            self.log.emit(announce(Command.START, target, self.options))
            self.log(2, cmdline(argv))
            started = loop.time()
            outcome: Exited | Signalled | SpawnFailed
            pid = None
            try:
                proc = await asyncio.create_subprocess_exec(*argv)
            except OSError as exc:
                outcome = SpawnFailed(exc.strerror or str(exc))
            else:
                pid = proc.pid
                self.procs[target.upsname] = proc
                self.log(1, f"Driver {target.driver} for [{target.upsname}] started (PID {pid})")
                if self.stopping.is_set():  # the signal came while we spawned it
                    with contextlib.suppress(ProcessLookupError):
                        proc.terminate()
                outcome = _outcome(await proc.wait())
                del self.procs[target.upsname]
            if self.stopping.is_set():
                return
            restart = policy.after_exit(
                started_at=started, exited_at=loop.time(), failures=failures
            )
            failures = restart.failures
            who = f"Driver {target.driver} for [{target.upsname}]"
            if pid is not None:
                who += f" (PID {pid})"
            self.log(0, f"{who} {describe_exit(outcome)}; starting it again in {restart.delay:g} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), restart.delay)

    async def _stop_all(self, keepers: list[asyncio.Task[None]]) -> None:
        for proc in list(self.procs.values()):
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        _, pending = await asyncio.wait(keepers, timeout=STOP_WAIT)
        if pending:
            for proc in list(self.procs.values()):
                self.log(0, f"Driver (PID {proc.pid}) did not stop, killing it")
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            await asyncio.wait(pending)


# -- list and status ----------------------------------------------------------------


def _read_pidfile(path: str) -> int:
    """NUT's parsepidfile(): the pid, or -3 (cannot open) / -2 (nothing to read)."""
    try:
        with open(path) as f:
            text = f.readline()
    except OSError:
        return -3
    return parse_pid(text) if text else -2


def _query_socket(path: str) -> tuple[bool, int | None, str | None]:
    """PING, then GETPID and DUMPALL on a driver's socket: (responsive, pid, status)."""
    try:
        with DriverSocketClient(path, STATUS_TIMEOUT) as client:
            client.send("PING")
            lines, _ = client.read_until(lambda line: line == "PONG")
            if "PONG" not in lines:
                return False, None, None
            client.send("GETPID", "DUMPALL")
            reply = read_status_reply(client.read_until(lambda line: line == "DUMPDONE")[0])
            return True, reply.pid, reply.ups_status
    except OSError:
        return False, None, None


def _status(targets: Sequence[Target], pid_dir: str, state_dir: str, out: TextIO) -> int:
    out.write(status_header() + "\n")
    for target in targets:
        pf_pid = _read_pidfile(paths.driver_pidfile(pid_dir, target.driver, target.upsname))
        responsive, s_pid, ups_status = _query_socket(socket_path(target, state_dir))
        row = status_row(
            target,
            pidfile_pid=pf_pid,
            pidfile_alive=daemon.alive(pf_pid) if pf_pid > 0 else None,
            responsive=responsive,
            socket_pid=s_pid,
            socket_alive=daemon.alive(s_pid) if s_pid else None,
            ups_status=ups_status,
        )
        out.write(row + "\n")
        out.flush()
    return 0


# -- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run upsdrvctl; ``argv`` without the program name (default ``sys.argv[1:]``)."""
    args = parse_args([sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    out, err = sys.stdout, sys.stderr
    if not quiet_banner(os.environ):
        out.write(BANNER + "\n")
        out.flush()
    for message in args.messages:
        err.write(message + "\n")
    if args.action == "help":
        out.write(usage(args.prog))
        return 0
    if args.action == "version":
        return 0
    if args.testing:
        out.write(TESTING_NOTICE + "\n")
        out.flush()
    log = _Logger(max(args.debug, 2) if args.testing else args.debug, err)
    if args.action == "error" or args.options is None:
        log(0, args.error or "")
        return 1
    options = args.options
    if not options.pass_debug and options.command in (
        Command.START,
        Command.STOP,
        Command.SHUTDOWN,
    ):
        log(2, DEBUG_ADVICE)

    path = paths.conffile("ups.conf")
    try:
        conf = upsconf.load(path)
    except ConfigError as exc:
        log(0, f"Can't open {exc}" if exc.line is None else str(exc))
        return 1
    for warning in conf.warnings:
        log(0, str(warning))

    try:
        targets = select_targets(conf, options, own_driverpath())
        return _dispatch(options, targets, conf, log, out)
    except PlanError as exc:
        log(0, exc.message)
        return exc.status


def _run(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run`` on the stdlib loop, on purpose.

    uvloop's process spawning hands the drivers every descriptor we
    inherited; a NUT driver in the background then holds our caller's
    pipes open (``upsdrvctl start | cat`` never ends).  The stdlib closes
    them (``close_fds``), and speed does not matter here.
    """
    _keep_descriptors_to_ourselves()
    return asyncio.run(main)


def _dispatch(
    options: Options,
    targets: list[Target],
    conf: upsconf.UpsConf,
    log: _Logger,
    out: TextIO,
) -> int:
    command = options.command
    if command is Command.LIST:
        for target in targets:
            out.write(target.upsname + "\n")
        out.flush()
        return 0
    if command is Command.STATUS:
        return _status(targets, paths.altpidpath(), paths.statepath(configured=conf.statepath), out)
    if command is Command.START and options.supervise and not options.testing:
        return _run(_Supervisor(targets, options, log).run())
    if command is Command.START:
        return _run(_start(targets, options, log))
    if command is Command.STOP:
        return _run(_stop(targets, options, log, paths.altpidpath()))
    return _run(_run_each(targets, options, log))


if __name__ == "__main__":
    sys.exit(main())
