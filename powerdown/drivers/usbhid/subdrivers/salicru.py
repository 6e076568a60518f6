"""Salicru's usbhid-ups subdriver (NUT's ``salicru-hid``, "Salicru HID 0.4").

Strategy
--------
Facts from NUT's ``drivers/salicru-hid.c`` (HEAD): vendor id 0x2e66 and its
six products (SPS ADV RT2, SLC TWIN PRO2/PRO3, SPS HOME, SPS ADV T), no
vendor usages, and the mapping rows in NUT's order: a first set for the SPS
units (``UPS.Output``/``UPS.Input``) followed by the Twin Pro 2 set
(``UPS.PowerConverter``/``UPS.Flow.[4]``).  NUT keeps its commands for the
first set commented out ("need testing"); only the Twin Pro 2 battery tests
are live, and so here.  Rows NUT builds only with ``DEBUG`` are left out.

Salicru SPS SOHO+ units sold with Phoenixtec's 06da:ffff are not claimed
here (NUT's liebert-hid serves them).  Pure: no I/O.
"""

from __future__ import annotations

from types import MappingProxyType

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import cmd, id_claim, rw, status, var, vendor_or

__all__ = ["SUBDRIVER", "SALICRU_VENDORID", "SALICRU_PRODUCTS"]

SALICRU_VENDORID = 0x2E66

#: 0101 SPS 3000 ADV RT2; 0201-0203 SLC TWIN PRO2 (<= 3 kVA) / TWIN PRO3 / TWIN RT3;
#: 0300 SPS 850 HOME; 0302 SPS 850 ADV T.
SALICRU_PRODUCTS = frozenset({0x0101, 0x0201, 0x0202, 0x0203, 0x0300, 0x0302})

#: NUT's ``salicru_usage_lkp`` is empty: the generic names only.
SALICRU_USAGES: MappingProxyType[int, str] = MappingProxyType({})

#: NUT's ``salicru_hid2nut``, in its order (without its ``DEBUG``-only rows).
SALICRU_HID2NUT = (
    # battery
    var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", lookup=m.stringid_conversion),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        10,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    rw("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", 10, hu=HU.SEMI_STATIC),
    var("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.0f"),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f"),
    # ups
    var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    var("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", lookup=m.beeper_info),
    var("ups.test.result", "UPS.Output.Test", "%s", lookup=m.test_read_info),
    var("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    # status bits
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.FullyCharged", m.fullycharged_info),
    status("UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", m.timelimitexpired_info),
    status("UPS.Output.CommunicationLost", m.commfault_info),
    status("UPS.Output.Boost", m.boost_info),
    status("UPS.Output.Overload", m.overload_info),
    # input
    var("input.frequency", "UPS.Input.Frequency", "%.1f"),
    var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    var("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", hu=HU.STATIC),
    var("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", hu=HU.STATIC),
    # output
    var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f"),
    # Twin Pro 2: sensors
    var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    var("ups.test.result", "UPS.BatterySystem.Battery.Test", "%s", lookup=m.test_read_info),
    var("ups.realpower.nominal", "UPS.Flow.[4].ConfigActivePower", "%.0f"),
    var("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.0f"),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.OverTemperature", m.overheat_info),
    var("input.frequency", "UPS.PowerConverter.Input.[1].Frequency", "%.1f"),
    var("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
    var("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f"),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.0f"),
    # NUT lists this row twice; the second never wins, but it is NUT's table
    var("ups.test.result", "UPS.BatterySystem.Battery.Test", "%s", lookup=m.test_read_info),
    # Twin Pro 2: instant commands
    cmd("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1"),
    cmd("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2"),
    cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
)

SUBDRIVER = Subdriver(
    name="Salicru HID",
    version="0.4",
    usage_tables=(SALICRU_USAGES,),
    mapping=SALICRU_HID2NUT,
    claims=id_claim({SALICRU_VENDORID: SALICRU_PRODUCTS}),
    format_mfr=vendor_or("Salicru"),
)
