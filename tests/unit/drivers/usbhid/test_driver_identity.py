"""What the driver publishes about the device itself, where the subdriver needs device values."""

from __future__ import annotations

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.usbhid.driver import HidUps, Settings
from powerdown.drivers.usbhid.subdrivers import mge
from powerdown.drivers.usbhid.transport import HidDevice
from tests.support.hiddouble import ReplayDevice, from_capture, make_device


def _identity(dev: ReplayDevice) -> dict[str, str]:
    d = Dstate()
    devices: list[HidDevice] = [dev]
    core = HidUps(Settings(), d, opener=lambda: devices)
    core.initups()
    return {k: v for k, v in (line.split(": ", 1) for line in d.upsc_lines())}


def test_apc_splits_the_firmware_out_of_the_product_string() -> None:
    """NUT's apc_format_model: "Back-UPS XS 1400U FW:926.T2 .I USB FW:T2"."""
    seen = _identity(make_device(product="Back-UPS XS 1400U FW:926.T2 .I USB FW:T2"))
    assert seen["ups.model"] == "Back-UPS XS 1400U"
    assert seen["ups.firmware"] == "926.T2 .I"
    assert seen["ups.firmware.aux"] == "T2"


def test_mge_names_the_model_from_the_devices_apparent_power() -> None:
    """The Eaton 3S 700 of NUT #2887 has no iModel; NUT names it from ConfigApparentPower (700)."""
    seen = _identity(from_capture("eaton-3s-700", product="Eaton 3S"))
    assert mge.STATE.apparent_power == 700
    assert seen["ups.model"] == mge.model_name("Eaton 3S", "700")[0]
    assert seen["ups.model"] == "Eaton 3S 700"


def _core(dev: ReplayDevice, settings: Settings | None = None) -> HidUps:
    devices: list[HidDevice] = [dev]
    core = HidUps(settings or Settings(), Dstate(), opener=lambda: devices)
    core.initups()
    return core


def test_apc_5g_smart_ups_is_polled_without_its_interrupt_pipe() -> None:
    """NUT's apc-hid: 051d:0003 uses its interrupt pipe for APC's own protocol."""
    assert _core(make_device(productid=0x0002)).use_interrupt
    assert not _core(make_device(productid=0x0003)).use_interrupt


def test_back_ups_cs_gets_the_max_report_tweak() -> None:
    assert _core(make_device(product="Back-UPS CS 650 FW:817.v9.I USB FW:v9")).s.maxreport
    assert not _core(make_device(product="Back-UPS ES 700")).s.maxreport


def test_every_report_the_device_returns_reaches_evers_report_store() -> None:
    """Ever's text values read raw reports no row maps (NUT reads its report buffer)."""
    from powerdown.drivers.usbhid.subdrivers import ever

    ever.REPORTS.data.clear()
    dev = make_device(vendorid=ever.EVER_VENDORID, productid=0xFFFF)
    core = _core(dev)
    assert core.sub is ever.SUBDRIVER
    core.initinfo(0.0)
    assert dev.gets, "the walk read no report"
    for rid in set(dev.gets):
        assert ever.REPORTS.get(rid) == dev.reports[rid]
