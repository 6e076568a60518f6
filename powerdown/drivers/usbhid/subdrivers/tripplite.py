"""Tripp Lite's usbhid-ups subdriver (NUT's ``tripplite-hid``, "TrippLite HID 0.85").

Strategy
--------
Facts from NUT's ``drivers/tripplite-hid.c`` (2.8.0 and HEAD have the same
table) and ``docs/hid-subdrivers.txt``: Tripp Lite's vendor page 0xffff
(plus four usages on page 0x84 that some OMNI1000LCD firmware puts where the
battery page belongs), the product ids NUT knows (also HP's and
Delta/Minuteman's OEM units) and, per product id, the factor NUT applies to
the battery voltage (and, for the newer Smart1500LCD/AVR750U, to the I/O
voltages, frequencies and currents) that their descriptors get wrong.

NUT keeps those factors in globals set by the id table's hook; here one
``TlScale`` object, set when ``claims`` accepts a device.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    rw,
    status,
    var,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "TRIPPLITE_VENDORID", "HP_VENDORID", "DELTA_VENDORID", "TlScale", "SCALE"]

TRIPPLITE_VENDORID = 0x09AE
HP_VENDORID = 0x03F0
#: Delta/Minuteman OEM units of Tripp Lite's design.
DELTA_VENDORID = 0x05DD


@dataclass(frozen=True, slots=True)
class _Factors:
    battery: float = 1.0
    io_voltage: float = 1.0
    io_frequency: float = 1.0
    io_current: float = 1.0


_ONE = _Factors()
_TENTH = _Factors(battery=0.1)
#: Smart1500LCD (newer unit), AVR750U (newer unit).
_SMART1500LCDT = _Factors(battery=100000.0, io_voltage=100000.0, io_frequency=0.01, io_current=0.01)

#: (vendor id, product id) -> the factors NUT's id table sets.
PRODUCTS: dict[tuple[int, int], _Factors] = {
    **{(TRIPPLITE_VENDORID, p): _TENTH for p in (0x1003, 0x1007, 0x1008, 0x1009, 0x1010)},
    (TRIPPLITE_VENDORID, 0x1330): _ONE,
    **{
        (TRIPPLITE_VENDORID, p): _TENTH
        for p in (0x2005, 0x2007, 0x2008, 0x2009, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014)
    },
    **{
        (TRIPPLITE_VENDORID, p): _ONE
        for p in range(0x3008, 0x3016)
        if p not in range(0x300A, 0x3010)
    },
    (TRIPPLITE_VENDORID, 0x3016): _SMART1500LCDT,
    (TRIPPLITE_VENDORID, 0x3024): _SMART1500LCDT,
    **{(TRIPPLITE_VENDORID, p): _ONE for p in range(0x4001, 0x4009)},
    **{
        (HP_VENDORID, p): _ONE
        for p in (0x0001, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3, 0x1F06, 0x1F08, 0x1F09, 0x1F0A)
    },
    (DELTA_VENDORID, 0xA011): _ONE,
    (DELTA_VENDORID, 0xA0A0): _ONE,
}


@dataclass(slots=True)
class TlScale:
    """The factors for the device this process serves."""

    factors: _Factors = _ONE


#: Set by ``claims`` (NUT sets its globals from the id table's hook).
SCALE = TlScale()


def _battvolt(value: float) -> str:
    return f"{SCALE.factors.battery * value:.1f}"


def _iovolt(value: float) -> str:
    return f"{SCALE.factors.io_voltage * value:.1f}"


def _iofreq(value: float) -> str:
    return f"{SCALE.factors.io_frequency * value:.1f}"


def _ioamp(value: float) -> str:
    return f"{SCALE.factors.io_current * value:.1f}"


tripplite_battvolt = Lookup(to_nut=_battvolt)
tripplite_iovolt = Lookup(to_nut=_iovolt)
tripplite_iofreq = Lookup(to_nut=_iofreq)
tripplite_ioamp = Lookup(to_nut=_ioamp)
#: NUT's ``tripplite_chemistry`` reads the string descriptor, except that it
#: answers "unknown" for 09ae:1003 and 09ae:2005 (firmware bugs); the string
#: read is the driver's, so the generic lookup stands here and that exception
#: is not made (see the module's report).
tripplite_chemistry = m.stringid_conversion

TRIPPLITE_USAGES: Mapping[int, str] = {
    0xFFFF0010: "TLCustom",
    0xFFFF0056: "TLDelayBeforeStartup",
    0xFFFF0057: "TLLowVoltageTransferMax",
    0xFFFF0058: "TLLowVoltageTransferMin",
    0xFFFF0059: "TLHighVoltageTransferMax",
    0xFFFF005A: "TLHighVoltageTransferMin",
    0xFFFF007A: "OutletState",
    0xFFFF007B: "OutletCount",
    0xFFFF007C: "UPSFirmwareVersion",
    0xFFFF007D: "CommunicationProtocolVersion",
    0xFFFF007E: "CommunicationVersion",
    0xFFFF007F: "iUPSPartNumber",
    0xFFFF0080: "AutoOnDelay",
    0xFFFF0092: "TLWatchdog",
    0xFFFF0095: "TLOutletsAvailableMask",
    0xFFFF0096: "TLOutletsStatusMask",
    0x00840044: "TLCharging",
    0x00840045: "TLDischarging",
    0x0084004B: "TLNeedReplacement",
    0x008400D0: "TLACPresent",
}

#: NUT's ``tripplite_hid2nut``, in its order.
TRIPPLITE_HID2NUT = (
    var(
        "device.part",
        "UPS.TLCustom.[1].iUPSPartNumber",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity", "%.0f"),
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    var("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f", hu=HU.STATIC),
    var("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%s", lookup=tripplite_battvolt),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=tripplite_chemistry,
    ),
    var(
        "battery.temperature",
        "UPS.BatterySystem.Temperature",
        "%s",
        lookup=m.kelvin_celsius_conversion,
    ),
    rw(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        DEFAULT_ONDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.TLDelayBeforeStartup",
        DEFAULT_ONDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw(
        "ups.delay.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    var("ups.timer.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var(
        "ups.timer.start", "UPS.OutletSystem.Outlet.TLDelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL
    ),
    var(
        "ups.timer.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    var("ups.test.result", "UPS.BatterySystem.Test", "%s", lookup=m.test_read_info),
    var("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", lookup=m.beeper_info),
    var("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", hu=HU.STATIC),
    var("ups.power", "UPS.OutletSystem.Outlet.ActivePower", "%.1f"),
    var("ups.power", "UPS.PowerConverter.Output.ActivePower", "%.1f"),
    var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    var("ups.firmware", "UPS.TLCustom.[1].UPSFirmwareVersion", "%.0f", hu=HU.STATIC),
    var("ups.watchdog.status", "UPS.OutletSystem.Outlet.TLWatchdog", "%.0f"),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.FullyCharged", m.fullycharged_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.FullyDischarged", m.depleted_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.TLACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.TLDischarging", m.discharging_info, hu=HU.QUICK_POLL),
    var("ups.load.nominal", "UPS.Flow.ConfigPercentLoad", "%.0f"),
    status("UPS.PowerSummary.PresentStatus.TLCharging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.TLNeedReplacement", m.replacebatt_info),
    status("UPS.PowerConverter.PresentStatus.VoltageOutOfRange", m.vrange_info),
    status("UPS.PowerConverter.PresentStatus.Buck", m.trim_info),
    status("UPS.PowerConverter.PresentStatus.Boost", m.boost_info),
    status("UPS.PowerConverter.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerConverter.PresentStatus.OverTemperature", m.overheat_info),
    status("UPS.PowerConverter.PresentStatus.InternalFailure", m.commfault_info),
    status("UPS.PowerConverter.PresentStatus.AwaitingPower", m.awaitingpower_info),
    var("input.voltage.nominal", "UPS.PowerSummary.Input.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("input.voltage", "UPS.PowerSummary.Input.Voltage", "%s", lookup=tripplite_iovolt),
    var("input.voltage", "UPS.PowerConverter.Input.Voltage", "%s", lookup=tripplite_iovolt),
    var("input.frequency", "UPS.PowerConverter.Input.Frequency", "%s", lookup=tripplite_iofreq),
    rw(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.1f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var(
        "input.transfer.low.max",
        "UPS.PowerConverter.Output.TLLowVoltageTransferMax",
        "%.0f",
        hu=HU.STATIC,
    ),
    var(
        "input.transfer.low.min",
        "UPS.PowerConverter.Output.TLLowVoltageTransferMin",
        "%.0f",
        hu=HU.STATIC,
    ),
    rw(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.1f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var(
        "input.transfer.high.max",
        "UPS.PowerConverter.Output.TLHighVoltageTransferMax",
        "%.0f",
        hu=HU.STATIC,
    ),
    var(
        "input.transfer.high.min",
        "UPS.PowerConverter.Output.TLHighVoltageTransferMin",
        "%.0f",
        hu=HU.STATIC,
    ),
    var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%s", lookup=tripplite_iovolt),
    var("output.voltage", "UPS.PowerSummary.Voltage", "%s", lookup=tripplite_iovolt),
    var("output.current", "UPS.PowerConverter.Output.Current", "%s", lookup=tripplite_ioamp),
    var("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.0f", hu=HU.STATIC),
    var("output.frequency", "UPS.PowerConverter.Output.Frequency", "%s", lookup=tripplite_iofreq),
    cmd("test.battery.start.quick", "UPS.BatterySystem.Test", "1"),
    cmd("test.battery.start.deep", "UPS.BatterySystem.Test", "2"),
    cmd("test.battery.stop", "UPS.BatterySystem.Test", "3"),
    cmd("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("load.on.delay", "UPS.OutletSystem.Outlet.TLDelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "10"),
    cmd("shutdown.reboot", "UPS.OutletSystem.Outlet.TLWatchdog", "10"),
    cmd("reset.watchdog", "UPS.OutletSystem.Outlet.TLWatchdog", "60"),
    cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
)


def _claims(info: UsbInfo) -> bool:
    factors = PRODUCTS.get((info.vendorid, info.productid))
    if factors is None:
        return False
    SCALE.factors = factors
    return True


SUBDRIVER = Subdriver(
    name="TrippLite HID",
    version="0.85",
    usage_tables=(TRIPPLITE_USAGES,),
    mapping=TRIPPLITE_HID2NUT,
    claims=_claims,
)
