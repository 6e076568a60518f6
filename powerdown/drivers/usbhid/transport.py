"""The USB side of usbhid-ups: HID devices on pyusb (libusb-1.0), as NUT's libusb1.c uses them.

Strategy
--------
``open_devices()`` lists every USB device with a HID interface and says
what each is (``UsbInfo``: ids, strings, bus/device/port numbers as NUT
prints them).  Listing only opens a device to read its strings; nothing
is claimed until the driver has picked one and asks for its report
descriptor: then the kernel's driver (usbhid) is detached and interface 0
claimed, as NUT does.  The report descriptor is read with GET_DESCRIPTOR
using the length in the HID class descriptor (the copy in the interface
descriptor's extra bytes first, the one asked for directly second).

Reports go through control transfers (GET_REPORT / SET_REPORT, always of
type Feature, as NUT asks) and the interrupt-in endpoint.  libusb's
errors become two exceptions: ``HidGone`` when the device is no longer
ours (no device, not found, access denied, busy, out of memory: NUT
reconnects on these) and ``HidIOError`` for one failed transfer (timeout,
pipe stall, overflow, I/O error): the value is skipped, the device stays.

When the environment has ``POWERDOWN_USBHID_REPLAY`` (a recording, see
``replay``), ``open_devices`` returns that recorded device instead of
touching USB: the tests run the real driver process under upsd that way.
"""

from __future__ import annotations

import errno
import logging
import os
from typing import TYPE_CHECKING, Any, Protocol

from powerdown.drivers.usbhid import replay
from powerdown.drivers.usbhid.matcher import HidGone, HidIOError, UsbInfo
from powerdown.drivers.usbhid.replay import REPLAY_ENV

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import ReportKind

__all__ = [
    "UsbInfo",
    "HidGone",
    "HidIOError",
    "HidBusy",
    "HidDevice",
    "HidOpener",
    "PyUsbDevice",
    "open_devices",
    "REPLAY_ENV",
    "USB_TIMEOUT_MS",
]

log = logging.getLogger("usbhid-ups")

#: NUT's ``USB_TIMEOUT`` for control transfers.
USB_TIMEOUT_MS = 5000

_HID_CLASS = 3
_DT_HID = 0x21
_DT_REPORT = 0x22
_GET_DESCRIPTOR = 0x06
_GET_REPORT = 0x01
_SET_REPORT = 0x09
_FEATURE = 3
_INTERFACE = 0

# libusb_error codes (pyusb's backend_error_code)
_LIBUSB_ERROR_IO = -1
_LIBUSB_ERROR_ACCESS = -3
_LIBUSB_ERROR_NO_DEVICE = -4
_LIBUSB_ERROR_NOT_FOUND = -5
_LIBUSB_ERROR_BUSY = -6
_LIBUSB_ERROR_TIMEOUT = -7
_LIBUSB_ERROR_PIPE = -9
_LIBUSB_ERROR_NO_MEM = -11
_GONE_CODES = frozenset(
    (
        _LIBUSB_ERROR_ACCESS,
        _LIBUSB_ERROR_NO_DEVICE,
        _LIBUSB_ERROR_NOT_FOUND,
        _LIBUSB_ERROR_BUSY,
        _LIBUSB_ERROR_NO_MEM,
    )
)
_GONE_ERRNOS = frozenset((errno.ENODEV, errno.ENOENT, errno.EACCES, errno.EBUSY, errno.ENOMEM))


class HidBusy(HidIOError):
    """Another program (another driver) holds the interface: ``allow_duplicates`` skips it."""


class HidDevice(Protocol):
    """One HID device, as the driver uses it."""

    info: UsbInfo

    def report_descriptor(self) -> bytes: ...

    def get_report(self, report_id: int, kind: ReportKind, length: int) -> bytes: ...

    def set_report(self, report_id: int, kind: ReportKind, data: bytes) -> None: ...

    def interrupt_read(self, length: int, timeout_ms: int) -> bytes | None: ...

    def get_string(self, index: int) -> str | None: ...

    def close(self) -> None: ...


class HidOpener(Protocol):
    def __call__(self) -> list[HidDevice]: ...


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "backend_error_code", None)
    return code if isinstance(code, int) else None


def _translate(exc: BaseException, what: str) -> Exception:
    """libusb's error as ours: gone (reconnect) or one failed transfer."""
    code = _code(exc)
    num = getattr(exc, "errno", None)
    if code in _GONE_CODES or (code is None and num in _GONE_ERRNOS):
        return HidGone(f"{what}: {exc}")
    return HidIOError(f"{what}: {exc}")


class PyUsbDevice:
    """A HID device through pyusb; claimed on first use of its reports."""

    def __init__(self, dev: Any, info: UsbInfo) -> None:
        self.dev = dev
        self.info = info
        self.claimed = False
        self.closed = False
        self.ep_in = 0x81

    # -- set-up --------------------------------------------------------------

    def _claim(self) -> None:
        if self.claimed:
            return
        import usb.core
        import usb.util

        dev = self.dev
        try:
            try:
                if dev.is_kernel_driver_active(_INTERFACE):
                    dev.detach_kernel_driver(_INTERFACE)
                    log.debug("detached kernel driver from USB device...")
            except NotImplementedError:
                pass
            except usb.core.USBError as exc:
                if _code(exc) != _LIBUSB_ERROR_NOT_FOUND:
                    log.debug("failed to detach kernel driver from USB device: %s", exc)
            usb.util.claim_interface(dev, _INTERFACE)
        except usb.core.USBError as exc:
            if _code(exc) == _LIBUSB_ERROR_BUSY or getattr(exc, "errno", None) == errno.EBUSY:
                raise HidBusy(
                    f"Can't claim USB device [{self.info.vendorid:04x}:"
                    f"{self.info.productid:04x}]@0/0/0: {exc.strerror or exc}"
                ) from exc
            raise _translate(exc, "claim") from exc
        self.claimed = True
        log.debug("Claimed interface %d successfully", _INTERFACE)
        ep = _interrupt_in(dev)
        if ep is not None:
            self.ep_in = ep

    def _hid_descriptor_lengths(self) -> list[int]:
        """The report descriptor lengths the HID descriptor gives (interface copy first)."""
        import usb.core

        lengths: list[int] = []
        try:
            intf = self.dev.get_active_configuration()[(_INTERFACE, 0)]
            extra = bytes(intf.extra_descriptors or b"")
        except (usb.core.USBError, KeyError, IndexError, NotImplementedError):
            extra = b""
        i = 0
        while i + 1 < len(extra) and extra[i] > 0:
            if extra[i] >= 9 and extra[i + 1] == _DT_HID and i + 9 <= len(extra):
                lengths.append(extra[i + 7] | (extra[i + 8] << 8))
                break
            i += extra[i]
        try:
            hid = bytes(
                self.dev.ctrl_transfer(
                    0x81, _GET_DESCRIPTOR, (_DT_HID << 8), _INTERFACE, 9, USB_TIMEOUT_MS
                )
            )
            if len(hid) >= 9:
                length = hid[7] | (hid[8] << 8)
                if length not in lengths:
                    lengths.append(length)
        except usb.core.USBError as exc:
            if isinstance(_translate(exc, ""), HidGone):
                raise _translate(exc, "HID descriptor") from exc
            log.debug("Unable to get HID descriptor (%s)", exc)
        return lengths

    # -- HidDevice -------------------------------------------------------------

    def report_descriptor(self) -> bytes:
        import usb.core

        self._claim()
        lengths = self._hid_descriptor_lengths()
        if not lengths:
            raise HidIOError("Unable to retrieve any HID descriptor")
        last: Exception | None = None
        for length in lengths:
            try:
                data = bytes(
                    self.dev.ctrl_transfer(
                        0x81,
                        _GET_DESCRIPTOR,
                        (_DT_REPORT << 8),
                        _INTERFACE,
                        length,
                        USB_TIMEOUT_MS,
                    )
                )
            except usb.core.USBError as exc:
                last = _translate(exc, "Unable to get Report descriptor")
                if isinstance(last, HidGone):
                    raise last from exc
                continue
            if data:
                return data
        raise last or HidIOError("empty report descriptor")

    def get_report(self, report_id: int, kind: ReportKind, length: int) -> bytes:
        import usb.core

        self._claim()
        try:
            data = self.dev.ctrl_transfer(
                0xA1, _GET_REPORT, (int(kind) << 8) | report_id, _INTERFACE, length, USB_TIMEOUT_MS
            )
        except usb.core.USBError as exc:
            raise _translate(exc, f"Can't retrieve Report {report_id:02x}") from exc
        return bytes(data)

    def set_report(self, report_id: int, kind: ReportKind, data: bytes) -> None:
        import usb.core

        self._claim()
        try:
            self.dev.ctrl_transfer(
                0x21, _SET_REPORT, (int(kind) << 8) | report_id, _INTERFACE, data, USB_TIMEOUT_MS
            )
        except usb.core.USBError as exc:
            raise _translate(exc, f"Can't set Report {report_id:02x}") from exc

    def interrupt_read(self, length: int, timeout_ms: int) -> bytes | None:
        import usb.core

        self._claim()
        try:
            data = self.dev.read(self.ep_in, length, timeout_ms)
        except usb.core.USBTimeoutError:
            return None
        except usb.core.USBError as exc:
            code = _code(exc)
            if code == _LIBUSB_ERROR_TIMEOUT:
                return None
            if code == _LIBUSB_ERROR_PIPE:
                try:
                    self.dev.clear_halt(self.ep_in)
                except usb.core.USBError:
                    pass
                raise HidIOError(f"interrupt read: {exc}") from exc
            if code == _LIBUSB_ERROR_IO:
                # NUT reconnects on an I/O error of the interrupt pipe.
                raise HidGone(f"interrupt read: {exc}") from exc
            raise _translate(exc, "interrupt read") from exc
        return bytes(data)

    def get_string(self, index: int) -> str | None:
        return _string(self.dev, index)

    def close(self) -> None:
        """NUT does not release the interface (it can block); closing is enough."""
        if self.closed:
            return
        self.closed = True
        try:
            import usb.util

            usb.util.dispose_resources(self.dev)
        except Exception:  # a device already gone cannot be disposed of any better
            pass


def _interrupt_in(dev: Any) -> int | None:
    try:
        intf = dev.get_active_configuration()[(_INTERFACE, 0)]
    except Exception:
        return None
    for ep in intf:
        address = int(ep.bEndpointAddress)
        if address & 0x80 and (int(ep.bmAttributes) & 0x03) == 3:
            return address
    return None


def _string(dev: Any, index: int) -> str | None:
    if not index:
        return None
    import usb.core
    import usb.util

    try:
        text = usb.util.get_string(dev, index)
    except (usb.core.USBError, ValueError, NotImplementedError) as exc:
        if isinstance(exc, usb.core.USBError) and isinstance(_translate(exc, ""), HidGone):
            raise _translate(exc, f"string {index}") from exc
        return None
    return None if text is None else str(text)


def _has_hid_interface(dev: Any) -> bool:
    try:
        for cfg in dev:
            for intf in cfg:
                if int(intf.bInterfaceClass) == _HID_CLASS:
                    return True
    except Exception:
        return False
    return False


def usb_info(dev: Any) -> UsbInfo:
    """What a pyusb device says about itself, in NUT's words (``%03d`` numbers)."""
    port = getattr(dev, "port_number", None)
    address = int(getattr(dev, "address", 0) or 0)
    return UsbInfo(
        vendorid=int(dev.idVendor),
        productid=int(dev.idProduct),
        vendor=_string(dev, int(dev.iManufacturer)),
        product=_string(dev, int(dev.iProduct)),
        serial=_string(dev, int(dev.iSerialNumber)),
        bus=f"{int(dev.bus or 0):03d}",
        device=f"{address:03d}",
        busport=f"{int(port):03d}" if port else None,
        bcd_device=int(dev.bcdDevice),
    )


def _pyusb_devices() -> list[HidDevice]:
    import usb.core

    found: list[HidDevice] = []
    try:
        devices = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError as exc:
        log.error("libusb is not available: %s", exc)
        return found
    except usb.core.USBError as exc:
        log.error("can't list USB devices: %s", exc)
        return found
    for dev in devices:
        if not _has_hid_interface(dev):
            continue
        try:
            info = usb_info(dev)
        except HidGone as exc:
            log.debug(
                "Failed to open device (%04X/%04X), skipping: %s", dev.idVendor, dev.idProduct, exc
            )
            continue
        found.append(PyUsbDevice(dev, info))
    return found


def open_devices() -> list[HidDevice]:
    """Every HID device present now (``HidOpener``), or the recording ``REPLAY_ENV`` names."""
    recording = os.environ.get(REPLAY_ENV)
    if recording:
        return list(replay.open_replay(recording))
    return _pyusb_devices()
