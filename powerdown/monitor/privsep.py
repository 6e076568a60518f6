"""upsmon's split: a tiny privileged parent that can only run SHUTDOWNCMD.

Strategy (upsmon(8) "-p" and RUN_AS_USER): the monitor talks to the
network, parses replies and runs notifiers, so it runs as an unprivileged
user. Shutting the machine down needs root, so before dropping privileges
upsmon forks: the parent keeps root, reads one byte from a pipe and does
nothing else. Byte 1 means "shut down now": it writes POWERDOWNFLAG, runs
SHUTDOWNCMD and exits. End of file means the monitor is gone: the parent
exits too. The monitor can see the parent die (its end of the pipe
reports an error) and warns with NOPARENT.

The parent passes SIGTERM and SIGINT on to the monitor, so stopping the
process a service manager started stops both.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import time
from dataclasses import dataclass

from powerdown.monitor.effects import run_shutdowncmd

__all__ = ["SHUTDOWN_BYTE", "Split", "split", "PipeShutdown", "DirectShutdown"]

log = logging.getLogger("upsmon")

SHUTDOWN_BYTE = b"\x01"
# How long the monitor waits for the parent to report SHUTDOWNCMD done.
DONE_TIMEOUT = 60


@dataclass(frozen=True, slots=True)
class Split:
    """The monitor's end of the split: the pipe to write to."""

    fd: int
    parent_pid: int
    done_fd: int


def split(*, shutdowncmd: str | None, powerdownflag: str | None, shutdownexit: float) -> Split:
    """Fork; return in the child (the monitor). The parent never returns."""
    rfd, wfd = os.pipe()
    done_r, done_w = os.pipe()
    parent_pid = os.getpid()
    child = os.fork()
    if child == 0:
        os.close(rfd)
        os.close(done_w)
        os.set_inheritable(wfd, False)
        os.set_inheritable(done_r, False)
        return Split(fd=wfd, parent_pid=parent_pid, done_fd=done_r)
    os.close(wfd)
    os.close(done_r)
    os.set_inheritable(done_w, False)
    code = _run_parent(rfd, child, shutdowncmd, powerdownflag, shutdownexit, done_w)
    os._exit(code)


def _run_parent(
    fd: int,
    child: int,
    shutdowncmd: str | None,
    powerdownflag: str | None,
    shutdownexit: float,
    done_fd: int,
) -> int:
    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        try:
            data = os.read(fd, 1)
        except InterruptedError:
            continue
        except OSError as exc:
            log.error("upsmon parent: read: %s", exc.strerror)
            _reap(child, 0)
            return 1
        break
    if not data:
        log.info("upsmon parent: exiting (child exited)")
        _reap(child, 5.0)
        return 0
    if data != SHUTDOWN_BYTE:
        log.error("upsmon parent: got bogus pipe command %r", data)
        _reap(child, 0)
        return 1
    started = time.monotonic()
    rc = run_shutdowncmd(shutdowncmd, powerdownflag)
    # Tell the monitor SHUTDOWNCMD has run: only then does it log out, so a
    # primary waiting on NUMLOGINS never goes before this host.
    with contextlib.suppress(OSError):
        os.write(done_fd, SHUTDOWN_BYTE)
    if shutdownexit != 0:
        # Stay until the monitor exits (or SHUTDOWNEXIT runs out), so a
        # service manager sees one upsmon until the end.
        limit = None if shutdownexit < 0 else started + shutdownexit
        while _child_alive(child):
            if limit is not None and time.monotonic() > limit:
                break
            time.sleep(0.2)
    log.warning(
        "upsmon parent: Exiting after %s (%d) shutdown command: %s",
        "calling" if rc == 0 else "trying to call",
        rc,
        shutdowncmd,
    )
    _reap(child, 0)
    return 0


def _child_alive(child: int) -> bool:
    try:
        pid, _ = os.waitpid(child, os.WNOHANG)
    except ChildProcessError:
        return False
    return pid == 0


def _reap(child: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not _child_alive(child) or time.monotonic() >= deadline:
            return
        time.sleep(0.05)


class PipeShutdown:
    """The monitor's way to shut down in split mode: one byte to the parent."""

    def __init__(self, link: Split) -> None:
        self.link = link

    def call(self) -> None:
        try:
            os.write(self.link.fd, SHUTDOWN_BYTE)
        except OSError as exc:
            log.error("Unable to call parent pipe for shutdown: %s", exc.strerror)
            return
        # Stay logged in until the parent has run SHUTDOWNCMD (bounded: a
        # hung command must not hold the primary past its HOSTSYNC forever).
        ready, _, _ = select.select([self.link.done_fd], [], [], DONE_TIMEOUT)
        if not ready:
            log.error("The parent did not report SHUTDOWNCMD within %d s", DONE_TIMEOUT)

    def parent_gone(self) -> bool:
        """The parent's end of the pipe is closed: nobody can run SHUTDOWNCMD."""
        poller = select.poll()
        poller.register(self.link.fd, select.POLLERR | select.POLLHUP)
        try:
            events = poller.poll(0)
        except OSError as exc:
            return exc.errno != errno.EINTR
        return bool(events)


class DirectShutdown:
    """``upsmon -p``: one process does everything, as root."""

    def __init__(self, shutdowncmd: str | None, powerdownflag: str | None) -> None:
        self.shutdowncmd = shutdowncmd
        self.powerdownflag = powerdownflag

    def call(self) -> None:
        if os.geteuid() != 0:
            log.warning("Not root, shutdown may fail")
        # The monitor's loop stops here while the command runs, as in NUT's
        # one-process mode; in split mode the parent runs it instead.
        run_shutdowncmd(self.shutdowncmd, self.powerdownflag)

    def parent_gone(self) -> bool:
        return False
