"""usbhid-ups as a real process on a replayed device, under a sandboxed upsd.

The driver finds its device through the test seam of
``powerdown.drivers.usbhid.transport`` (``POWERDOWN_USBHID_REPLAY``), so
the replay file is steered from the test (``hiddouble.ReplayFile``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.hiddouble import (
    TEST_DESCRIPTOR,
    TEST_INFO,
    TEST_REPORTS,
    ReplayFile,
    write_replay,
)
from tests.support.nutpeer import NutServer, Port, User

OUR_USBHID: tuple[str, ...] = (str(Path(sys.executable).parent / "usbhid-ups"),)
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")


def serve_replay(
    factory: NutServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    upsd_cmd: Sequence[str],
    **options: str,
) -> tuple[NutServer, ReplayFile]:
    """Our usbhid-ups on the test device (``hiddouble.TEST_DESCRIPTOR``) under ``upsd_cmd``."""
    replay = write_replay(
        tmp_path / "device.json", info=TEST_INFO, descriptor=TEST_DESCRIPTOR, reports=TEST_REPORTS
    )
    monkeypatch.setenv("POWERDOWN_USBHID_REPLAY", str(replay.path))
    opts = {"pollinterval": "1", **options}
    server = factory(
        {"hid": Port("auto")},
        users=ADMIN,
        upsd_cmd=upsd_cmd,
        driver_cmd=OUR_USBHID,
        driver_options={"hid": opts},
    )
    return server, replay


def driver_pid(server: NutServer) -> int:
    for proc in server._procs:
        if proc.name == "driver-hid":
            return proc.popen.pid
    raise KeyError("driver-hid")
