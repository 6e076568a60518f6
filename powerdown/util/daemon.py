"""Process chores every NUT daemon shares: pid files, detaching, dropping root."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import pwd
import sys
from collections.abc import Callable

__all__ = [
    "read_pidfile",
    "write_pidfile",
    "alive",
    "detach",
    "detach_when_ready",
    "drop_privileges",
    "syslog_handler",
    "signal_running",
]


def read_pidfile(path: str) -> int | None:
    """The pid in ``path``, or None when there is no usable pid file."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pidfile(path: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process; a zombie (dead, not yet reaped) counts as gone."""
    if pid < 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True  # no /proc: trust kill()
    fields = stat.rsplit(b")", 1)[-1].split()
    return not fields or fields[0] not in (b"Z", b"X")


def detach() -> None:
    """Become a background daemon: fork twice, new session, stdio to /dev/null."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def detach_when_ready() -> Callable[[], None]:
    """Go to the background now, but let the parent exit only when we are ready.

    The parent waits on a pipe: it exits 0 when the daemon calls the
    returned function (its socket is up), and 1 if the daemon dies first.
    So whoever started us (``upsdrvctl``, a service manager) learns whether
    start-up worked, as it does from a NUT driver, and sees the errors:
    stdio stays open until the daemon is ready.
    """
    rfd, wfd = os.pipe()
    if os.fork() > 0:
        os.close(wfd)
        with os.fdopen(rfd, "rb") as pipe:
            ok = pipe.read(1) == b"R"
        os._exit(0 if ok else 1)
    os.close(rfd)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)

    def ready() -> None:
        with contextlib.suppress(OSError):
            os.write(wfd, b"R")
            os.close(wfd)
        fd = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(fd, std)
        if fd > 2:
            os.close(fd)

    return ready


def drop_privileges(user: str) -> None:
    """Switch to ``user`` if we are root; a no-op for anyone else, as in NUT.

    Raises:
        KeyError: no such user.
    """
    entry = pwd.getpwnam(user)
    if os.geteuid() != 0:
        return
    os.initgroups(entry.pw_name, entry.pw_gid)
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def syslog_handler(ident: str) -> logging.Handler:
    """Log to syslog when /dev/log exists, else to stderr (which detach() silences)."""
    if os.path.exists("/dev/log"):
        with contextlib.suppress(OSError):
            handler = logging.handlers.SysLogHandler(address="/dev/log")
            handler.ident = f"{ident}[{os.getpid()}]: "
            return handler
    return logging.StreamHandler(sys.stderr)


def signal_running(pidfile: str, pid: int | None, sig: int) -> int:
    """``-c <command>``: signal the daemon named by ``pid`` or its pid file; an exit code.

    NUT's wording on failure, on stderr.
    """
    if pid is None:
        pid = read_pidfile(pidfile)
        if pid is None:
            print(
                f"Failed to signal the currently running daemon: PID file {pidfile}"
                " is missing or unreadable",
                file=sys.stderr,
            )
            return 1
    try:
        os.kill(pid, sig)
    except OSError as exc:
        print(
            f"Failed to signal the currently running daemon (PID {pid}): {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    return 0
