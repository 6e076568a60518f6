"""The pyusb transport (``transport.PyUsbDevice``) on simulated devices behind a pyusb backend.

Nothing here replaces the transport: pyusb runs with ``tests.support.usbbackend``
as its backend (libusb's place), so every setup packet, claim, kernel-driver
detach and error mapping below is the transport's real code.  The setup
packets asserted are the ones NUT's ``libusb1.c`` sends (facts from NUT HEAD).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.framework import DeviceError
from powerdown.drivers.usbhid import transport
from powerdown.drivers.usbhid.driver import DEFAULT_POLLFREQ, HidUps, Settings
from powerdown.drivers.usbhid.hidparser import ReportKind
from powerdown.drivers.usbhid.subdrivers import arduino, belkin
from powerdown.drivers.usbhid.transport import (
    HidBusy,
    HidGone,
    HidIOError,
    PyUsbDevice,
    PyUsbOpener,
    UsbInfo,
    UsbNumbers,
    parse_usb_options,
    usb_numbers,
)
from tests.support.hiddouble import TEST_DESCRIPTOR, TEST_INFO, TEST_REPORTS
from tests.support.usbbackend import (
    LIBUSB_ERROR_IO,
    LIBUSB_ERROR_PIPE,
    Setup,
    SimBackend,
    SimUps,
    from_capture,
)
from tests.unit.drivers.usbhid.test_driver_on_captures import CASES, FROM_OPTIONS

GET_DESCRIPTOR = 0x06


def apc_ups(**knobs: Any) -> SimUps:
    """A UPS on the hand-built APC descriptor, with all three strings."""
    fields: dict[str, Any] = {
        "vendorid": TEST_INFO.vendorid,
        "productid": TEST_INFO.productid,
        "descriptor": TEST_DESCRIPTOR,
        "reports": dict(TEST_REPORTS),
        "strings": {1: TEST_INFO.vendor, 2: TEST_INFO.product, 3: TEST_INFO.serial},
        "imanufacturer": 1,
        "iproduct": 2,
        "iserial": 3,
        "bcd_device": 0x0106,
    }
    fields.update(knobs)
    return SimUps(**fields)


def only(backend: SimBackend) -> PyUsbDevice:
    devices = PyUsbOpener(backend)()
    assert len(devices) == 1
    dev = devices[0]
    assert isinstance(dev, PyUsbDevice)
    return dev


# -- listing -------------------------------------------------------------------------


def test_open_devices_lists_the_ups_as_NUT_names_it() -> None:
    ups = apc_ups(bus=3, port=7)
    backend = SimBackend([ups])
    (dev,) = transport.open_devices(backend)
    assert dev.info == UsbInfo(
        vendorid=0x051D,
        productid=0x0002,
        vendor="American Power Conversion",
        product="Back-UPS TEST 1500",
        serial="3B1234X56789",
        bus="003",
        device=f"{ups.address:03d}",
        busport="007",
        bcd_device=0x0106,
    )
    # listing reads strings only: nothing claimed, the kernel driver left alone
    assert ups.claimed == set() and ups.detached == []


def test_strings_are_read_as_NUT_reads_them() -> None:
    """Language list first (4 bytes), then the string in the first language, 255 bytes."""
    ups = apc_ups()
    only(SimBackend([ups]))
    strings = ups.requests(GET_DESCRIPTOR)
    assert strings[:2] == [
        Setup(0x80, GET_DESCRIPTOR, 0x0300, 0, 4),
        Setup(0x80, GET_DESCRIPTOR, 0x0301, 0x0409, 255),
    ]
    assert {s.wValue for s in strings} == {0x0300, 0x0301, 0x0302, 0x0303}


def test_missing_empty_and_wide_strings() -> None:
    """No index or an empty string: no string; beyond 8 bits NUT prints '?'."""
    ups = apc_ups(iserial=0, strings={1: "Eaton\u2122", 2: ""})
    dev = only(SimBackend([ups]))
    assert (dev.info.vendor, dev.info.product, dev.info.serial) == ("Eaton?", None, None)


def test_a_broken_language_list_means_en_US() -> None:
    ups = apc_ups(langids=bytes((2, 3)))
    dev = only(SimBackend([ups]))
    assert dev.info.vendor == "American Power Conversion"
    assert ups.requests(GET_DESCRIPTOR)[1] == Setup(0x80, GET_DESCRIPTOR, 0x0301, 0x0409, 255)


def test_no_device_address_is_the_place_in_the_listing() -> None:
    first, second = apc_ups(), apc_ups(no_address=True)
    devices = PyUsbOpener(SimBackend([first, second]))()
    assert [d.info.device for d in devices] == [f"{first.address:03d}", "001"]


def test_a_capture_lists_with_its_ids() -> None:
    ups = from_capture("eaton-3s-700")
    dev = only(SimBackend([ups]))
    assert (dev.info.vendorid, dev.info.productid) == (0x0463, 0xFFFF)


def test_an_unplugged_device_is_not_listed() -> None:
    ups = apc_ups()
    backend = SimBackend([ups])
    ups.unplug()
    assert PyUsbOpener(backend)() == []


# -- the report descriptor -------------------------------------------------------------


def test_report_descriptor_is_the_captures_after_detach_and_claim() -> None:
    ups = from_capture("apc-back-ups-xs-1400u")
    dev = only(SimBackend([ups]))
    assert dev.report_descriptor() == ups.descriptor
    assert ups.detached == [0]
    assert ups.claimed == {0}
    n = len(ups.descriptor)
    assert ups.requests(GET_DESCRIPTOR)[-2:] == [
        Setup(0x81, GET_DESCRIPTOR, 0x2100, 0, 9),
        Setup(0x81, GET_DESCRIPTOR, 0x2200, 0, n),
    ]


def test_only_the_interface_copy_of_the_HID_descriptor() -> None:
    """Some UPSes stall GET_DESCRIPTOR(HID): the interface's extra bytes give the length."""
    ups = from_capture("eaton-3s-700", hid_direct=False)
    dev = only(SimBackend([ups]))
    assert dev.report_descriptor() == ups.descriptor
    assert ups.requests(GET_DESCRIPTOR)[-1].wLength == len(ups.descriptor)


def test_only_the_HID_descriptor_asked_for() -> None:
    ups = from_capture("eaton-3s-700", hid_in_extra=False)
    dev = only(SimBackend([ups]))
    assert dev.report_descriptor() == ups.descriptor


def test_no_HID_descriptor_at_all_is_an_io_error() -> None:
    ups = apc_ups(hid_in_extra=False, hid_direct=False)
    dev = only(SimBackend([ups]))
    with pytest.raises(HidIOError, match="Unable to retrieve any HID descriptor"):
        dev.report_descriptor()


def test_the_interface_copy_of_the_length_is_tried_first() -> None:
    """NUT: "always choose the second value" (the interface's), as lsusb reports it."""
    ups = from_capture("eaton-3s-700", extra_length=100)
    dev = only(SimBackend([ups]))
    assert dev.report_descriptor() == ups.descriptor[:100]
    assert ups.requests(GET_DESCRIPTOR)[-1].wLength == 100


def test_eaton_0202_asks_for_descriptor_index_1_and_the_direct_length_first() -> None:
    ups = from_capture("eaton-3s-700", bcd_device=0x0202, desc_index=1, extra_length=100)
    dev = only(SimBackend([ups]))
    dev.tune(usb_numbers(dev.info, {}, None))
    assert dev.report_descriptor() == ups.descriptor
    assert [(s.wValue, s.wLength) for s in ups.requests(GET_DESCRIPTOR)[-2:]] == [
        (0x2101, 9),
        (0x2201, len(ups.descriptor)),
    ]


# -- reports -----------------------------------------------------------------------------


def test_get_report_sends_NUTs_setup_packet() -> None:
    ups = apc_ups()
    dev = only(SimBackend([ups]))
    assert dev.get_report(1, ReportKind.FEATURE, 5) == TEST_REPORTS[1]
    assert ups.setups[-1] == Setup(0xA1, 0x01, 0x0301, 0, 5)
    assert dev.get_report(2, ReportKind.FEATURE, 1) == TEST_REPORTS[2][:1]


def test_set_report_sends_NUTs_setup_packet_and_data() -> None:
    ups = apc_ups()
    dev = only(SimBackend([ups]))
    dev.set_report(3, ReportKind.FEATURE, bytes([3, 0x14, 0x00]))
    assert ups.setups[-1] == Setup(0x21, 0x09, 0x0303, 0, 3, bytes([3, 0x14, 0x00]))
    assert ups.sets == [(0x0303, 0, bytes([3, 0x14, 0x00]))]


def test_interrupt_read_returns_queued_reports_then_none_on_timeout() -> None:
    ups = apc_ups()
    dev = only(SimBackend([ups]))
    ups.push_interrupt(bytes([2, 0b0110]))
    ups.push_interrupt(bytes([1, 50, 10, 0x08, 0x07]))
    assert dev.interrupt_read(512, 750) == bytes([2, 0b0110])
    assert dev.interrupt_read(3, 750) == bytes([1, 50, 10])
    assert dev.interrupt_read(512, 750) is None
    assert ups.reads == [(0x81, 0, 750)] * 3
    assert ups.claimed == {0} and ups.detached == [0]


# -- faults ------------------------------------------------------------------------------


def test_unplugged_device_is_gone_for_every_call() -> None:
    ups = apc_ups()
    dev = only(SimBackend([ups]))
    dev.report_descriptor()
    ups.unplug()
    with pytest.raises(HidGone):
        dev.get_report(1, ReportKind.FEATURE, 5)
    with pytest.raises(HidGone):
        dev.set_report(3, ReportKind.FEATURE, bytes([3, 0, 0]))
    with pytest.raises(HidGone):
        dev.interrupt_read(512, 750)
    with pytest.raises(HidGone):
        dev.get_string(1)
    dev.close()


def test_unplugged_before_the_claim_is_gone() -> None:
    ups = apc_ups()
    dev = only(SimBackend([ups]))
    ups.unplug()
    with pytest.raises(HidGone):
        dev.report_descriptor()


def test_busy_interface_is_HidBusy_with_NUTs_message() -> None:
    ups = apc_ups(busy=True)
    dev = only(SimBackend([ups]))
    with pytest.raises(
        HidBusy, match=r"^Can't claim USB device \[051d:0002\]@0/0/0: Resource busy"
    ):
        dev.report_descriptor()


def test_a_stalled_report_is_one_failed_transfer() -> None:
    ups = apc_ups(stall={1})
    dev = only(SimBackend([ups]))
    with pytest.raises(HidIOError) as info:
        dev.get_report(1, ReportKind.FEATURE, 5)
    assert not isinstance(info.value, HidGone)
    assert dev.get_report(2, ReportKind.FEATURE, 2) == TEST_REPORTS[2]


def test_a_stalled_interrupt_pipe_is_cleared_and_one_failed_read() -> None:
    ups = apc_ups(interrupt_error=LIBUSB_ERROR_PIPE)
    dev = only(SimBackend([ups]))
    with pytest.raises(HidIOError) as info:
        dev.interrupt_read(512, 750)
    assert not isinstance(info.value, HidGone)
    assert ups.cleared == [0x81]


def test_an_io_error_on_the_interrupt_pipe_reconnects_as_NUT() -> None:
    ups = apc_ups(interrupt_error=LIBUSB_ERROR_IO)
    dev = only(SimBackend([ups]))
    with pytest.raises(HidGone):
        dev.interrupt_read(512, 750)


def test_a_report_that_times_out_is_one_failed_transfer() -> None:
    ups = apc_ups(timeout={5})
    dev = only(SimBackend([ups]))
    with pytest.raises(HidIOError) as info:
        dev.get_report(5, ReportKind.FEATURE, 2)
    assert not isinstance(info.value, HidGone)


# -- usb_* numbers -----------------------------------------------------------------------


def test_usb_options_are_hexadecimal_as_NUT_reads_them() -> None:
    given = {"usb_hid_rep_index": "1", "usb_hid_ep_in": "0a", "usb_hid_desc_index": "10"}
    assert parse_usb_options(given.get) == {
        "usb_hid_rep_index": 1,
        "usb_hid_ep_in": 10,
        "usb_hid_desc_index": 16,
    }
    nothing: dict[str, str] = {}
    assert parse_usb_options(nothing.get) == {}
    with pytest.raises(ValueError, match="^could not parse usb_hid_ep_in$"):
        parse_usb_options({"usb_hid_ep_in": "100"}.get)
    with pytest.raises(ValueError, match="^could not parse usb_config_index$"):
        parse_usb_options({"usb_config_index": "one"}.get)


def _settings(options: dict[str, str]) -> Settings:
    ctx = SimpleNamespace(getval=options.get, testvar=lambda name: name in options)
    return Settings.from_context(ctx)  # type: ignore[arg-type]


def test_the_driver_reads_the_usb_options() -> None:
    assert _settings({"usb_hid_rep_index": "1", "usb_hid_ep_in": "4"}).usb == {
        "usb_hid_rep_index": 1,
        "usb_hid_ep_in": 4,
    }
    with pytest.raises(DeviceError, match="could not parse usb_hid_rep_index"):
        _settings({"usb_hid_rep_index": "-1"})


def test_NUTs_defaults_and_the_subdrivers() -> None:
    apc = TEST_INFO
    assert usb_numbers(apc, {}, None) == UsbNumbers()
    board = UsbInfo(vendorid=0x2341, productid=0x8036)
    assert usb_numbers(board, {}, arduino.SUBDRIVER) == UsbNumbers(
        rep_index=2, ep_in=4, ep_out=5, ep_in_given=True
    )
    # the user's value wins over the subdriver's
    assert usb_numbers(board, {"usb_hid_rep_index": 3}, arduino.SUBDRIVER).rep_index == 3
    psi5 = UsbInfo(vendorid=0x10AF, productid=0x0002)
    assert usb_numbers(psi5, {}, belkin.SUBDRIVER) == UsbNumbers(rep_index=1)
    other_liebert = UsbInfo(vendorid=0x10AF, productid=0x0001)
    assert usb_numbers(other_liebert, {}, belkin.SUBDRIVER) == UsbNumbers()


def _open(ups: SimUps, **settings: Any) -> tuple[HidUps, Dstate]:
    d = Dstate()
    core = HidUps(Settings(**settings), d, opener=PyUsbOpener(SimBackend([ups])))
    core.initups()
    return core, d


def test_a_device_whose_HID_interface_is_1_by_option() -> None:
    ups = apc_ups(hid_interface=1, ep_in=0x82)
    core, _ = _open(ups, usb={"usb_hid_rep_index": 1})
    assert ups.detached == [1] and ups.claimed == {1}
    core.initinfo(0.0)
    assert {s.wIndex for s in ups.setups if s.bmRequestType != 0x80} == {1}
    # no usb_hid_ep_in: the interrupt endpoint the interface declares
    ups.push_interrupt(bytes([2, 0b0101]))
    assert core.read_interrupt() == bytes([2, 0b0101])
    assert ups.reads[-1][:2] == (0x82, 1)


def test_without_the_option_interface_0_is_not_the_HID_one() -> None:
    """NUT's default interface 0 on such a device: no HID descriptor, not a UPS."""
    ups = apc_ups(hid_interface=1)
    with pytest.raises(DeviceError, match="No matching HID UPS found"):
        _open(ups)


def test_liebert_psi5_uses_interface_1_by_default() -> None:
    ups = apc_ups(vendorid=0x10AF, productid=0x0002, hid_interface=1)
    core, _ = _open(ups)
    assert core.sub is belkin.SUBDRIVER
    assert ups.claimed == {1}
    core.initinfo(0.0)
    assert ups.requests(0x01)  # GET_REPORTs were sent
    assert all(s.wIndex == 1 for s in ups.setups if s.bmRequestType & 0x1F == 1)


def test_arduino_board_reads_interrupts_on_endpoint_4_interface_2() -> None:
    ups = apc_ups(vendorid=0x2341, productid=0x8036, hid_interface=2, ep_in=0x84)
    core, _ = _open(ups)
    assert core.sub is arduino.SUBDRIVER
    ups.push_interrupt(bytes([2, 0b0011]))
    assert core.read_interrupt() == bytes([2, 0b0011])
    assert ups.reads == [(0x84, 2, 750)]


def test_an_endpoint_the_device_lacks_is_an_io_error_not_a_crash() -> None:
    ups = apc_ups()
    core, _ = _open(ups, usb={"usb_hid_ep_in": 3})
    with pytest.raises(HidIOError):
        core.read_interrupt()


def test_a_configuration_index_the_device_lacks_rejects_it() -> None:
    ups = apc_ups()
    with pytest.raises(DeviceError, match="No matching HID UPS found"):
        _open(ups, usb={"usb_config_index": 1})


def test_busy_device_with_allow_duplicates_is_skipped_for_the_next() -> None:
    held = apc_ups(busy=True, strings={1: "APC", 2: "Back-UPS", 3: "HELD"})
    free = apc_ups(strings={1: "APC", 2: "Back-UPS", 3: "FREE"})
    d = Dstate()
    core = HidUps(Settings(allow_duplicates=True), d, opener=PyUsbOpener(SimBackend([held, free])))
    core.initups()
    assert d.getinfo("ups.serial") == "FREE"


def test_busy_device_without_allow_duplicates_is_NUTs_fatal_claim_error() -> None:
    with pytest.raises(DeviceError, match=r"Can't claim USB device \[051d:0002\]@0/0/0"):
        _open(apc_ups(busy=True))


# -- the whole driver core over the pyusb transport ----------------------------------------


def _run(ups: SimUps) -> tuple[dict[str, str], HidUps]:
    d = Dstate()
    core = HidUps(Settings(), d, opener=PyUsbOpener(SimBackend([ups])))
    core.initups()
    core.initinfo(0.0)
    core.update(DEFAULT_POLLFREQ + 1.0, None)
    published = dict(line.split(": ", 1) for line in d.upsc_lines())
    return {k: v for k, v in published.items() if not k.startswith(FROM_OPTIONS)}, core


@pytest.mark.parametrize("name", sorted(CASES))
def test_driver_over_pyusb_publishes_what_the_replay_tests_expect(name: str) -> None:
    case = CASES[name]
    ours, core = _run(from_capture(name))
    assert isinstance(core.dev, PyUsbDevice)
    assert set(ours) == set(case.expected) | set(case.also) | set(case.not_compared)
    assert {k: ours[k] for k in case.expected} == case.expected
    assert {k: ours[k] for k in case.also} == case.also


def test_instcmd_reaches_the_device_as_NUTs_SET_REPORT() -> None:
    ups = apc_ups()
    core, _ = _open(ups)
    core.initinfo(0.0)
    assert core.instcmd("load.off", None).name == "HANDLED"
    # UPS.PowerSummary.DelayBeforeShutdown (report 3) set to 0
    assert ups.sets[-1] == (0x0303, 0, bytes([3, 0, 0]))


def test_interrupt_report_through_pyusb_updates_status() -> None:
    ups = apc_ups()
    core, d = _open(ups)
    core.initinfo(0.0)
    core.update(1.0, core.read_interrupt())
    assert d.getinfo("ups.status") == "OL CHRG"
    # ACPresent 0, Discharging 1: on battery
    ups.push_interrupt(bytes([2, 0b0010]))
    core.update(2.0, core.read_interrupt())
    assert d.getinfo("ups.status") == "OB DISCHRG"


def test_unplug_mid_poll_then_replug_at_a_new_address() -> None:
    """Stale on HidGone, then the exact matcher finds *our* UPS again, not another one."""
    ups = from_capture(
        "apc-back-ups-xs-1400u", strings={3: "3B1500X00001"}, iserial=3, bus=1, port=4
    )
    backend = SimBackend([ups])
    d = Dstate()
    core = HidUps(Settings(), d, opener=PyUsbOpener(backend))
    core.initups()
    core.initinfo(0.0)
    core.update(DEFAULT_POLLFREQ + 1.0, None)
    assert d.getinfo("battery.charge") == "100"
    before = core.dev
    assert before is not None
    old_address = before.info.device

    ups.unplug()
    with pytest.raises(HidGone):
        core.update(DEFAULT_POLLFREQ + 3.0, core.read_interrupt())
    core.drop()
    assert not core.reconnect(DEFAULT_POLLFREQ + 5.0)

    # another UPS of the same model appears first on the bus; ours comes back
    other = from_capture("apc-back-ups-xs-1400u", strings={3: "OTHER"}, iserial=3)
    backend.add(other, first=True)
    backend.plug(ups)
    assert core.reconnect(DEFAULT_POLLFREQ + 7.0)
    assert core.dev is not None and core.dev is not before
    assert core.dev.info.serial == "3B1500X00001"
    assert core.dev.info.device == f"{ups.address:03d}" != old_address
    assert other.claimed == set()
    assert ups.detached == [0, 0]  # the kernel driver rebound on re-plug, detached again
    core.update(2 * DEFAULT_POLLFREQ + 9.0, core.read_interrupt())
    assert d.getinfo("battery.charge") == "100"
    assert d.getinfo("ups.status") == "OL"
