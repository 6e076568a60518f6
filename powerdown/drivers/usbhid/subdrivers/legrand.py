"""Legrand's usbhid-ups subdriver (NUT's ``legrand-hid``, "Legrand HID 0.2").

Strategy
--------
Facts from NUT's ``drivers/legrand-hid.c`` (HEAD): the Keor PDU and Keor SP
ids, no vendor usages (the generic pages only), and the factors by which
the Keor SP's PowerConverter values are off (x10, x100000, x1000000, x10^7).
NUT turns the interrupt pipe off for both products, as for APC's 5G units:
``NO_INTERRUPT_PIPE`` lists them.  Pure: no I/O.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Quirks, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    id_claim,
    rw,
    status,
    var,
    vendor_or,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "LEGRAND_VENDORID", "NO_INTERRUPT_PIPE"]

LEGRAND_VENDORID = 0x1CB0
LEGRAND_PID_PDU = 0x0038  # Keor PDU (800 VA)
LEGRAND_PID_SP = 0x0032  # Keor SP (600 to 2000 VA)
LEGRAND_PRODUCTS = frozenset({LEGRAND_PID_PDU, LEGRAND_PID_SP})

#: NUT's id table hook turns the interrupt pipe off for every Legrand product.
NO_INTERRUPT_PIPE = LEGRAND_PRODUCTS


def _times(factor: float) -> Lookup:
    return Lookup(to_nut=lambda value: f"{value * factor:0.1f}")


legrand_times10_info = _times(10)
legrand_times100k_info = _times(100000)
legrand_times1M_info = _times(1000000)
legrand_times10M_info = _times(10000000)

#: NUT's ``legrand_usage_lkp`` is empty: the generic names only.
LEGRAND_USAGES: MappingProxyType[int, str] = MappingProxyType({})

#: NUT's ``legrand_hid2nut``, in its order.
LEGRAND_HID2NUT = (
    var("input.voltage", "UPS.Input.Voltage", "%.0f"),
    var("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.0f", lookup=legrand_times1M_info),
    var("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", hu=HU.STATIC),
    var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.0f",
        hu=HU.STATIC,
        lookup=legrand_times10_info,
    ),
    var("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", hu=HU.STATIC),
    var("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.0f", hu=HU.STATIC),
    var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("input.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.0f",
        hu=HU.STATIC,
        lookup=m.divide_by_10_conversion,
    ),
    var("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.0f", lookup=m.divide_by_10_conversion),
    var(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        "%.0f",
        lookup=legrand_times100k_info,
    ),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RuntimeToEmpty", "%.0f"),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", hu=HU.STATIC),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", hu=HU.STATIC),
    var("output.voltage", "UPS.Output.Voltage", "%.0f"),
    var(
        "output.voltage", "UPS.PowerConverter.Output.Voltage", "%.0f", lookup=legrand_times10M_info
    ),
    var("output.frequency", "UPS.Output.Frequency", "%.0f"),
    var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    var("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f", hu=HU.STATIC),
    var("ups.realpower.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", hu=HU.STATIC),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.Output.Overload", m.overload_info, hu=HU.QUICK_POLL),
    rw(
        "ups.delay.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        DEFAULT_ONDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, 10, hu=HU.ABSENT),
    rw("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, 10, hu=HU.ABSENT),
    cmd("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1"),
    cmd("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2"),
    cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
    cmd("test.battery.start.quick", "UPS.Output.Test", "1"),
    cmd("test.battery.start.deep", "UPS.Output.Test", "2"),
    cmd("test.battery.stop", "UPS.Output.Test", "3"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "3"),
)


def _quirks(info: UsbInfo) -> Quirks:
    return Quirks(no_interrupt_pipe=info.productid in NO_INTERRUPT_PIPE)


SUBDRIVER = Subdriver(
    name="Legrand HID",
    version="0.2",
    usage_tables=(LEGRAND_USAGES,),
    mapping=LEGRAND_HID2NUT,
    claims=id_claim({LEGRAND_VENDORID: LEGRAND_PRODUCTS}),
    quirks=_quirks,
    format_mfr=vendor_or("Legrand"),
)
