"""Our usbhid-ups as a real process on a replayed HID device, under our upsd.

The device is ``tests/support/hiddouble``'s APC-like descriptor; the
driver reaches it through the transport's test seam.  Read with our upsc.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import OUR_UPSD, NutServer, run, wait_until
from tests.support.usbhidpeer import OUR_USBHID, driver_pid, serve_replay

OUR_UPSC = (sys.executable, "-m", "powerdown.cli.upsc")


def upsc(server: NutServer, *args: str) -> tuple[int, str, str]:
    return run([*OUR_UPSC, server.ups("hid"), *args], env=server.env)


def status(server: NutServer) -> str:
    return server.query("GET VAR hid ups.status")[0]


def test_replayed_device_is_served(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, _ = serve_replay(nut_server_factory, monkeypatch, tmp_path, OUR_UPSD)
    rc, out, err = upsc(server)
    assert rc == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert lines["ups.status"] == "OL CHRG"
    assert lines["battery.charge"] == "95"
    assert lines["driver.name"] == "usbhid-ups"
    assert lines["driver.version.internal"] == "0.47"
    assert lines["driver.version.data"] == "APC HID 0.101"
    assert lines["ups.vendorid"] == "051d"
    assert lines["ups.serial"] == "3B1234X56789"
    assert lines["device.mfr"] == "American Power Conversion"


def test_vanishing_device_goes_stale_and_comes_back_in_the_same_process(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, replay = serve_replay(nut_server_factory, monkeypatch, tmp_path, OUR_UPSD)
    pid = driver_pid(server)
    assert status(server) == 'VAR hid ups.status "OL CHRG"'
    replay.vanish()
    wait_until(lambda: status(server) == "ERR DATA-STALE", 10, "ERR DATA-STALE")
    replay.update_reports({2: bytes([2, 0b0010])})  # it comes back on battery
    replay.come_back()
    wait_until(
        lambda: status(server) == 'VAR hid ups.status "OB DISCHRG"', 10, "fresh data after replug"
    )
    assert driver_pid(server) == pid
    assert "Device has been reconnected" in server.logs()


def test_interrupt_report_reaches_the_status(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, replay = serve_replay(nut_server_factory, monkeypatch, tmp_path, OUR_UPSD)
    replay.push_interrupt(bytes([2, 0b1010]))  # on battery, low
    wait_until(
        lambda: status(server) == 'VAR hid ups.status "OB DISCHRG LB"', 10, "interrupt status"
    )


def test_kill_power_sends_NUTs_sequence(
    nut_server_factory: NutServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, replay = serve_replay(
        nut_server_factory, monkeypatch, tmp_path, OUR_UPSD, offdelay="60", ondelay="120"
    )
    server.stop_process("driver-hid")
    rc, out, err = run([*OUR_USBHID, "-a", "hid", "-k", "-u", "root"], env=server.env)
    assert rc == 0, out + err
    # shutdown.return: DelayBeforeStartup = ondelay, then DelayBeforeShutdown = offdelay
    assert replay.set_reports() == [(4, bytes([4, 120, 0])), (3, bytes([3, 60, 0]))]
    assert "Shutdown successful with 'shutdown.return'" in out + err


def test_no_device_is_fatal_with_NUTs_message(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "NUT_STATEPATH": str(tmp_path), "NUT_CONFPATH": str(tmp_path)}
    env["POWERDOWN_USBHID_REPLAY"] = str(tmp_path / "device.json")
    (tmp_path / "device.json.gone").write_text("")
    rc, out, err = run([*OUR_USBHID, "-s", "x", "-x", "port=auto", "-F", "-u", "root"], env=env)
    assert rc == 1
    assert "No matching HID UPS found" in out + err


def test_real_libusb_finds_no_matching_device(tmp_path: Path) -> None:
    """Real pyusb on libusb-1.0: no device here has vendor id ffff, so NUT's fatal message."""
    import usb.backend.libusb1
    import usb.core

    from powerdown.drivers.usbhid import transport

    assert usb.backend.libusb1.get_backend() is not None
    listed = list(usb.core.find(find_all=True))
    hid = transport.open_devices()
    assert len(hid) <= len(listed)
    assert all(dev.info.vendorid != 0xFFFF for dev in hid)
    for dev in hid:
        dev.close()
    env = {"PATH": "/usr/bin:/bin", "NUT_STATEPATH": str(tmp_path), "NUT_CONFPATH": str(tmp_path)}
    cmd = [*OUR_USBHID, "-s", "x", "-x", "port=auto", "-x", "vendorid=ffff", "-F", "-u", "root"]
    rc, out, err = run(cmd, env=env)
    assert rc == 1
    assert "No matching HID UPS found" in out + err
