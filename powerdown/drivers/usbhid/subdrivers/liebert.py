"""Phoenixtec/Liebert's usbhid-ups subdriver (NUT's ``liebert-hid``, "Phoenixtec/Liebert HID 0.41").

Strategy
--------
Facts from NUT's ``drivers/liebert-hid.c`` and ``docs/hid-subdrivers.txt``:
no vendor page (only the HID power-device pages), vendor id 0x06da
(Phoenixtec, despite the name; the Liebert-branded 0x10af units are in
``belkin``), the mapping rows in NUT's order.  Pure: no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Subdriver
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
    pass

__all__ = ["SUBDRIVER", "PHOENIXTEC_VENDORID"]

PHOENIXTEC_VENDORID = 0x06DA

#: NUT's ``liebert_hid2nut``, in its order.
LIEBERT_HID2NUT = (
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f"),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("experimental.battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f"),
    var("experimental.battery.capacity.nominal", "UPS.PowerSummary.DesignCapacity", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", lookup=m.stringid_conversion),
    var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    var("ups.power.nominal", "UPS.Flow.[4].ConfigApparentPower", "%.0f", hu=HU.SEMI_STATIC),
    var("ups.test.result", "UPS.BatterySystem.Battery.Test", "%s", lookup=m.test_read_info),
    var(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=m.beeper_info,
    ),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Flow.[4].ConfigVoltage", "%.0f", hu=HU.SEMI_STATIC),
    var("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.2f"),
    var("output.frequency.nominal", "UPS.Flow.[4].ConfigFrequency", "%.0f", hu=HU.SEMI_STATIC),
    var(
        "output.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.1f",
        hu=HU.SEMI_STATIC,
    ),
    var(
        "output.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.1f",
        hu=HU.SEMI_STATIC,
    ),
    var("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
    var("input.frequency", "UPS.PowerConverter.Input.[1].Frequency", "%.2f"),
    var("input.transfer.low", "UPS.PowerConverter.Output.ffff0057", "%.0f", hu=HU.SEMI_STATIC),
    var("input.transfer.high", "UPS.PowerConverter.Output.ffff0058", "%.0f", hu=HU.SEMI_STATIC),
    var(
        "input.frequency.transfer.low",
        "UPS.PowerConverter.Output.ffff00f9",
        "%.0f",
        hu=HU.SEMI_STATIC,
    ),
    var(
        "input.frequency.transfer.high",
        "UPS.PowerConverter.Output.ffff00f8",
        "%.0f",
        hu=HU.SEMI_STATIC,
    ),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Good", m.off_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.Input.[1].PresentStatus.Buck", m.trim_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.Boost", m.boost_info),
    rw("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, 10, hu=HU.ABSENT),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    cmd("test.battery.start", "UPS.BatterySystem.Battery.Test", "1"),
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1"),
    cmd("beeper.toggle", "UPS.PowerSummary.AudibleAlarmControl", "1"),
)


SUBDRIVER = Subdriver(
    name="Phoenixtec/Liebert HID",
    version="0.41",
    usage_tables=(),
    mapping=LIEBERT_HID2NUT,
    claims=id_claim({PHOENIXTEC_VENDORID: frozenset({0xFFFF})}),
    format_mfr=vendor_or("Liebert"),
)
