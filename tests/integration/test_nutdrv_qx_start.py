"""Our nutdrv_qx refusing to start, with NUT's messages, against a simulated UPS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.nutpeer import nut_env
from tests.support.ptysim import PtySimulator

OUR_QX = str(Path(sys.executable).parent / "nutdrv_qx")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (["cablepower=weird"], "Value 'weird' not valid for 'cablepower'"),
        (["protocol=voltronic-qs-hex"], "protocol 'voltronic-qs-hex' is not implemented yet"),
        (["protocol=nonesuch"], "Device not supported!"),
        (["protocol=megatec", "ondelay=-5"], "Start delay '-5' out of range"),
        (["protocol=megatec", "runtimecal=1,2"], "Insufficient parameters for runtimecal"),
        (["vendorid=0665"], "USB devices are not supported"),
    ],
)
def test_refuses_to_start(settings: list[str], message: str, tmp_path: Path) -> None:
    with PtySimulator("tests.support.sim_qx", tmp_path / "sim.log", protocol="megatec") as sim:
        argv = [OUR_QX, "-s", "qx", "-x", f"port={sim.port}", "-d", "1"]
        for setting in settings:
            argv += ["-x", setting]
        argv += ["-u", "root"] if os.geteuid() == 0 else []
        done = subprocess.run(
            argv, env=nut_env(tmp_path), capture_output=True, text=True, timeout=20
        )
    assert done.returncode == 1
    assert message in done.stderr


def test_a_silent_port_is_not_a_ups(tmp_path: Path) -> None:
    with PtySimulator("tests.support.sim_qx", tmp_path / "sim.log", protocol="q1") as sim:
        sim.control(mode="silent")
        argv = [OUR_QX, "-s", "qx", "-x", f"port={sim.port}", "-x", "protocol=q1", "-d", "1"]
        argv += ["-u", "root"] if os.geteuid() == 0 else []
        done = subprocess.run(
            argv, env=nut_env(tmp_path), capture_output=True, text=True, timeout=20
        )
        # three tries of the claim, one second each, as NUT
        assert sim.received() == b"Q1\r" * 3
    assert done.returncode == 1
    assert "Device not supported!" in done.stderr
