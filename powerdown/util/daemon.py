"""Process chores every NUT daemon shares: pid files, detaching, dropping root."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import pwd
import sys

__all__ = [
    "read_pidfile",
    "write_pidfile",
    "alive",
    "detach",
    "drop_privileges",
    "syslog_handler",
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
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
