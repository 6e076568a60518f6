"""upssched's processes: the client upsmon runs, and the timer daemon it starts.

Strategy
--------
The decisions live in :mod:`powerdown.monitor.upssched_timers`; this module
only does the I/O around them, as NUT's ``clients/upssched.c`` does it:

* The client (:func:`handle_event`) takes the matching ``AT`` actions in
  file order.  ``EXECUTE`` runs ``CMDSCRIPT... <command>`` at once and
  waits for it; a timer request goes to the daemon over the Unix socket
  ``PIPEFN``, one connection per request, and the client waits for ``OK``.
* When no daemon answers, the client takes ``LOCKFN`` and starts one.  NUT
  creates the lock with ``O_EXCL`` and removes a lock it could not get
  ("in case we crashed before"), so two racing clients can both start a
  daemon.  We hold an ``flock`` on the file instead (a crashed holder
  loses it by itself), look again for a daemon once we hold it, and
  unlink the file before closing it; a waiter that then wakes up on the
  unlinked file sees that the name now points elsewhere and tries again.
  So however many clients race, one daemon starts.
* The daemon is a fork of that client: its own session, stdio on
  ``/dev/null``, the socket bound (mode 0660) before it tells the client
  it is ready.  Its loop is a plain ``selectors`` loop that sleeps until
  the next deadline; scripts run one at a time, in the daemon, before the
  request that caused them is answered (NUT's "command execution is
  synchronous").  With no timers and no requests for :data:`IDLE_TIMEOUT`
  seconds it removes its socket (only if the name is still its own) and
  exits; a client caught by that gets EOF and tries again, as in NUT.
  NUT 2.8.0's daemon instead spins on a closed client connection (a whole
  CPU while a timer waits) and so leaves at once after its last timer;
  HEAD waits about 15 idle seconds, as we do.
* ``CANCEL-TIMER name cmd`` with no daemon running: NUT starts a daemon
  only to run ``cmd`` in it; we run it in the client, with the same
  (cleared) event variables the daemon would have given it.
* A daemon that cannot start (say, ``PIPEFN`` in a missing directory)
  sends its error back through the start-up pipe, so the client fails at
  once with NUT's final message, where NUT retries for some 15 seconds.

``POWERDOWN_UPSSCHED_IDLE`` (seconds, at least :data:`MIN_IDLE`) overrides
the idle timeout; the tests use it to see the daemon leave without waiting
15 seconds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from powerdown import paths
from powerdown.config.upsschedconf import CancelTimer, Execute, StartTimer, UpsschedConfig
from powerdown.monitor.upssched_timers import (
    IDLE_TIMEOUT,
    LIST_BEGIN,
    LIST_END,
    CancelRequest,
    ListRequest,
    Request,
    RunScript,
    Scheduler,
    StartRequest,
    match_rules,
    render_request,
)
from powerdown.protocol.words import Tokenizer
from powerdown.util import daemon

__all__ = [
    "UpsschedError",
    "Event",
    "handle_event",
    "list_timers",
    "run_script",
    "idle_timeout",
    "IDLE_ENV",
    "PIDFILE_NAME",
]

log = logging.getLogger("upssched")

IDLE_ENV = "POWERDOWN_UPSSCHED_IDLE"
PIDFILE_NAME = "upssched.pid"
EVENT_VARS = ("UPSNAME", "NOTIFYTYPE", "NOTIFYMSG")

MIN_IDLE = 0.25  # seconds; see idle_timeout()
MAX_TRIES = 30  # NUT's attempts to get an OK from a daemon
RETRY_DELAY = 0.25  # and its pause between them
LISTEN_BACKLOG = 16
SUN_PATH_SIZE = 108  # sizeof(struct sockaddr_un.sun_path) on Linux

START_FAILED = "Unable to connect to daemon and unable to start daemon"
LOCK_FAILED = "Failed to connect to parent and failed to create parent"
LIST_FAILED = "Unable to connect to daemon or connection was broken during listing"
NOT_RUNNING = "upssched timer is not running"


class UpsschedError(Exception):
    """A fatal upssched error; ``str()`` is NUT's message for it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """What upsmon passes: ``NOTIFYTYPE``, ``UPSNAME`` and the message (argv[1])."""

    notifytype: str
    upsname: str
    notifymsg: str = ""


def idle_timeout(env: Mapping[str, str] | None = None) -> float:
    """The daemon's idle timeout: ``POWERDOWN_UPSSCHED_IDLE`` or NUT's 15 s.

    At least :data:`MIN_IDLE`: a new daemon must live long enough for the
    client that started it to connect.
    """
    value = (os.environ if env is None else env).get(IDLE_ENV, "")
    try:
        seconds = float(value)
    except ValueError:
        return IDLE_TIMEOUT
    return max(seconds, MIN_IDLE) if seconds == seconds else IDLE_TIMEOUT


# -- running CMDSCRIPT ---------------------------------------------------------


def _concat(cmdscript: Sequence[str]) -> str:
    return " ".join(f"'{word}'" for word in cmdscript)


def run_script(
    cmdscript: Sequence[str],
    arg: str,
    *,
    env: Mapping[str, str] | None = None,
    clear_event_vars: bool = False,
) -> int | None:
    """Run ``cmdscript + [arg]`` without a shell and wait for it, as NUT HEAD does.

    Args:
        cmdscript: the program and its leading arguments.
        arg: the last argument (timer name or ``EXECUTE`` command).
        env: variables to set on top of ours.
        clear_event_vars: drop our ``UPSNAME``/``NOTIFYTYPE``/``NOTIFYMSG``
            first (a daemon's copies belong to some earlier event).

    Returns:
        The exit status (negative: killed by that signal), or ``None``
        when the program could not be started; failures are logged.
    """
    if not cmdscript:
        log.error("No CMDSCRIPT defined, cannot execute command: %s", arg)
        return None
    child_env = dict(os.environ)
    if clear_event_vars:
        for name in EVENT_VARS:
            child_env.pop(name, None)
    if env:
        child_env.update(env)
    argv = [*cmdscript, arg]
    log.debug('calling: %s "%s"', _concat(cmdscript), arg)
    try:
        status = subprocess.call(argv, env=child_env, stdin=subprocess.DEVNULL)
    except OSError as exc:
        log.error("execvp(%s) failed: %s", _concat(cmdscript), exc.strerror or exc)
        return None
    if status > 0:
        log.info("exec_cmd(%s '%s') returned %d", _concat(cmdscript), arg, status)
    elif status < 0:
        log.warning("exec_cmd(%s '%s') terminated with signal %d", _concat(cmdscript), arg, -status)
    return status


# -- the client ------------------------------------------------------------------


def _check_socket_name(pipefn: str) -> None:
    size = len(os.fsencode(pipefn))
    if size >= SUN_PATH_SIZE:
        raise UpsschedError(
            f"Can't create a unix domain socket: pathname '{pipefn}' is too long ({size}) "
            f"for 'struct sockaddr_un->sun_path' on this system ({SUN_PATH_SIZE})"
        )


# connect() errors that mean "nobody is listening there": start a daemon.
_NO_DAEMON = (errno.ENOENT, errno.ECONNREFUSED)


def _connect(pipefn: str) -> socket.socket | None:
    """A connection to the daemon, or ``None`` if there is none.

    Raises:
        UpsschedError: the socket exists but we cannot use it (say, no
            permission): starting a second daemon would not help.
    """
    # Blocking, as in NUT: a connect() to a busy daemon (full backlog) waits
    # for room, where a non-blocking one would fail with EAGAIN.  Replies
    # are awaited as long as a synchronous script runs, also as in NUT.
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(pipefn)
    except OSError as exc:
        sock.close()
        if exc.errno in _NO_DAEMON:
            return None
        raise UpsschedError(f"{START_FAILED}: connect {pipefn}: {exc.strerror or exc}") from None
    return sock


class _StartLock:
    """``LOCKFN`` held with ``flock``; the file exists only while held."""

    def __init__(self, lockfn: str) -> None:
        self.lockfn = lockfn
        self.fd = -1

    def __enter__(self) -> _StartLock:
        while True:
            try:
                fd = os.open(self.lockfn, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise UpsschedError(f"{LOCK_FAILED}: {exc.strerror or exc}") from None
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                mine = os.stat(self.lockfn)
                held = os.fstat(fd)
                same = (mine.st_dev, mine.st_ino) == (held.st_dev, held.st_ino)
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return self
            os.close(fd)  # the previous holder removed the name: lock the new file

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.lockfn)
        os.close(self.fd)
        self.fd = -1


def _read_reply(sock: socket.socket, until: bytes) -> bytes:
    """Read until a line equal to ``until`` or ``ERR ...`` arrives, or EOF."""
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk
        lines = data.split(b"\n")
        complete = lines[:-1]
        if until in complete or any(line.startswith(b"ERR") for line in complete):
            return data


def _send(config: UpsschedConfig, request: Request, idle: float) -> None:
    """Deliver a timer request, starting the daemon if need be (NUT's ``sendcmd``).

    Raises:
        UpsschedError: no daemon could be reached or started.
    """
    assert config.pipefn is not None and config.lockfn is not None
    _check_socket_name(config.pipefn)
    line = render_request(request).encode("latin-1", "replace")
    for attempt in range(MAX_TRIES):
        if attempt:
            time.sleep(RETRY_DELAY)  # let an exiting daemon go, or a starting one come up
        sock = _connect(config.pipefn)
        if sock is None:
            if isinstance(request, CancelRequest):
                # No daemon, so no timer to cancel (NUT stops here).  A cancel
                # command must still run: unless a daemon is being started
                # right now (we wait for the lock to see), we run it here.
                if not request.cmd:
                    return
                with _StartLock(config.lockfn):
                    sock = _connect(config.pipefn)
                if sock is None:
                    log.debug("Cancel %s, event: %s", request.name, request.cmd)
                    run_script(config.cmdscript, request.cmd, clear_event_vars=True)
                    return
            else:
                with _StartLock(config.lockfn) as lock:
                    sock = _connect(config.pipefn)
                    if sock is None:
                        _start_daemon(config, idle, lock.fd)
                        sock = _connect(config.pipefn)
                if sock is None:
                    continue
        with sock:
            try:
                sock.sendall(line)
            except OSError:
                log.error("write failed, trying again")
                continue
            reply = _read_reply(sock, b"OK")
        if reply.startswith(b"OK"):
            return
        if not reply:
            log.error("read confirmation failed, trying again")
            continue
        text = reply.decode("latin-1").strip()
        log.error("read confirmation got [%s]", text)
        if text.startswith("ERR"):
            break  # the daemon understood and refused: asking again would not help
    raise UpsschedError(START_FAILED)


def handle_event(config: UpsschedConfig, event: Event) -> None:
    """Do what the config says for ``event``: the client's whole job.

    Raises:
        ConfigError: an ``AT`` line came before CMDSCRIPT/PIPEFN/LOCKFN.
        UpsschedError: a timer request could not be delivered.
    """
    if not config.rules:
        return
    config.check_ready()
    idle = idle_timeout()
    for action in match_rules(config.rules, event.notifytype, event.upsname):
        if isinstance(action, Execute):
            log.debug("Executing command: %s", action.command)
            extra = {"NOTIFYMSG": event.notifymsg} if event.notifymsg else None
            run_script(config.cmdscript, action.command, env=extra)
        elif isinstance(action, StartTimer):
            _send(
                config,
                StartRequest(
                    name=action.name,
                    interval=str(action.interval),
                    notifytype=event.notifytype,
                    upsname=event.upsname,
                    notifymsg=event.notifymsg,
                    shared=action.shared,
                ),
                idle,
            )
        elif isinstance(action, CancelTimer):
            _send(
                config,
                CancelRequest(
                    name=action.name,
                    cmd=action.cmd or "",
                    notifytype=event.notifytype,
                    upsname=event.upsname,
                    notifymsg=event.notifymsg,
                    matched=action.matched,
                ),
                idle,
            )


def list_timers(config: UpsschedConfig) -> str:
    """The daemon's timers as ``upssched -l`` prints them (one line each).

    Raises:
        UpsschedError: no ``PIPEFN``, no daemon, or no proper answer.
    """
    if not config.pipefn:
        raise UpsschedError("upssched.conf: invalid configuration for timer listing: lacks PIPEFN")
    _check_socket_name(config.pipefn)
    sock = _connect(config.pipefn)
    if sock is None:
        raise UpsschedError(NOT_RUNNING)
    with sock:
        try:
            sock.sendall(render_request(ListRequest()).encode())
        except OSError:
            log.error("write failed, daemon must have ended")
            raise UpsschedError(LIST_FAILED) from None
        reply = _read_reply(sock, b"OK").decode("latin-1")
    lines = reply.split("\n")
    if "OK" not in lines:
        if reply:
            log.error("read confirmation got [%s]", reply.strip())
        else:
            log.error("read confirmation failed, daemon must have ended")
        raise UpsschedError(LIST_FAILED)
    rows = lines[: lines.index("OK")]
    if rows and rows[0] == LIST_BEGIN:
        rows = rows[1:]
    if LIST_END in rows:
        rows = rows[: rows.index(LIST_END)]
    return "".join(row + "\n" for row in rows)


# -- the daemon --------------------------------------------------------------------


class _Stop(Exception):
    pass


def _on_signal(signum: int, frame: object) -> None:
    raise _Stop(signum)


def _start_daemon(config: UpsschedConfig, idle: float, lock_fd: int) -> None:
    """Fork the timer daemon and return once it listens (NUT's ``start_daemon``).

    ``lock_fd`` is closed in the child: a forked copy would hold the
    ``flock`` for the daemon's whole life.

    Raises:
        UpsschedError: the daemon reported that it could not start.
    """
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            os.close(rfd)
            os.close(lock_fd)
            os.setsid()
            if os.fork() == 0:
                status = _daemon_main(config, wfd, idle)
            else:
                status = 0
        except BaseException:  # noqa: BLE001 - a forked child must never return
            with contextlib.suppress(Exception):
                log.exception("timer daemon failed")
        finally:
            os._exit(status)
    os.close(wfd)
    os.waitpid(pid, 0)
    with os.fdopen(rfd, "rb") as pipe:
        answer = pipe.read()
    if answer.startswith(b"R"):
        return
    reason = answer[1:].decode("utf-8", "replace") if answer else "the timer daemon died"
    raise UpsschedError(f"{START_FAILED}: {reason}")


def _listen(pipefn: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pipefn)
        os.umask(0o007)
        try:
            sock.bind(pipefn)
        except OSError as exc:
            raise UpsschedError(f"bind {pipefn} failed: {exc.strerror or exc}") from None
        try:
            os.chmod(pipefn, 0o660)
        except OSError as exc:
            raise UpsschedError(f"chmod({pipefn}, 0660) failed: {exc.strerror or exc}") from None
        sock.listen(LISTEN_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _pidfile() -> str:
    return os.path.join(paths.pidpath(), PIDFILE_NAME)


def _daemon_main(config: UpsschedConfig, ready_fd: int, idle: float) -> int:  # pragma: no cover
    """The daemon's life, in the grandchild; returns its exit status."""
    assert config.pipefn is not None
    debug = log.isEnabledFor(logging.DEBUG)
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1) if debug else (0, 1, 2):
        os.dup2(devnull, std)
    os.close(devnull)
    if os.path.exists("/dev/log"):
        logging.getLogger().addHandler(daemon.syslog_handler("upssched"))
    try:
        listener = _listen(config.pipefn)
    except UpsschedError as exc:
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"E" + str(exc).encode())
        return 1
    mine = os.stat(config.pipefn)
    pidfile = _pidfile()
    with contextlib.suppress(OSError):
        daemon.write_pidfile(pidfile)
    for name in EVENT_VARS:
        os.environ.pop(name, None)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    os.write(ready_fd, b"R")
    os.close(ready_fd)
    log.debug("Timer daemon started")
    try:
        _serve(listener, config, Scheduler(time.monotonic(), idle_timeout=idle))
    except _Stop as stop:
        log.info("Signal %s: exiting", stop.args[0])
    finally:
        # Remove the socket only if the name is still ours: a daemon
        # started after us (say, after a stale-socket recovery) owns it now.
        with contextlib.suppress(OSError):
            now = os.stat(config.pipefn)
            if (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
                os.unlink(config.pipefn)
        listener.close()
        if daemon.read_pidfile(pidfile) == os.getpid():
            with contextlib.suppress(OSError):
                os.unlink(pidfile)
    return 0


def _execute(config: UpsschedConfig, runs: Sequence[RunScript]) -> None:
    for run in runs:
        log.debug("Event: %s", run.arg)
        run_script(config.cmdscript, run.arg, env=run.env, clear_event_vars=True)


def _serve(listener: socket.socket, config: UpsschedConfig, brain: Scheduler) -> None:
    """Accept requests and fire timers until the daemon has been idle long enough."""
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    parsers: dict[socket.socket, Tokenizer] = {}

    def drop(conn: socket.socket) -> None:
        selector.unregister(conn)
        parsers.pop(conn, None)
        conn.close()

    try:
        while True:
            _execute(config, brain.tick(time.monotonic()))
            now = time.monotonic()
            if brain.should_exit(now):
                log.debug("Timer queue empty, exiting")
                return
            wake = brain.wake_at()
            timeout = None if wake is None else max(0.0, wake - now)
            for key, _mask in selector.select(timeout):
                if key.fileobj is listener:
                    try:
                        conn, _addr = listener.accept()
                    except OSError as exc:
                        log.error("accept on unix fd failed: %s", exc)
                        continue
                    conn.settimeout(5.0)  # for replies; reads only follow select()
                    parsers[conn] = Tokenizer()
                    selector.register(conn, selectors.EVENT_READ)
                    continue
                conn = cast(socket.socket, key.fileobj)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(conn)
                    continue
                for words in parsers[conn].feed(data):
                    if words.error:
                        log.info("Parse error on sock: %s", words.error)
                        continue
                    reply = brain.handle(words.args, time.monotonic(), time.time())
                    refused = reply.lines[:1] == ("ERR UNKNOWN\n",)
                    for note in reply.notes:
                        log.log(logging.INFO if refused else logging.DEBUG, "%s", note)
                    _execute(config, reply.runs)
                    try:
                        conn.sendall("".join(reply.lines).encode("latin-1", "replace"))
                    except OSError:
                        drop(conn)
                        break
    finally:
        for conn in list(parsers):
            conn.close()
        selector.close()
