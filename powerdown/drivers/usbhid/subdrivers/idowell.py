"""iDowell's usbhid-ups subdriver (NUT's ``idowell-hid``, "iDowell HID 0.22").

Strategy
--------
Facts from NUT's ``drivers/idowell-hid.c`` (HEAD; 2.8.0 had 0.1 with the
0x075d id only): iDowell/Goldenmate's 075d:0300, and GoldenMate LiFePO4
packs that reuse Phoenixtec's 06da:ffff.  On that shared id NUT claims only
devices whose vendor string holds "BMS" or whose product string holds
"Smart-Battery" (their "-BMS-" firmware); the rest of 06da:ffff is left to
liebert-hid (and AEG units to mge-hid).  No vendor usages; the mapping rows
in NUT's order, without the rows NUT builds only for ``DEBUG``.

The fix-up: in report 0x02 the packs encode the logical maximum of
``RunTimeToEmpty`` byte-swapped (0xFEFFFFFF), which a signed reading turns
below the minimum, and the ``Voltage`` item after it inherits it.  Where the
maximum is below the minimum, NUT puts back what the device declares for
the same usages in report 0x01 (0x75FFFFFF and 65535).  Pure: no I/O.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    find_field,
    rw,
    status,
    var,
    vendor_or,
    with_logical,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import ReportDescriptor
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "IDOWELL_VENDORID", "PHOENIXTEC_VENDORID", "idowell_fix_report_desc"]

IDOWELL_VENDORID = 0x075D
#: Phoenixtec's id, shared with liebert (its default) and mge (AEG units).
PHOENIXTEC_VENDORID = 0x06DA

_DEVICES = frozenset({(IDOWELL_VENDORID, 0x0300), (PHOENIXTEC_VENDORID, 0xFFFF)})

#: What the packs declare for the same usages in report 0x01.
IDOWELL_RUNTIME_LOGMAX = 0x75FFFFFF
IDOWELL_VOLTAGE_LOGMAX = 65535

_RUN_TIME_TO_EMPTY = 0x00850068
_VOLTAGE = 0x00840030
_BROKEN_REPORT = 0x02

IDOWELL_USAGES: MappingProxyType[int, str] = MappingProxyType({})

#: NUT's ``idowell_hid2nut``, in its order.
IDOWELL_HID2NUT = (
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.CommunicationLost", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Good", m.off_info),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    # device
    var(
        "device.mfr",
        "UPS.PowerSummary.iManufacturer",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "device.model",
        "UPS.PowerSummary.iProduct",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "device.serial",
        "UPS.PowerSummary.iSerialNumber",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    # battery
    var("battery.capacity.design", "UPS.PowerSummary.DesignCapacity", "%.0f", hu=HU.STATIC),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", hu=HU.STATIC),
    var("battery.charge.low", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", hu=HU.STATIC),
    var("battery.capacity.full", "UPS.PowerSummary.FullChargeCapacity", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    # ups
    rw("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, 10, hu=HU.ABSENT),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    var("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", hu=HU.QUICK_POLL),
    var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    var("ups.power.nominal", "UPS.Flow.[4].ConfigApparentPower", "%.0f", hu=HU.STATIC),
    # input
    var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.0f",
        hu=HU.STATIC,
    ),
    var("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.0f", hu=HU.STATIC),
    # output
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Flow.[4].ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f", hu=HU.STATIC),
    var("output.frequency.nominal", "UPS.Flow.[4].ConfigFrequency", "%.0f", hu=HU.STATIC),
    # instant commands
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1"),
)


def is_goldenmate(info: UsbInfo) -> bool:
    """A GoldenMate pack on Phoenixtec's id, told apart by its firmware's strings."""
    return bool(
        (info.vendor and "BMS" in info.vendor) or (info.product and "Smart-Battery" in info.product)
    )


def _claims(info: UsbInfo) -> bool:
    if (info.vendorid, info.productid) not in _DEVICES:
        return False
    return info.vendorid != PHOENIXTEC_VENDORID or is_goldenmate(info)


def idowell_fix_report_desc(info: UsbInfo, desc: ReportDescriptor) -> ReportDescriptor:
    """Report 0x02's runtime and voltage maxima, where they are below their minima."""
    if (info.vendorid, info.productid) not in _DEVICES:
        return desc
    for usage, logmax in (
        (_RUN_TIME_TO_EMPTY, IDOWELL_RUNTIME_LOGMAX),
        (_VOLTAGE, IDOWELL_VOLTAGE_LOGMAX),
    ):
        f = find_field(desc, _BROKEN_REPORT, usage)
        if f is not None and f.logical_max < f.logical_min:
            desc = with_logical(desc, f, logical_max=logmax)
    return desc


SUBDRIVER = Subdriver(
    name="iDowell HID",
    version="0.22",
    usage_tables=(IDOWELL_USAGES,),
    mapping=IDOWELL_HID2NUT,
    claims=_claims,
    format_mfr=vendor_or("iDowell"),
    fix_report_desc=idowell_fix_report_desc,
)
