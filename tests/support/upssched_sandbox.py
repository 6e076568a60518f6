"""A throw-away directory to run an upssched in, as upsmon would run it.

Each :class:`Sandbox` has its own ``upssched.conf`` (``NUT_CONFPATH``), a
CMDSCRIPT that appends one line per call to ``calls.log`` (time, arguments
and the event variables it saw), and a token in the environment of every
process it starts, so that the daemons it caused can be found in ``/proc``
and stopped by pid, ours and NUT's alike (NUT 2.8.0's daemon writes no pid
file).  :meth:`Sandbox.stop_daemons` is what fixtures call at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.nutpeer import wait_until

OURS: tuple[str, ...] = (sys.executable, "-m", "powerdown.cli.upssched")
NUT = ("/sbin/upssched",)
TOKEN_VAR = "UPSSCHED_SANDBOX_TOKEN"
UNSET = "<unset>"

# One line per call: time|parent pid|arg1 arg2 ...|argc|UPSNAME|NOTIFYTYPE|NOTIFYMSG
_CMDSCRIPT = """#!/bin/sh
now=$(date +%s.%N)
printf '%s|%s|%s|%s|%s|%s|%s\\n' "$now" "$PPID" "$*" "$#" "${UPSNAME-<unset>}" \
    "${NOTIFYTYPE-<unset>}" "${NOTIFYMSG-<unset>}" >> "$(dirname "$0")/calls.log"
"""


@dataclass(frozen=True, slots=True)
class Call:
    """One run of CMDSCRIPT."""

    at: float
    ppid: int
    args: str
    argc: int
    upsname: str
    notifytype: str
    notifymsg: str


class Sandbox:
    """A directory with an ``upssched.conf`` and the processes run from it."""

    def __init__(self, root: Path, program: Sequence[str] = OURS, *, idle: float = 1.0) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.program = tuple(program)
        self.token = uuid.uuid4().hex
        self.cmdscript = root / "cmd.sh"
        self.cmdscript.write_text(_CMDSCRIPT)
        self.cmdscript.chmod(0o755)
        self.log = root / "calls.log"
        self.pipefn = root / "upssched.pipe"
        self.lockfn = root / "upssched.lock"
        self.pidfile = root / "upssched.pid"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("NUT_") and key not in ("UPSNAME", "NOTIFYTYPE", "NOTIFYMSG")
        }
        self.env.update(
            NUT_CONFPATH=str(root),
            NUT_STATEPATH=str(root),
            NUT_ALTPIDPATH=str(root),
            NUT_PIDPATH=str(root),
            POWERDOWN_UPSSCHED_IDLE=str(idle),
            **{TOKEN_VAR: self.token},
        )

    def configure(self, rules: str, *, header: str | None = None) -> None:
        """Write ``upssched.conf``: our CMDSCRIPT/PIPEFN/LOCKFN, then ``rules``."""
        if header is None:
            header = f"CMDSCRIPT {self.cmdscript}\nPIPEFN {self.pipefn}\nLOCKFN {self.lockfn}\n"
        (self.root / "upssched.conf").write_text(header + rules)

    def _event_env(self, notifytype: str | None, upsname: str | None) -> dict[str, str]:
        env = dict(self.env)
        if notifytype is not None:
            env["NOTIFYTYPE"] = notifytype
        if upsname is not None:
            env["UPSNAME"] = upsname
        return env

    def popen(
        self,
        notifytype: str | None,
        upsname: str | None,
        *args: str,
        program: Sequence[str] | None = None,
    ) -> subprocess.Popen[str]:
        """Start upssched as upsmon does: event in the environment, message as argv[1]."""
        return subprocess.Popen(
            [*(program or self.program), *args],
            env=self._event_env(notifytype, upsname),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def call(
        self,
        notifytype: str | None,
        upsname: str | None,
        *args: str,
        program: Sequence[str] | None = None,
        timeout: float = 20.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run upssched to the end and return what it printed and its status."""
        proc = self.popen(notifytype, upsname, *args, program=program)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def calls(self) -> list[Call]:
        """Every CMDSCRIPT run so far, in the order they wrote."""
        try:
            text = self.log.read_text()
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            at, ppid, args, argc, ups, ntype, msg = line.split("|", 6)
            found.append(Call(float(at), int(ppid), args, int(argc), ups, ntype, msg))
        return found

    def args(self) -> list[str]:
        return [c.args for c in self.calls()]

    def wait_calls(self, count: int, timeout: float = 10.0) -> list[Call]:
        """Poll until CMDSCRIPT has run ``count`` times; return the calls."""
        wait_until(lambda: len(self.calls()) >= count, timeout, f"{count} CMDSCRIPT calls")
        return self.calls()

    def daemons(self) -> list[int]:
        """Live upssched processes (ours or NUT's) that this sandbox started."""
        return find_processes({TOKEN_VAR: self.token})

    def wait_no_daemon(self, timeout: float = 10.0) -> None:
        wait_until(lambda: not self.daemons(), timeout, "the upssched daemon to exit")

    def stop_daemons(self) -> list[int]:
        """SIGTERM (then SIGKILL) every daemon found; returns the pids that were running."""
        pids = self.daemons()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            wait_until(lambda: not self.daemons(), 5.0, "daemons to stop")
        except TimeoutError:
            for pid in self.daemons():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not self.daemons(), 5.0, "daemons to die")
        return pids


def _environ(pid: str) -> Mapping[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in pairs}


def _running(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def _is_upssched(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return os.path.basename(argv[0]) == b"upssched" or b"powerdown.cli.upssched" in argv


def find_processes(marks: Mapping[str, str]) -> list[int]:
    """Pids of live upssched processes whose environment holds ``marks``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        if not _is_upssched(pid) or not _running(pid):
            continue
        env = _environ(pid)
        if all(env.get(k) == v for k, v in marks.items()):
            found.append(int(pid))
    return sorted(found)


def monotonic_to_wall(t: float) -> float:
    """A monotonic instant as Unix time (CMDSCRIPT stamps its calls with ``date``)."""
    return time.time() - (time.monotonic() - t)
