"""A simulated serial UPS on the master side of a pty, run as its own process.

A test starts ``PtySimulator("tests.support.sim_megatec", ...)``: a child
process runs that module's ``Device`` behind a fresh pty and prints the
slave's path, which the driver opens as its ``port``.  The child keeps a
descriptor of the slave open itself, so a driver closing and reopening the
port never makes the master read EIO.

The device model is pure: ``Device.receive(data, now)`` returns the replies,
each with a delay.  The harness adds the faults every device can have, set
at any time from the test with ``sim.control(...)`` (one JSON line on the
child's stdin):

* ``mode="normal"``: answer as the device would;
* ``mode="silent"``: read and ignore everything (a cable pulled, a UPS off);
* ``mode="garbage"``: answer every request with noise;
* ``delay=seconds``: hold every reply back that long (a slow UPS);
* any other key goes to ``Device.control(key, value)`` (e.g. ``status="OB"``).

``sim.received()`` returns what the driver has sent so far, for tests that
check a command reached the device.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import select
import subprocess
import sys
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Device", "LineDevice", "Reply", "PtySimulator", "serve"]


@dataclass(frozen=True, slots=True)
class Reply:
    """Bytes the device sends, ``delay`` seconds after the request."""

    data: bytes
    delay: float = 0.0


class Device(Protocol):
    """What a simulated UPS implements (pure: no I/O, time given)."""

    def receive(self, data: bytes, now: float) -> list[Reply]: ...

    def control(self, key: str, value: Any) -> None: ...


class LineDevice:
    """A device that reads CR-terminated requests and answers each with one reply or none
    (the Q* family); subclasses write ``answer``."""

    _line: bytes = b""

    def answer(self, command: str) -> str | None:
        raise NotImplementedError

    def receive(self, data: bytes, now: float) -> list[Reply]:
        replies = []
        self._line += data
        while b"\r" in self._line:
            raw, self._line = self._line.split(b"\r", 1)
            out = self.answer(raw.decode("latin-1"))
            if out is not None:
                replies.append(Reply(out.encode("latin-1")))
        return replies


# -- the child process -------------------------------------------------------


@dataclass
class _Faults:
    mode: str = "normal"
    delay: float = 0.0
    pending: list[tuple[float, bytes]] = field(default_factory=list)


def serve(device: Device, log: Path | None) -> None:
    """Run ``device`` on a new pty until stdin closes; prints the slave path first."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    os.set_blocking(master, False)
    print(os.ttyname(slave), flush=True)
    faults = _Faults()
    noise = random.Random(4711)
    logfile = open(log, "ab", buffering=0) if log else None  # noqa: SIM115
    stdin = sys.stdin.fileno()
    stdin_buf = b""
    try:
        while True:
            now = time.monotonic()
            timeout = min((at - now for at, _ in faults.pending), default=0.5)
            readable, _, _ = select.select([master, stdin], [], [], max(0.0, timeout))
            if stdin in readable:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return
                stdin_buf += chunk
                while b"\n" in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b"\n", 1)
                    _apply(json.loads(line), device, faults)
                    print("ok", flush=True)
            if master in readable:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if data:
                    if logfile:
                        logfile.write(data)
                    now = time.monotonic()
                    for reply in _answer(device, faults, data, now, noise):
                        faults.pending.append((now + reply.delay + faults.delay, reply.data))
            now = time.monotonic()
            due = [item for item in faults.pending if item[0] <= now]
            faults.pending = [item for item in faults.pending if item[0] > now]
            for _, out in sorted(due, key=lambda item: item[0]):
                try:
                    os.write(master, out)
                except OSError:
                    pass
    finally:
        os.close(slave)
        os.close(master)


def _answer(
    device: Device, faults: _Faults, data: bytes, now: float, noise: random.Random
) -> list[Reply]:
    if faults.mode == "silent":
        return []
    replies = device.receive(data, now)
    if faults.mode == "garbage":
        return [
            Reply(bytes(noise.randrange(256) for _ in range(len(r.data) or 5))) for r in replies
        ]
    return replies


def _apply(message: dict[str, Any], device: Device, faults: _Faults) -> None:
    for key, value in message.items():
        if key == "mode":
            faults.mode = str(value)
        elif key == "delay":
            faults.delay = float(value)
        else:
            device.control(key, value)


def main() -> None:
    """``python -m tests.support.ptysim <module> [json kwargs] [logfile]``."""
    module = importlib.import_module(sys.argv[1])
    kwargs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    log = Path(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
    serve(module.Device(**kwargs), log)


# -- the test side -------------------------------------------------------------


class PtySimulator:
    """A simulated UPS in a child process; use as a context manager."""

    def __init__(self, module: str, log: Path, **kwargs: Any) -> None:
        self.log = log
        root = Path(__file__).resolve().parents[2]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.ptysim", module, json.dumps(kwargs), str(log)],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if not line.startswith("/dev/"):
            self.stop()
            raise RuntimeError(f"simulator {module} did not start: {line!r}")
        self.port = line

    def control(self, **settings: Any) -> None:
        """Change the device or its faults now; returns once the child applied it."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(settings).encode() + b"\n")
        self._proc.stdin.flush()
        if self._proc.stdout.readline().strip() != b"ok":
            raise RuntimeError("simulator did not acknowledge the change")

    def received(self) -> bytes:
        """Everything the driver has sent to the device so far."""
        return self.log.read_bytes() if self.log.exists() else b""

    def stop(self) -> None:
        if self._proc.poll() is None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> PtySimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
