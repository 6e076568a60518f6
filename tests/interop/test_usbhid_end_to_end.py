"""Our usbhid-ups on a replayed HID device under NUT 2.8.0's upsd, read with Debian's clients.

``upscmd`` and ``upsrw`` go through NUT's upsd to our driver and end as
SET_REPORT transfers with the bytes NUT's driver would send; an unplugged
device makes NUT's upsd answer ``Data stale`` and the same driver process
recovers when the device returns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    NutServer,
    run,
    wait_until,
)
from tests.support.usbhidpeer import LOGIN, driver_pid, serve_replay

pytestmark = pytest.mark.interop


def upsc(server: NutServer, *args: str) -> tuple[int, str, str]:
    rc, out, err = run([NUT_UPSC, server.ups("hid"), *args], env=server.env)
    return rc, out, err.replace("Init SSL without certificate database\n", "")


def test_debian_upsc_reads_our_driver(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, _ = serve_replay(nut_server_factory, monkeypatch, tmp_path, NUT_UPSD)
    rc, out, err = upsc(server, "ups.status")
    assert (rc, out, err) == (0, "OL CHRG\n", "")
    rc, out, _ = upsc(server)
    assert "battery.runtime: 1800\n" in out
    assert "ups.beeper.status: enabled\n" in out
    rc, out, _ = run([NUT_UPSCMD, "-l", server.ups("hid")], env=server.env)
    assert "load.off - " in out and "shutdown.return - " in out and "beeper.disable - " in out
    rc, out, _ = run([NUT_UPSRW, server.ups("hid")], env=server.env)
    assert "[battery.charge.low]" in out and "[ups.delay.shutdown]" in out


def test_upscmd_and_upsrw_end_as_SET_REPORT(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, replay = serve_replay(nut_server_factory, monkeypatch, tmp_path, NUT_UPSD)
    rc, out, err = run(
        [NUT_UPSCMD, *LOGIN, "-w", server.ups("hid"), "beeper.disable"], env=server.env
    )
    assert rc == 0, out + err
    assert err == "SUCCESS\n"
    assert replay.set_reports() == [(5, bytes([5, 1]))]
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "battery.charge.low=25", server.ups("hid")],
        env=server.env,
    )
    assert rc == 0, out + err
    assert replay.set_reports()[-1] == (1, bytes([1, 95, 25, 0x08, 0x07]))
    wait_until(lambda: upsc(server, "battery.charge.low")[1] == "25\n", 10, "new low limit")
    wait_until(lambda: upsc(server, "ups.beeper.status")[1] == "disabled\n", 10, "beeper")


def test_unplugged_device_is_stale_then_recovers(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, replay = serve_replay(nut_server_factory, monkeypatch, tmp_path, NUT_UPSD)
    pid = driver_pid(server)
    replay.vanish()
    wait_until(lambda: upsc(server, "ups.status")[2] == "Error: Data stale\n", 10, "stale")
    replay.come_back()
    wait_until(lambda: upsc(server, "ups.status")[1] == "OL CHRG\n", 10, "recovery")
    assert driver_pid(server) == pid
