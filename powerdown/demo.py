"""The live demo: a simulated UPS, upsd on loopback, and upsc reading it.

Everything runs in a throw-away directory (NUT_CONFPATH/NUT_STATEPATH point
at it), on 127.0.0.1 and a free port, as the current user; nothing needs
root or hardware, and every process the demo starts is stopped by its pid.

The simulated UPS is powerdown's own ``dummy-ups`` replaying
``data/demo.seq``: on line, a power cut, low battery, power back, served
by powerdown's ``upsd`` over NUT's driver socket protocol.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

__all__ = ["main"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _driver_command() -> list[str]:
    cmd = [sys.executable, "-m", "powerdown.drivers.dummy.driver", "-a", "demo", "-F"]
    if os.geteuid() == 0:
        cmd += ["-u", "root"]  # a driver started as root drops to "nut", who can't read the sandbox
    return cmd


def _write_sandbox(root: Path, port: int) -> None:
    seq = resources.files("powerdown") / "data" / "demo.seq"
    (root / "demo.seq").write_text(seq.read_text())
    (root / "ups.conf").write_text(
        "pollinterval = 1\n"
        '[demo]\n  driver = dummy-ups\n  port = demo.seq\n  desc = "Simulated UPS (demo)"\n'
    )
    (root / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\nMAXAGE 15\n")
    (root / "upsd.users").write_text(
        "[admin]\n  password = demo\n  actions = SET FSD\n  instcmds = ALL\n"
    )
    for name in ("ups.conf", "upsd.conf", "upsd.users"):
        (root / name).chmod(0o600)


@contextlib.contextmanager
def _started(
    cmd: Sequence[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _upsc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "powerdown.cli.upsc", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )


def _wait_ready(env: dict[str, str], target: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if _upsc(env, target, "ups.status").returncode == 0:
            return True
        time.sleep(0.2)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="powerdown-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=24.0, help="how long to watch the UPS")
    args = parser.parse_args(argv)

    driver = _driver_command()
    root = Path(tempfile.mkdtemp(prefix="powerdown-demo-"))
    port = _free_port()
    target = f"demo@127.0.0.1:{port}"
    env = dict(os.environ)
    for name in ("NUT_CONFPATH", "NUT_STATEPATH", "NUT_ALTPIDPATH", "NUT_PIDPATH"):
        env[name] = str(root)
    try:
        _write_sandbox(root, port)
        print(f"sandbox {root}; upsd on 127.0.0.1:{port}\n")
        upsd = [sys.executable, "-m", "powerdown.cli.upsd", "-F"]
        with _started(driver, env, root / "driver.log"), _started(upsd, env, root / "upsd.log"):
            if not _wait_ready(env, target, time.monotonic() + 15):
                print("powerdown-demo: upsd did not serve the UPS in time; logs:", file=sys.stderr)
                for log in ("driver.log", "upsd.log"):
                    print((root / log).read_text(errors="replace"), file=sys.stderr)
                return 1
            print(f"$ upsc {target}")
            print(_upsc(env, target).stdout)
            print(f"Watching ups.status for {args.seconds:.0f} s (a scripted power cut):")
            last = None
            end = time.monotonic() + args.seconds
            start = time.monotonic()
            while time.monotonic() < end:
                status = _upsc(env, target, "ups.status").stdout.strip()
                charge = _upsc(env, target, "battery.charge").stdout.strip()
                if (status, charge) != last:
                    print(
                        f"  t={time.monotonic() - start:5.1f}s  ups.status: {status:<14}"
                        f" battery.charge: {charge}"
                    )
                    last = (status, charge)
                time.sleep(0.5)
        print("\nDone: driver and upsd stopped.")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
