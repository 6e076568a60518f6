"""Where upsmon acts on the world: notifications, wall, the power-down flag, SHUTDOWNCMD.

Everything else in the monitor decides; this module does. Notifications
never block the monitor: NOTIFYCMD and wall run as child processes that we
do not wait for (NUT forks for the same reason: a slow notifier must not
delay a shutdown), and they are reaped in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
from collections.abc import Mapping, Sequence

from powerdown.monitor.notify import STOCK_MESSAGES, NotifyFlag, NotifyType, render

__all__ = [
    "SDMAGIC",
    "Notifier",
    "pdflag_status",
    "set_pdflag",
    "clear_pdflag",
    "run_shutdowncmd",
]

log = logging.getLogger("upsmon")

# What upsmon writes into POWERDOWNFLAG and checks before trusting or
# removing the file (clients/upsmon.h SDMAGIC).
SDMAGIC = "upsmon-shutdown-file"


class Notifier:
    """Delivers notify events as upsmon.conf's NOTIFYMSG/NOTIFYFLAG/NOTIFYCMD say."""

    def __init__(
        self,
        *,
        messages: Mapping[NotifyType, str],
        flags: Mapping[NotifyType, NotifyFlag],
        default_flags: NotifyFlag,
        notifycmd: Sequence[str] | None,
    ) -> None:
        self.messages = messages
        self.flags = flags
        self.default_flags = default_flags
        self.notifycmd = tuple(notifycmd) if notifycmd else None
        self._children: set[asyncio.Task[None]] = set()

    def flags_for(self, ntype: NotifyType) -> NotifyFlag:
        return self.flags.get(ntype, self.default_flags)

    def message(self, ntype: NotifyType, ups: str | None, extra: str | None) -> str:
        return render(self.messages.get(ntype, STOCK_MESSAGES[ntype]), ups, extra)

    def notify(self, ntype: NotifyType, ups: str | None, extra: str | None = None) -> None:
        flags = self.flags_for(ntype)
        if flags & NotifyFlag.IGNORE:
            return
        text = self.message(ntype, ups, extra)
        if flags & NotifyFlag.SYSLOG:
            log.warning("%s", text)
        if flags & NotifyFlag.WALL:
            self.wall(text)
        if flags & NotifyFlag.EXEC and self.notifycmd:
            env = dict(os.environ, NOTIFYTYPE=str(ntype), UPSNAME=ups or "")
            self._spawn([*self.notifycmd, text], env=env)

    def wall(self, text: str) -> None:
        self._spawn(["wall"], stdin=f"{text}\n".encode())

    def _spawn(
        self, argv: list[str], *, env: dict[str, str] | None = None, stdin: bytes | None = None
    ) -> None:
        """Start a child we do not wait for (its task reaps it); needs the running loop."""
        task = asyncio.get_running_loop().create_task(_run_child(argv, env, stdin))
        self._children.add(task)
        task.add_done_callback(self._children.discard)

    async def drain(self, timeout: float) -> None:
        """Give running notifiers up to ``timeout`` seconds to finish (at exit)."""
        if self._children:
            await asyncio.wait(set(self._children), timeout=timeout)


async def _run_child(argv: list[str], env: dict[str, str] | None, stdin: bytes | None) -> None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        log.error("Can't run %s: %s", argv[0], exc.strerror or exc)
        return
    await proc.communicate(stdin)


def pdflag_status(path: str | None) -> int:
    """1: the flag is there and ours; 0: absent (or not configured); -1: someone else's file."""
    if not path:
        return 0
    try:
        with open(path, "rb") as f:
            head = f.read(len(SDMAGIC))
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.error("'%s' exists, but we can't read from it: %s", path, exc.strerror)
        return -1
    return 1 if head == SDMAGIC.encode() else -1


def set_pdflag(path: str | None) -> None:
    """Tell the late shutdown script to cut the UPS power (``upsmon -K``)."""
    if not path:
        return
    try:
        with open(path, "w") as f:
            f.write(SDMAGIC)
    except OSError as exc:
        log.error("Failed to create power down flag! %s: %s", path, exc.strerror)


def clear_pdflag(path: str | None) -> str | None:
    """At start-up, remove a flag left by an earlier shutdown; returns the path still usable.

    A file that does not hold our magic text is never removed, and the flag
    is then disabled rather than overwritten later (it may be something a
    careless config pointed at).
    """
    status = pdflag_status(path)
    if status == -1:
        log.error("POWERDOWNFLAG (%s) does not contain the upsmon magic string - disabling!", path)
        return None
    if status == 1 and path:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return path


def run_shutdowncmd(command: str | None, powerdownflag: str | None) -> int:
    """Write POWERDOWNFLAG, then run SHUTDOWNCMD through the shell and wait for it."""
    set_pdflag(powerdownflag)
    if not command:
        log.error("Unable to call shutdown command: none defined (SHUTDOWNCMD)")
        return 1
    log.warning("Calling shutdown command: %s", command)
    try:
        rc = subprocess.call(["/bin/sh", "-c", command])
    except OSError as exc:
        log.error("Unable to call shutdown command: %s: %s", command, exc.strerror)
        return 1
    if rc != 0:
        log.error("Unable to call shutdown command: %s (exit %d)", command, rc)
    return rc
