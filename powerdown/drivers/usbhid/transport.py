"""The USB side of usbhid-ups: HID devices on pyusb (libusb-1.0), as NUT's libusb1.c uses them.

Strategy
--------
``open_devices()`` lists every USB device with a HID interface and says
what each is (``UsbInfo``: ids, strings, bus/device/port numbers as NUT
prints them).  Listing only opens a device to read its strings; nothing
is claimed until the driver has picked one and asks for its report
descriptor: then the kernel's driver (usbhid) is detached and the HID
interface claimed, as NUT does.  The report descriptor is read with
GET_DESCRIPTOR using the length in the HID class descriptor (the copy in the
interface descriptor's extra bytes first, the one asked for directly second;
the other way round for Eaton's 0463 devices with bcdDevice 0202, as NUT).

Which configuration, interface, descriptor index and interrupt endpoint are
used is ``UsbNumbers``: NUT's defaults (0, 0, 0, IN endpoint 1), the
``usb_config_index``/``usb_hid_rep_index``/``usb_hid_desc_index``/
``usb_hid_ep_in``/``usb_hid_ep_out`` driver options (hexadecimal, as NUT
parses them) and, where the user gave none, the subdriver's defaults (Arduino
boards, the Liebert PSI5) chosen by ``usb_numbers``.  Without an explicit
``usb_hid_ep_in`` the interrupt endpoint the interface declares is used (NUT
reads 0x81 whatever the interface says).

Reports go through control transfers (GET_REPORT / SET_REPORT, always of
type Feature, as NUT asks) and the interrupt-in endpoint.  libusb's
errors become two exceptions: ``HidGone`` when the device is no longer
ours (no device, not found, access denied, busy, out of memory: NUT
reconnects on these) and ``HidIOError`` for one failed transfer (timeout,
pipe stall, overflow, I/O error): the value is skipped, the device stays.

``open_devices`` uses pyusb's default backend (libusb-1.0);
``PyUsbOpener(backend)`` lists the devices of another pyusb backend (the tests'
simulated devices).  When the environment has ``POWERDOWN_USBHID_REPLAY`` (a
recording, see ``replay``), ``open_devices`` returns that recorded device
instead of touching USB: the tests run the real driver process under upsd that
way.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from powerdown.drivers.usbhid import replay
from powerdown.drivers.usbhid.matcher import HidGone, HidIOError, UsbInfo
from powerdown.drivers.usbhid.replay import REPLAY_ENV

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import ReportKind
    from powerdown.drivers.usbhid.mapping import Subdriver

__all__ = [
    "UsbInfo",
    "HidGone",
    "HidIOError",
    "HidBusy",
    "HidDevice",
    "HidOpener",
    "PyUsbDevice",
    "PyUsbOpener",
    "UsbNumbers",
    "USB_NUMBER_OPTIONS",
    "parse_usb_options",
    "usb_numbers",
    "usb_info",
    "open_devices",
    "REPLAY_ENV",
    "USB_TIMEOUT_MS",
]

log = logging.getLogger("usbhid-ups")

#: NUT's ``USB_TIMEOUT`` for control transfers.
USB_TIMEOUT_MS = 5000

_HID_CLASS = 3
_DT_STRING = 0x03
_DT_HID = 0x21
_DT_REPORT = 0x22
_GET_DESCRIPTOR = 0x06
_GET_REPORT = 0x01
_SET_REPORT = 0x09
_ENDPOINT_IN = 0x80
_EN_US = 0x0409

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


# -- which interface, descriptor and endpoints (NUT's usb_communication_subdriver_t) ---


@dataclass(frozen=True, slots=True, kw_only=True)
class UsbNumbers:
    """NUT's ``usb_config_index``/``hid_rep_index``/``hid_desc_index``/``hid_ep_in``/``out``.

    ``ep_in`` and ``ep_out`` are endpoint numbers (NUT adds 0x80 for IN);
    ``ep_in_given`` says the user or a subdriver chose ``ep_in``.
    """

    config_index: int = 0
    rep_index: int = 0
    desc_index: int = 0
    ep_in: int = 1
    ep_out: int = 1
    ep_in_given: bool = False


#: The options, their ``UsbNumbers`` field and NUT's upper bound.
USB_NUMBER_OPTIONS: Mapping[str, tuple[str, int]] = {
    "usb_config_index": ("config_index", 0xFF),
    "usb_hid_rep_index": ("rep_index", 0xFFFF),
    "usb_hid_desc_index": ("desc_index", 0xFF),
    "usb_hid_ep_in": ("ep_in", 0xFF),
    "usb_hid_ep_out": ("ep_out", 0xFF),
}


def parse_usb_options(getval: Callable[[str], str | None]) -> dict[str, int]:
    """The ``usb_*`` numbers the user gave, hexadecimal as NUT reads them.

    Raises:
        ValueError: "could not parse <option>" (NUT exits on it).
    """
    given: dict[str, int] = {}
    for name, (_, top) in USB_NUMBER_OPTIONS.items():
        text = getval(name)
        if text is None:
            continue
        try:
            value = int(text.strip(), 16)
        except ValueError:
            value = -1
        if not 0 <= value <= top:
            raise ValueError(f"could not parse {name}")
        given[name] = value
    return given


#: Eaton's 0463 devices with bcdDevice 0202 serve the full descriptor under index 1.
_EATON = 0x0463
_EATON_FULL_BCD = 0x0202


def usb_numbers(info: UsbInfo, given: Mapping[str, int], sub: Subdriver | None) -> UsbNumbers:
    """The numbers for this device: the user's, else the subdriver's, else NUT's defaults."""
    from powerdown.drivers.usbhid.subdrivers import arduino, belkin

    chosen: dict[str, int] = {}
    if info.vendorid == _EATON and info.bcd_device == _EATON_FULL_BCD:
        chosen["usb_hid_desc_index"] = 1
    if sub is arduino.SUBDRIVER:
        chosen.update(arduino.USB_DEFAULTS)
    if sub is belkin.SUBDRIVER:
        rep = belkin.HID_REP_INDEX.get((info.vendorid, info.productid))
        if rep is not None:
            chosen["usb_hid_rep_index"] = rep
    chosen.update(given)
    fields = {USB_NUMBER_OPTIONS[name][0]: value for name, value in chosen.items()}
    return replace(UsbNumbers(), ep_in_given="usb_hid_ep_in" in chosen, **fields)


# -- libusb's errors -------------------------------------------------------------------


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

    def __init__(self, dev: Any, info: UsbInfo, numbers: UsbNumbers | None = None) -> None:
        self.dev = dev
        self.info = info
        self.numbers = numbers or UsbNumbers()
        self.claimed = False
        self.closed = False
        self.ep_in = _ENDPOINT_IN | self.numbers.ep_in

    def tune(self, numbers: UsbNumbers) -> None:
        """Use these numbers (the driver's choice for this device); before the first claim."""
        self.numbers = numbers
        self.ep_in = _ENDPOINT_IN | numbers.ep_in

    # -- set-up --------------------------------------------------------------

    def _claim(self) -> None:
        if self.claimed:
            return
        import usb.core
        import usb.util

        dev, n = self.dev, self.numbers
        intf = n.rep_index
        try:
            try:
                if dev.is_kernel_driver_active(intf):
                    dev.detach_kernel_driver(intf)
                    log.debug("detached kernel driver from USB device...")
            except NotImplementedError:
                pass
            except usb.core.USBError as exc:
                if _code(exc) == _LIBUSB_ERROR_NO_DEVICE:
                    raise
                if _code(exc) != _LIBUSB_ERROR_NOT_FOUND:
                    log.debug("failed to detach kernel driver from USB device: %s", exc)
            usb.util.claim_interface(dev, intf)
        except usb.core.USBError as exc:
            if _code(exc) == _LIBUSB_ERROR_BUSY or getattr(exc, "errno", None) == errno.EBUSY:
                raise HidBusy(
                    f"Can't claim USB device [{self.info.vendorid:04x}:"
                    f"{self.info.productid:04x}]@{n.config_index}/{n.rep_index}/"
                    f"{n.desc_index}: {exc.strerror or exc}"
                ) from exc
            raise _translate(exc, "claim") from exc
        self.claimed = True
        log.debug("Claimed interface %d successfully", intf)
        if not n.ep_in_given:
            ep = _interrupt_in(dev, n)
            if ep is not None:
                self.ep_in = ep

    def _hid_descriptor_lengths(self) -> list[int]:
        """The report descriptor lengths the HID descriptor gives, in the order NUT tries them."""
        import usb.core

        n = self.numbers
        try:
            intf = self.dev[n.config_index][(n.rep_index, 0)]
            extra = bytes(intf.extra_descriptors or b"")
        except usb.core.USBError as exc:
            if _code(exc) == _LIBUSB_ERROR_NO_DEVICE:
                raise HidGone(f"configuration descriptor: {exc}") from exc
            raise HidIOError(
                f"Couldn't retrieve config descriptor [{self.info.vendorid:04x}:"
                f"{self.info.productid:04x}]@{n.config_index}: {exc}"
            ) from exc
        except (KeyError, IndexError) as exc:
            raise HidIOError(
                f"no interface {n.rep_index} in configuration {n.config_index}"
            ) from exc
        in_interface: int | None = None
        i = 0
        while i + 1 < len(extra) and extra[i] > 0:
            if extra[i] >= 9 and extra[i + 1] == _DT_HID and i + 9 <= len(extra):
                in_interface = extra[i + 7] | (extra[i + 8] << 8)
                break
            i += extra[i]
        asked: int | None = None
        try:
            hid = bytes(
                self.dev.ctrl_transfer(
                    0x81,
                    _GET_DESCRIPTOR,
                    (_DT_HID << 8) | n.desc_index,
                    n.rep_index,
                    9,
                    USB_TIMEOUT_MS,
                )
            )
            if len(hid) >= 9:
                asked = hid[7] | (hid[8] << 8)
            else:
                log.debug("HID descriptor too short (expected 9, got %d)", len(hid))
        except usb.core.USBError as exc:
            if isinstance(_translate(exc, ""), HidGone):
                raise _translate(exc, "HID descriptor") from exc
            log.debug("Unable to get HID descriptor (%s)", exc)
        if self.info.vendorid == _EATON and self.info.bcd_device == _EATON_FULL_BCD:
            log.debug("Eaton device v2.02. Using full report descriptor")
            order = [asked, in_interface]
        else:
            order = [in_interface, asked]
        lengths: list[int] = []
        for length in order:
            if length is not None and length not in lengths:
                lengths.append(length)
        return lengths

    # -- HidDevice -------------------------------------------------------------

    def report_descriptor(self) -> bytes:
        import usb.core

        self._claim()
        lengths = self._hid_descriptor_lengths()
        if not lengths:
            raise HidIOError("Unable to retrieve any HID descriptor")
        last: Exception | None = None
        n = self.numbers
        for length in lengths:
            try:
                data = bytes(
                    self.dev.ctrl_transfer(
                        0x81,
                        _GET_DESCRIPTOR,
                        (_DT_REPORT << 8) | n.desc_index,
                        n.rep_index,
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
                0xA1,
                _GET_REPORT,
                (int(kind) << 8) | report_id,
                self.numbers.rep_index,
                length,
                USB_TIMEOUT_MS,
            )
        except usb.core.USBError as exc:
            raise _translate(exc, f"Can't retrieve Report {report_id:02x}") from exc
        return bytes(data)

    def set_report(self, report_id: int, kind: ReportKind, data: bytes) -> None:
        import usb.core

        self._claim()
        try:
            self.dev.ctrl_transfer(
                0x21,
                _SET_REPORT,
                (int(kind) << 8) | report_id,
                self.numbers.rep_index,
                data,
                USB_TIMEOUT_MS,
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
        except ValueError as exc:
            # pyusb: the endpoint is not in the active configuration
            raise HidIOError(f"interrupt read on endpoint 0x{self.ep_in:02x}: {exc}") from exc
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


def _interrupt_in(dev: Any, n: UsbNumbers) -> int | None:
    try:
        intf = dev[n.config_index][(n.rep_index, 0)]
        endpoints = list(intf)
    except Exception:
        return None
    for ep in endpoints:
        address = int(ep.bEndpointAddress)
        if address & _ENDPOINT_IN and (int(ep.bmAttributes) & 0x03) == 3:
            return address
    return None


def _string_descriptor(dev: Any, index: int, langid: int, length: int) -> bytes:
    return bytes(
        dev.ctrl_transfer(
            0x80, _GET_DESCRIPTOR, (_DT_STRING << 8) | index, langid, length, USB_TIMEOUT_MS
        )
    )


def _string(dev: Any, index: int) -> str | None:
    """NUT's ``nut_usb_get_string``: the first language (en_US if the list is broken), 8-bit.

    Characters outside Latin-1 become "?", as NUT prints them; an empty or
    unreadable string is no string.
    """
    if not 0 < index <= 255:
        return None
    import usb.core

    try:
        head = _string_descriptor(dev, 0, 0, 4)
        if len(head) == 4 and head[0] >= 4 and head[1] == _DT_STRING:
            langid = head[2] | (head[3] << 8)
        else:
            log.debug("Broken language identifier, assuming en_US")
            langid = _EN_US
        raw = _string_descriptor(dev, index, langid, 255)
    except usb.core.USBError as exc:
        if isinstance(_translate(exc, ""), HidGone):
            raise _translate(exc, f"string {index}") from exc
        return None
    chars = len(raw) // 2 - 1
    text = "".join(
        chr(raw[2 + 2 * i]) if raw[3 + 2 * i] == 0 else "?" for i in range(max(chars, 0))
    )
    return text or None


def _has_hid_interface(dev: Any) -> bool:
    try:
        for cfg in dev:
            for intf in cfg:
                if int(intf.bInterfaceClass) == _HID_CLASS:
                    return True
    except Exception:
        return False
    return False


def usb_info(dev: Any, devnum: int = 0) -> UsbInfo:
    """What a pyusb device says about itself, in NUT's words (``%03d`` numbers).

    ``devnum`` is the device's place in the bus listing: NUT's device number
    when the platform gives no address.
    """
    port = getattr(dev, "port_number", None)
    address = int(getattr(dev, "address", 0) or 0)
    return UsbInfo(
        vendorid=int(dev.idVendor),
        productid=int(dev.idProduct),
        vendor=_string(dev, int(dev.iManufacturer)),
        product=_string(dev, int(dev.iProduct)),
        serial=_string(dev, int(dev.iSerialNumber)),
        bus=f"{int(dev.bus or 0):03d}",
        device=f"{address if address > 0 else devnum:03d}",
        busport=f"{int(port):03d}" if port else None,
        bcd_device=int(dev.bcdDevice),
    )


class PyUsbOpener:
    """``HidOpener`` over a pyusb backend: the default (libusb-1.0) when ``backend`` is None."""

    def __init__(self, backend: Any = None) -> None:
        self.backend = backend

    def __call__(self) -> list[HidDevice]:
        import usb.core

        found: list[HidDevice] = []
        try:
            devices = list(usb.core.find(find_all=True, backend=self.backend))
        except usb.core.NoBackendError as exc:
            log.error("libusb is not available: %s", exc)
            return found
        except usb.core.USBError as exc:
            log.error("can't list USB devices: %s", exc)
            return found
        for devnum, dev in enumerate(devices):
            if not _has_hid_interface(dev):
                continue
            try:
                info = usb_info(dev, devnum)
            except HidGone as exc:
                log.debug(
                    "Failed to open device (%04X/%04X), skipping: %s",
                    dev.idVendor,
                    dev.idProduct,
                    exc,
                )
                continue
            found.append(PyUsbDevice(dev, info))
        return found


def open_devices(backend: Any = None) -> list[HidDevice]:
    """Every HID device present now (``HidOpener``), or the recording ``REPLAY_ENV`` names."""
    recording = os.environ.get(REPLAY_ENV)
    if recording:
        return list(replay.open_replay(recording))
    return PyUsbOpener(backend)()
