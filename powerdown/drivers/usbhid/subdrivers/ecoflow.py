"""EcoFlow's usbhid-ups subdriver (NUT's ``ecoflow-hid``, "EcoFlow HID 0.01").

Strategy
--------
Facts from NUT's ``drivers/ecoflow-hid.c`` (HEAD only; 2.8.0 has no EcoFlow
support): vendor id 0x3746, product 0xffff (River 3 Plus, Delta 3 Plus
power stations), no vendor usages, and the mapping rows in NUT's order
(without its ``WITH_UNMAPPED_DATA_POINTS`` rows).  These units report
``RunTimeToEmpty`` in minutes: NUT turns it into seconds (and publishes
nothing for a negative value).  NUT keeps its commands commented out (they
did not work on the units tried), so there are none.  Pure: no I/O.
"""

from __future__ import annotations

from types import MappingProxyType

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import id_claim, rw, status, var, vendor_or

__all__ = ["SUBDRIVER", "ECOFLOW_VENDORID"]

ECOFLOW_VENDORID = 0x3746

ECOFLOW_USAGES: MappingProxyType[int, str] = MappingProxyType({})


def _minutes_to_seconds(value: float) -> str | None:
    return f"{value * 60.0:.0f}" if value >= 0 else None


ecoflow_runtime_conversion = Lookup(to_nut=_minutes_to_seconds)

_Q = HU.QUICK_POLL

#: NUT's ``ecoflow_hid2nut``, in its order.
ECOFLOW_HID2NUT = (
    var(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        "%s",
        hu=_Q,
        lookup=m.beeper_info,
    ),
    var("ups.power.nominal", "UPS.Flow.[4].ConfigActivePower", "%.0f", hu=HU.STATIC),
    var("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f", hu=HU.SEMI_STATIC),
    var("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", hu=_Q),
    var("ups.timer.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "%.0f", hu=_Q),
    var("battery.capacity.nominal", "UPS.PowerSummary.DesignCapacity", "%.0f", hu=HU.SEMI_STATIC),
    var("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f", hu=HU.SEMI_STATIC),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "experimental.ups.powersummary.ioeminformation",
        "UPS.PowerSummary.iOEMInformation",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", lookup=m.date_conversion),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", m.lowbatt_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.CommunicationLost", m.commfault_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.FullyCharged", m.fullycharged_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.FullyDischarged", m.depleted_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info, hu=_Q),
    status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        m.timelimitexpired_info,
        hu=_Q,
    ),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info, hu=_Q),
    var(
        "experimental.ups.powersummary.presentstatus.shutdownrequested",
        "UPS.PowerSummary.PresentStatus.ShutdownRequested",
        "%.0f",
    ),
    var(
        "experimental.ups.powersummary.presentstatus.voltagenotregulated",
        "UPS.PowerSummary.PresentStatus.VoltageNotRegulated",
        "%.0f",
    ),
    var("experimental.ups.powersummary.rechargeable", "UPS.PowerSummary.Rechargeable", "%.0f"),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", hu=_Q),
    # the app's discharge limit: the load goes off at this charge
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", hu=HU.SEMI_STATIC),
    var(
        "battery.runtime",
        "UPS.PowerSummary.RunTimeToEmpty",
        "%.0f",
        hu=_Q,
        lookup=ecoflow_runtime_conversion,
    ),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f", hu=_Q),
    var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
        hu=HU.SEMI_STATIC,
    ),
)

SUBDRIVER = Subdriver(
    name="EcoFlow HID",
    version="0.01",
    usage_tables=(ECOFLOW_USAGES,),
    mapping=ECOFLOW_HID2NUT,
    claims=id_claim({ECOFLOW_VENDORID: frozenset({0xFFFF})}),
    format_mfr=vendor_or("EcoFlow"),
)
