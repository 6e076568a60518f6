"""A running driver re-reads ups.conf: SIGHUP, ``-c reload``, ``-c reload-or-exit``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nutpeer import ddl, nut_env, wait_until

DUMMY = str(Path(sys.executable).parent / "dummy-ups")
USER = ["-u", "root"] if os.geteuid() == 0 else []


def conf(root: Path, extra: str = "", port: str = "apc.dev") -> None:
    (root / "ups.conf").write_text(
        f"pollinterval = 2\n[apc]\n  driver = dummy-ups\n  port = {port}\n{extra}"
    )


def value(root: Path, name: str) -> str | None:
    """``DUMPVALUE`` on the driver's socket: the value, or None."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(3)
        s.connect(str(root / "dummy-ups-apc"))
        s.sendall(f"DUMPVALUE {name}\n".encode())
        data = b""
        # A broadcast (a reload's changes) may follow DUMPDONE in the same read.
        while b"DUMPDONE\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    for line in data.split(b"DUMPDONE\n", 1)[0].decode().splitlines():
        if line.startswith(f"SETINFO {name} "):
            return line.split(" ", 2)[2].strip('"')
    return None


Running = tuple[Path, "subprocess.Popen[bytes]", dict[str, str]]


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Running]:
    (tmp_path / "apc.dev").write_bytes(ddl("APC", "Back-UPS").read_bytes())
    (tmp_path / "other.dev").write_text("ups.model: Other\n")
    conf(tmp_path)
    env = nut_env(tmp_path)
    with open(tmp_path / "driver.log", "wb") as log:
        proc = subprocess.Popen([DUMMY, "-a", "apc", "-F", *USER], env=env, stdout=log, stderr=log)
    try:
        wait_until(lambda: (tmp_path / "dummy-ups-apc").exists(), 10, "the driver socket")
        yield tmp_path, proc, env
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(5)


def test_sighup_applies_pollinterval_and_overrides(driver: Running) -> None:
    root, proc, _ = driver
    assert value(root, "driver.parameter.pollinterval") == "2"
    conf(root, "  pollinterval = 1\n  override.ups.model = Renamed\n")
    proc.send_signal(signal.SIGHUP)
    wait_until(lambda: value(root, "driver.parameter.pollinterval") == "1", 10, "the reload")
    assert value(root, "ups.model") == "Renamed"
    assert proc.poll() is None


def test_c_reload_goes_over_the_socket_and_reports_success(driver: Running) -> None:
    root, proc, env = driver
    conf(root, "  pollinterval = 3\n")
    done = subprocess.run([DUMMY, "-a", "apc", "-c", "reload"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert value(root, "driver.parameter.pollinterval") == "3"


def test_reload_or_error_and_reload_or_exit_on_a_change_that_needs_a_restart(
    driver: Running,
) -> None:
    root, proc, env = driver
    conf(root, port="other.dev")
    done = subprocess.run(
        [DUMMY, "-a", "apc", "-c", "reload-or-error"], env=env, capture_output=True
    )
    assert done.returncode == 1
    assert proc.poll() is None
    assert "need a driver restart: port" in (root / "driver.log").read_text()
    done = subprocess.run(
        [DUMMY, "-a", "apc", "-c", "reload-or-exit"], env=env, capture_output=True
    )
    assert done.returncode == 0
    assert proc.wait(10) == 0
    assert not (root / "dummy-ups-apc").exists()


def test_a_broken_ups_conf_keeps_the_old_configuration(driver: Running) -> None:
    root, proc, env = driver
    (root / "ups.conf").write_text("[apc]\n  driver = dummy-ups\n  pollinterval = zero\n")
    # -c reads ups.conf too (to find the driver), so it names the error itself.
    done = subprocess.run([DUMMY, "-a", "apc", "-c", "reload"], env=env, capture_output=True)
    assert done.returncode == 1
    assert b"ups.conf:3: invalid pollinterval: zero" in done.stderr
    # The driver itself, told by signal, logs it and keeps what it had.
    proc.send_signal(signal.SIGHUP)
    wait_until(
        lambda: "ups.conf:3: invalid pollinterval: zero" in (root / "driver.log").read_text(),
        10,
        "the driver to log the error",
    )
    assert proc.poll() is None
    assert value(root, "driver.parameter.pollinterval") == "2"
