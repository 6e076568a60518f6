"""Simulated USB HID UPSes behind a pyusb backend: the transport's real code without hardware.

Strategy
--------
pyusb lets a program hand ``usb.core.find(backend=...)`` its own backend (the
``usb.backend.IBackend`` calls libusb's backend makes).  ``SimBackend`` is
one: it presents ``SimUps`` devices built from a capture in
``tests/data/usbhid`` (``hidcaptures.load``) and answers as a USB HID device
and libusb-1.0 on Linux do, so ``transport.PyUsbDevice`` runs unchanged on
top of it:

- descriptors: a device descriptor (the capture's VID:PID, ``bcdDevice``,
  string indexes 1/2/3 for manufacturer/product/serial when the capture has
  the string), one configuration whose HID interface (class 3) carries the
  HID class descriptor (type 0x21, the report descriptor's length) in its
  extra bytes, and an interrupt-IN endpoint;
- control transfers: GET_DESCRIPTOR string (language list at index 0),
  GET_DESCRIPTOR HID (0x21) and report (0x22) on the interface, HID
  GET_REPORT (``0xA1 0x01``, wValue = type << 8 | id) from the capture's
  reports and SET_REPORT (``0x21 0x09``), recorded and kept (a later
  GET_REPORT answers with what was set); every setup packet is recorded in
  ``SimUps.setups``;
- interrupt reads from a queue, ``USBTimeoutError`` when it is empty;
- the kernel's usbhid driver holds the HID interface until detached: claiming
  it before raises LIBUSB_ERROR_BUSY, as libusb does on Linux.

Faults, as libusb-1.0 reports them through pyusb's libusb1 backend
(``USBError(strerror, libusb error code, errno)``): ``unplug()`` (every call
on the device raises LIBUSB_ERROR_NO_DEVICE / ENODEV and enumeration no
longer lists it), ``plug()`` (back with a new device address, kernel driver
bound again, earlier handles stay dead: a re-plugged device is a new
device), ``busy`` (another program holds the interface), ``stall`` (a pipe
error on a report id), ``timeout`` (a report id that times out).
"""

from __future__ import annotations

import array
import errno
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import usb.backend
import usb.core

from tests.support import hidcaptures

__all__ = [
    "SimBackend",
    "SimUps",
    "Setup",
    "from_capture",
    "LIBUSB_ERROR_IO",
    "LIBUSB_ERROR_NO_DEVICE",
    "LIBUSB_ERROR_NOT_FOUND",
    "LIBUSB_ERROR_BUSY",
    "LIBUSB_ERROR_TIMEOUT",
    "LIBUSB_ERROR_PIPE",
]

# libusb-1.0's error codes, their libusb_strerror texts and the errno pyusb attaches.
LIBUSB_ERROR_IO = -1
LIBUSB_ERROR_ACCESS = -3
LIBUSB_ERROR_NO_DEVICE = -4
LIBUSB_ERROR_NOT_FOUND = -5
LIBUSB_ERROR_BUSY = -6
LIBUSB_ERROR_TIMEOUT = -7
LIBUSB_ERROR_PIPE = -9
_ERRORS = {
    LIBUSB_ERROR_IO: ("Input/Output Error", errno.EIO),
    LIBUSB_ERROR_ACCESS: ("Access denied (insufficient permissions)", errno.EACCES),
    LIBUSB_ERROR_NO_DEVICE: ("No such device (it may have been disconnected)", errno.ENODEV),
    LIBUSB_ERROR_NOT_FOUND: ("Entity not found", errno.ENOENT),
    LIBUSB_ERROR_BUSY: ("Resource busy", errno.EBUSY),
    LIBUSB_ERROR_TIMEOUT: ("Operation timed out", errno.ETIMEDOUT),
    LIBUSB_ERROR_PIPE: ("Pipe error", errno.EPIPE),
}

_DT_DEVICE, _DT_CONFIG, _DT_STRING, _DT_INTERFACE, _DT_ENDPOINT = 1, 2, 3, 4, 5
_DT_HID, _DT_REPORT = 0x21, 0x22
_GET_DESCRIPTOR = 0x06
_HID_GET_REPORT, _HID_SET_REPORT = 0x01, 0x09


def usb_error(code: int) -> usb.core.USBError:
    """The exception pyusb's libusb1 backend raises for a libusb error code."""
    text, num = _ERRORS[code]
    if code == LIBUSB_ERROR_TIMEOUT:
        return usb.core.USBTimeoutError(text, code, num)
    return usb.core.USBError(text, code, num)


@dataclass(frozen=True, slots=True)
class Setup:
    """One control transfer's setup packet (and the data of an OUT transfer)."""

    bmRequestType: int
    bRequest: int
    wValue: int
    wIndex: int
    wLength: int
    data: bytes = b""


class _Desc:
    """A descriptor as a pyusb backend returns it: fields as attributes."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


@dataclass(eq=False)
class SimUps:
    """One simulated UPS; its attributes are the knobs a test turns."""

    vendorid: int
    productid: int
    descriptor: bytes
    reports: dict[int, bytes]
    strings: dict[int, str] = field(default_factory=dict)
    imanufacturer: int = 0
    iproduct: int = 0
    iserial: int = 0
    bcd_device: int = 0x0100
    bus: int = 1
    port: int = 2
    #: bInterfaceNumber of the HID interface; vendor-class interfaces (no
    #: endpoints, no HID descriptor) come before it.
    hid_interface: int = 0
    #: the interrupt-IN endpoint's address
    ep_in: int = 0x81
    #: the descriptor index the device serves its HID/report descriptors under
    desc_index: int = 0
    #: the HID class descriptor in the interface descriptor's extra bytes
    hid_in_extra: bool = True
    #: GET_DESCRIPTOR(HID) answered (some devices only give the interface's copy)
    hid_direct: bool = True
    #: the report descriptor length the HID descriptor states (None: the real one)
    stated_length: int | None = None
    #: a different length in the interface descriptor's copy only
    extra_length: int | None = None
    interrupts: deque[bytes] = field(default_factory=deque)
    #: the language-id string descriptor (index 0) as the device answers it
    langids: bytes = bytes((4, 3, 0x09, 0x04))
    #: the platform gives no device address (libusb returns 0)
    no_address: bool = False
    # -- faults
    busy: bool = False
    #: a libusb error code every interrupt read fails with
    interrupt_error: int | None = None
    stall: set[int] = field(default_factory=set)
    timeout: set[int] = field(default_factory=set)
    # -- what happened
    setups: list[Setup] = field(default_factory=list)
    sets: list[tuple[int, int, bytes]] = field(default_factory=list)
    claimed: set[int] = field(default_factory=set)
    detached: list[int] = field(default_factory=list)
    reads: list[tuple[int, int, int]] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    address: int = 0
    plugged: bool = True
    #: bumped on every re-plug: handles of an earlier incarnation stay dead
    incarnation: int = 0
    kernel_driver: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.kernel_driver = {self.hid_interface}

    # -- the layout ----------------------------------------------------------------

    def interface_numbers(self) -> list[int]:
        return list(range(self.hid_interface + 1))

    def hid_descriptor(self, *, extra: bool = False) -> bytes:
        length = len(self.descriptor) if self.stated_length is None else self.stated_length
        if extra and self.extra_length is not None:
            length = self.extra_length
        return bytes((9, _DT_HID, 0x11, 0x01, 0, 1, _DT_REPORT, length & 0xFF, length >> 8))

    # -- test controls -------------------------------------------------------------

    def unplug(self) -> None:
        self.plugged = False

    def push_interrupt(self, data: bytes) -> None:
        self.interrupts.append(bytes(data))

    def requests(self, brequest: int | None = None) -> list[Setup]:
        return [s for s in self.setups if brequest is None or s.bRequest == brequest]


def from_capture(name: str, **knobs: Any) -> SimUps:
    """A ``SimUps`` with one capture's ids, strings, descriptor and reports."""
    cap = hidcaptures.load(name)
    strings: dict[int, str] = {}
    indexes = {}
    for index, key in enumerate(("vendor", "product", "serial"), start=1):
        text = cap.strings.get(key)
        if text is not None:
            strings[index] = text
            indexes[key] = index
    fields: dict[str, Any] = {
        "vendorid": cap.vendorid,
        "productid": cap.productid,
        "descriptor": cap.descriptor,
        "reports": {rid: data for (kind, rid), data in cap.reports.items() if kind == "feature"},
        "strings": strings,
        "imanufacturer": indexes.get("vendor", 0),
        "iproduct": indexes.get("product", 0),
        "iserial": indexes.get("serial", 0),
        "interrupts": deque(data for (kind, _), data in cap.reports.items() if kind == "interrupt"),
    }
    fields.update(knobs)
    return SimUps(**fields)


@dataclass(frozen=True, slots=True)
class _DevId:
    ups: SimUps
    incarnation: int


class _Handle:
    def __init__(self, devid: _DevId) -> None:
        self.devid = devid
        self.closed = False


class SimBackend(usb.backend.IBackend):  # type: ignore[misc]
    """A pyusb backend presenting ``SimUps`` devices (``usb.core.find(backend=...)``)."""

    def __init__(self, devices: Iterable[SimUps] = ()) -> None:
        super().__init__()
        self.devices: list[SimUps] = []
        self._addresses = itertools.count(2)
        self.opened: list[_Handle] = []
        for ups in devices:
            self.add(ups)

    def add(self, ups: SimUps, *, first: bool = False) -> SimUps:
        """Plug a new device in (``first``: listed before the others)."""
        ups.address = next(self._addresses)
        self.devices.insert(0 if first else len(self.devices), ups)
        return ups

    def plug(self, ups: SimUps) -> None:
        """Plug ``ups`` back in: a new address, the kernel driver bound again."""
        ups.plugged = True
        ups.incarnation += 1
        ups.address = next(self._addresses)
        ups.kernel_driver = {ups.hid_interface}
        ups.claimed.clear()

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    def _live(devid: _DevId) -> SimUps:
        ups = devid.ups
        if not ups.plugged or ups.incarnation != devid.incarnation:
            raise usb_error(LIBUSB_ERROR_NO_DEVICE)
        return ups

    def _ups(self, handle: _Handle) -> SimUps:
        return self._live(handle.devid)

    # -- enumeration and descriptors (libusb caches these: no I/O) --------------------

    def enumerate_devices(self) -> list[_DevId]:
        return [_DevId(u, u.incarnation) for u in self.devices if u.plugged]

    def get_parent(self, dev: _DevId) -> None:
        return None

    def get_device_descriptor(self, dev: _DevId) -> _Desc:
        u = dev.ups
        return _Desc(
            bLength=18,
            bDescriptorType=_DT_DEVICE,
            bcdUSB=0x0110,
            bDeviceClass=0,
            bDeviceSubClass=0,
            bDeviceProtocol=0,
            bMaxPacketSize0=8,
            idVendor=u.vendorid,
            idProduct=u.productid,
            bcdDevice=u.bcd_device,
            iManufacturer=u.imanufacturer,
            iProduct=u.iproduct,
            iSerialNumber=u.iserial,
            bNumConfigurations=1,
            address=0 if u.no_address else u.address,
            bus=u.bus,
            port_number=u.port,
            port_numbers=(u.port,),
            speed=1,
        )

    def get_configuration_descriptor(self, dev: _DevId, config: int) -> _Desc:
        if config != 0:
            raise usb_error(LIBUSB_ERROR_NOT_FOUND)
        u = dev.ups
        return _Desc(
            bLength=9,
            bDescriptorType=_DT_CONFIG,
            wTotalLength=0,
            bNumInterfaces=len(u.interface_numbers()),
            bConfigurationValue=1,
            iConfiguration=0,
            bmAttributes=0xA0,
            bMaxPower=50,
            extra_descriptors=[],
        )

    def get_interface_descriptor(self, dev: _DevId, intf: int, alt: int, config: int) -> _Desc:
        u = dev.ups
        if config != 0:
            raise usb_error(LIBUSB_ERROR_NOT_FOUND)
        if intf >= len(u.interface_numbers()):
            raise IndexError(f"Invalid interface index {intf}")
        if alt != 0:
            raise IndexError(f"Invalid alternate setting index {alt}")
        hid = intf == u.hid_interface
        return _Desc(
            bLength=9,
            bDescriptorType=_DT_INTERFACE,
            bInterfaceNumber=intf,
            bAlternateSetting=0,
            bNumEndpoints=1 if hid else 0,
            bInterfaceClass=3 if hid else 0xFF,
            bInterfaceSubClass=0,
            bInterfaceProtocol=0,
            iInterface=0,
            extra_descriptors=list(u.hid_descriptor(extra=True)) if hid and u.hid_in_extra else [],
        )

    def get_endpoint_descriptor(
        self, dev: _DevId, ep: int, intf: int, alt: int, config: int
    ) -> _Desc:
        u = dev.ups
        if intf != u.hid_interface or ep != 0 or alt != 0 or config != 0:
            raise IndexError(f"Invalid endpoint index {ep}")
        return _Desc(
            bLength=7,
            bDescriptorType=_DT_ENDPOINT,
            bEndpointAddress=u.ep_in,
            bmAttributes=0x03,
            wMaxPacketSize=8,
            bInterval=10,
            bRefresh=0,
            bSynchAddress=0,
            extra_descriptors=[],
        )

    # -- a handle ---------------------------------------------------------------------

    def open_device(self, dev: _DevId) -> _Handle:
        self._live(dev)
        handle = _Handle(dev)
        self.opened.append(handle)
        return handle

    def close_device(self, dev_handle: _Handle) -> None:
        dev_handle.closed = True

    def get_configuration(self, dev_handle: _Handle) -> int:
        self._ups(dev_handle)
        return 1

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self._ups(dev_handle)

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._ups(dev_handle)

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return intf in self._ups(dev_handle).kernel_driver

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        u = self._ups(dev_handle)
        if intf not in u.kernel_driver:
            raise usb_error(LIBUSB_ERROR_NOT_FOUND)
        u.kernel_driver.discard(intf)
        u.detached.append(intf)

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        self._ups(dev_handle).kernel_driver.add(intf)

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        u = self._ups(dev_handle)
        if intf not in u.interface_numbers():
            raise usb_error(LIBUSB_ERROR_NOT_FOUND)
        if intf in u.kernel_driver or (u.busy and intf == u.hid_interface):
            raise usb_error(LIBUSB_ERROR_BUSY)
        u.claimed.add(intf)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._ups(dev_handle).claimed.discard(intf)

    def clear_halt(self, dev_handle: _Handle, ep: int) -> None:
        self._ups(dev_handle).cleared.append(ep)

    # -- transfers ----------------------------------------------------------------------

    def ctrl_transfer(
        self,
        dev_handle: _Handle,
        bmRequestType: int,
        bRequest: int,
        wValue: int,
        wIndex: int,
        data: array.array[int],
        timeout: int,
    ) -> int:
        u = self._ups(dev_handle)
        length = len(data) * data.itemsize
        out = bytes(data.tobytes()) if not bmRequestType & 0x80 else b""
        u.setups.append(Setup(bmRequestType, bRequest, wValue, wIndex, length, out))
        if not bmRequestType & 0x80:
            return self._control_out(u, bmRequestType, bRequest, wValue, wIndex, out)
        answer = self._control_in(u, bmRequestType, bRequest, wValue, wIndex)[:length]
        data[: len(answer)] = array.array("B", answer)
        return len(answer)

    def _control_in(
        self, u: SimUps, request_type: int, request: int, value: int, index: int
    ) -> bytes:
        kind, number = value >> 8, value & 0xFF
        if request_type == 0x80 and request == _GET_DESCRIPTOR and kind == _DT_STRING:
            if number == 0:
                return u.langids
            text = u.strings.get(number)
            if text is None:
                raise usb_error(LIBUSB_ERROR_PIPE)
            body = text.encode("utf-16-le")
            return bytes((2 + len(body), _DT_STRING)) + body
        if request_type == 0x81 and request == _GET_DESCRIPTOR:
            if index != u.hid_interface or number != u.desc_index:
                raise usb_error(LIBUSB_ERROR_PIPE)
            if kind == _DT_HID and u.hid_direct:
                return u.hid_descriptor()
            if kind == _DT_REPORT:
                return u.descriptor
            raise usb_error(LIBUSB_ERROR_PIPE)
        if request_type == 0xA1 and request == _HID_GET_REPORT:
            if index != u.hid_interface:
                raise usb_error(LIBUSB_ERROR_PIPE)
            if number in u.timeout:
                raise usb_error(LIBUSB_ERROR_TIMEOUT)
            report = u.reports.get(number)
            if number in u.stall or report is None:
                raise usb_error(LIBUSB_ERROR_PIPE)
            return report
        raise usb_error(LIBUSB_ERROR_PIPE)

    def _control_out(
        self, u: SimUps, request_type: int, request: int, value: int, index: int, data: bytes
    ) -> int:
        if request_type == 0x21 and request == _HID_SET_REPORT and index == u.hid_interface:
            number = value & 0xFF
            if number in u.stall:
                raise usb_error(LIBUSB_ERROR_PIPE)
            u.sets.append((value, index, data))
            u.reports[number] = data
            return len(data)
        raise usb_error(LIBUSB_ERROR_PIPE)

    def intr_read(
        self, dev_handle: _Handle, ep: int, intf: int, buff: array.array[int], timeout: int
    ) -> int:
        u = self._ups(dev_handle)
        u.reads.append((ep, intf, timeout))
        if ep != u.ep_in:
            raise usb_error(LIBUSB_ERROR_IO)
        if intf not in u.claimed:
            raise usb_error(LIBUSB_ERROR_NOT_FOUND)
        if u.interrupt_error is not None:
            raise usb_error(u.interrupt_error)
        if not u.interrupts:
            raise usb_error(LIBUSB_ERROR_TIMEOUT)
        data = u.interrupts.popleft()[: len(buff)]
        buff[: len(data)] = array.array("B", data)
        return len(data)


def strings_of(ups: SimUps) -> Mapping[str, str | None]:
    """What the device's descriptor strings say, by NUT's field name."""
    return {
        "vendor": ups.strings.get(ups.imanufacturer),
        "product": ups.strings.get(ups.iproduct),
        "serial": ups.strings.get(ups.iserial),
    }
