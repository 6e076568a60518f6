"""The clone driver on a real driver socket, served by our upsd.

A real dummy-ups plays a power cut; ``clone`` follows its socket and
presents one outlet: its own low-battery limit puts it in ``FSD`` first,
its timer switches the outlet off with the real driver's command, and the
timers and status are what NUT's ``clone`` shows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nutpeer import OUR_UPSD, free_port, nut_env, wait_until

BIN = Path(sys.executable).parent
USER = ["-u", "root"] if os.geteuid() == 0 else []

SEQ = """\
ups.mfr: Test
ups.model: Real 1000
battery.charge: 100
battery.runtime: 1800
ups.status: OL
TIMER 2
ups.status: OB DISCHRG
battery.charge: 60
TIMER 600
"""


class Sandbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.env = nut_env(root)
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, *cmd: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{Path(cmd[0]).name}-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(cmd, env=self.env, cwd=self.root, stdout=log, stderr=log)
        log.close()
        self.procs.append(proc)
        return proc

    def get_var(self, ups: str, var: str) -> str:
        """One variable as upsd serves it, or its ``ERR`` reply.

        A plain GET VAR on a socket, not a client process per question: the
        clone's FSD lasts only its ``offdelay``, which a loaded machine could
        spend starting interpreters.
        """
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                sock.sendall(f"GET VAR {ups} {var}\n".encode())
                reply = sock.makefile("r", encoding="utf-8").readline().rstrip("\n")
        except OSError as exc:  # upsd not listening yet
            return f"ERR {exc}"
        prefix = f"VAR {ups} {var} "
        if reply.startswith(prefix):
            return reply[len(prefix) :].strip('"')
        return reply

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path)
    (tmp_path / "real.seq").write_text(SEQ)
    (tmp_path / "ups.conf").write_text(
        "pollinterval = 1\n"
        "[real]\n  driver = dummy-ups\n  port = real.seq\n  mode = dummy-once\n"
        "[outlet1]\n  driver = clone\n  port = dummy-ups-real\n"
        "  mincharge = 70\n  offdelay = 2\n  ondelay = 3\n"
        "  load.off = load.off\n"
    )
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {box.port}\n")
    (tmp_path / "upsd.users").write_text("[admin]\n  password = x\n  instcmds = ALL\n")
    for name in ("ups.conf", "upsd.conf", "upsd.users"):
        (tmp_path / name).chmod(0o600)
    try:
        yield box
    finally:
        box.stop()


def test_clone_follows_the_real_ups_and_shuts_its_outlet_down_first(sandbox: Sandbox) -> None:
    sandbox.spawn(str(BIN / "dummy-ups"), "-a", "real", "-F", *USER)
    wait_until(lambda: (sandbox.root / "dummy-ups-real").exists(), 10, "the real driver")
    sandbox.spawn(str(BIN / "clone"), "-a", "outlet1", "-F", *USER)
    wait_until(lambda: (sandbox.root / "clone-outlet1").exists(), 10, "the clone")
    sandbox.spawn(*OUR_UPSD, "-F", *USER)

    wait_until(lambda: sandbox.get_var("outlet1", "ups.model") == "Real 1000", 15, "clone data")
    # The clone's own settings replace the real driver's.
    assert sandbox.get_var("outlet1", "ups.delay.shutdown") == "2"
    assert sandbox.get_var("outlet1", "ups.delay.start") == "3"
    assert sandbox.get_var("outlet1", "driver.name") == "clone"
    assert sandbox.get_var("outlet1", "battery.charge.low") == "70"

    # On battery at 60 % the real UPS is just OB; the clone (mincharge 70) says FSD ...
    wait_until(lambda: sandbox.get_var("real", "ups.status") == "OB DISCHRG", 15, "the power cut")
    wait_until(
        lambda: sandbox.get_var("outlet1", "ups.status") == "FSD OB DISCHRG", 10, "the clone's FSD"
    )
    # ... counts its timer down and switches the outlet off (the timer goes idle).
    wait_until(
        lambda: (
            sandbox.get_var("outlet1", "ups.timer.shutdown") == "-1"
            and sandbox.get_var("outlet1", "ups.status") == "OB DISCHRG"
        ),
        15,
        "the outlet switched off",
    )
    assert sandbox.get_var("real", "ups.status") == "OB DISCHRG"
    # shutdown.return armed the restart timer, which waits for the power.
    assert sandbox.get_var("outlet1", "ups.timer.start") == "3"
    logs = "".join(p.read_text() for p in sandbox.root.glob("dummy-ups-*.log"))
    assert "instcmd: simulated [load.off]" in logs
