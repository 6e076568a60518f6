"""Delta's usbhid-ups subdriver (NUT's ``delta_ups-hid``, "Delta UPS HID 0.6").

Strategy
--------
Facts from NUT's ``drivers/delta_ups-hid.c`` (HEAD, the same as 2.8.0 but for
the version): vendor id 0x05dd, product 0x041b (RT and Amplon R series,
1-3 kVA), Delta's vendor usages on page 0xffff (``DeltaCustom`` and the
configuration items under it), the mapping rows in NUT's order, and
``delta_ups_type_fun``, which folds Delta's UPS type codes onto five names.

NUT names the model from the string whose index
``UPS.DeltaCustom.[1].DeltaModelName`` holds, falling back to the USB
product string; the driver reads that path first and hands the string over
with ``note_identity``.  0x05dd is also Minuteman's id, whose products
tripplite claims; the two id sets do not overlap.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, IdentityStrings, IdentityValues, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    id_claim,
    status,
    table,
    var,
    vendor_or,
)
from powerdown.state.tree import Flag

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "DELTA_VENDORID", "MODEL_PATH", "note_model"]

DELTA_VENDORID = 0x05DD

#: NUT's ``delta_ups_usage_lkp``, in its order (later names for the same usage win there
#: only where NUT commented the earlier "DELTAn" out; those are left out here too).
DELTA_USAGES: Mapping[int, str] = {
    0x00000000: "DELTA1",
    0xFF000055: "DELTA2",
    0xFFFF0010: "DeltaCustom",
    0xFFFF0056: "DELTA4",
    0xFFFF0057: "DeltaConfigTransferLowMax",
    0xFFFF0058: "DeltaConfigTransferLowMin",
    0xFFFF0059: "DeltaConfigTransferHighMax",
    0xFFFF005A: "DeltaConfigTransferHighMin",
    0xFFFF0060: "DELTA9",
    0xFFFF0061: "DeltaConfigExternalBatteryPack",
    0xFFFF0062: "DELTA11",
    0xFFFF0063: "DELTA12",
    0xFFFF0064: "DELTA13",
    0xFFFF0065: "DELTA14",
    0xFFFF0066: "DELTA15",
    0xFFFF0067: "DELTA16",
    0xFFFF0068: "DELTA17",
    0xFFFF0075: "DeltaModelName",
    0xFFFF0076: "DELTA19",
    0xFFFF007C: "DeltaUPSType",
    0xFFFF007D: "DELTA21",
    0xFFFF0081: "DeltaConfigStartPowerRestoreDelay",
    0xFFFF0091: "DeltaOutputSource",
    0xFFFF0092: "DELTA24",
    0xFFFF0093: "DELTA25",
    0xFFFF0094: "DELTA26",
    0xFFFF0095: "DELTA27",
    0xFFFF0096: "DELTA28",
    0xFFFF0097: "DELTA29",
    0xFFFF0098: "DELTA30",
    0xFFFF0099: "DELTA31",
    0xFFFF009A: "DELTA32",
    0xFFFF009B: "DeltaConfigSensitivity",
    0xFFFF009C: "DeltaConfigStartPowerRestore",
}

delta_ups_sensitivity_info = table([(0, "normal"), (1, "reduced"), (2, "low")])

_UPS_TYPES = ("online", "offline", "line-interactive", "3-phase", "split-phase")


def _ups_type(value: float) -> str | None:
    # The low nibble: 0-2 as they are, 3-5 shift down by two, 6 is split-phase.
    code = int(value) & 0xF
    if code == 6:
        code = 4
    elif 2 < code <= 5:
        code -= 2
    return _UPS_TYPES[code] if 0 <= code <= 4 else None


delta_ups_type_info = Lookup(to_nut=_ups_type)

delta_ups_output_source_info = table(
    [
        (0, "normal"),
        (1, "battery"),
        (2, "bypass/reserve"),
        (3, "reducing"),
        (4, "boosting"),
        (5, "manual bypass"),
        (6, "other"),
        (7, "no output"),
        (8, "on eco"),
    ]
)

_RW = Flag.RW

#: NUT's ``delta_ups_hid2nut``, in its order.
DELTA_HID2NUT = (
    var(
        "input.sensitivity",
        "UPS.DeltaCustom.[1].DeltaConfigSensitivity",
        "%s",
        flags=_RW,
        lookup=delta_ups_sensitivity_info,
    ),
    var("input.voltage.nominal", "UPS.PowerSummary.Input.ConfigVoltage", "%.1f", hu=HU.SEMI_STATIC),
    var("input.voltage", "UPS.PowerSummary.Input.Voltage", "%.1f", hu=HU.QUICK_POLL),
    var("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.1f", hu=HU.QUICK_POLL),
    var("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.1f", flags=_RW),
    var("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.1f", flags=_RW),
    var(
        "input.transfer.low.min",
        "UPS.PowerConverter.Output.DeltaConfigTransferLowMin",
        "%.1f",
        hu=HU.STATIC,
    ),
    var(
        "input.transfer.low.max",
        "UPS.PowerConverter.Output.DeltaConfigTransferLowMax",
        "%.1f",
        hu=HU.STATIC,
    ),
    var(
        "input.transfer.high.min",
        "UPS.PowerConverter.Output.DeltaConfigTransferHighMin",
        "%.1f",
        hu=HU.STATIC,
    ),
    var(
        "input.transfer.high.max",
        "UPS.PowerConverter.Output.DeltaConfigTransferHighMax",
        "%.1f",
        hu=HU.STATIC,
    ),
    var(
        "input.source",
        "UPS.OutletSystem.Outlet.DeltaOutputSource",
        "%s",
        lookup=delta_ups_output_source_info,
    ),
    var("input.frequency", "UPS.PowerConverter.Input.Frequency", "%.1f", hu=HU.QUICK_POLL),
    var(
        "battery.voltage.nominal",
        "UPS.BatterySystem.Battery.ConfigVoltage",
        "%.1f",
        hu=HU.STATIC,
    ),
    var("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.1f", hu=HU.QUICK_POLL),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", hu=HU.QUICK_POLL),
    var("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity", "%.0f"),
    var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        hu=HU.SEMI_STATIC,
        flags=Flag.RW | Flag.STRING,
        length=5,
    ),
    var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
        hu=HU.SEMI_STATIC,
    ),
    var(
        "battery.temperature",
        "UPS.BatterySystem.Temperature",
        "%s",
        hu=HU.QUICK_POLL,
        lookup=m.kelvin_celsius_conversion,
    ),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", hu=HU.QUICK_POLL),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("battery.capacity", "UPS.PowerSummary.DesignCapacity", "%.0f", hu=HU.SEMI_STATIC),
    var("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f", hu=HU.SEMI_STATIC),
    var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.1f", hu=HU.SEMI_STATIC),
    var("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.1f", hu=HU.SEMI_STATIC),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f", hu=HU.QUICK_POLL),
    var("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f", hu=HU.QUICK_POLL),
    var("output.current", "UPS.PowerConverter.Output.Current", "%.1f", hu=HU.QUICK_POLL),
    var(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        "%s",
        hu=HU.QUICK_POLL,
        lookup=m.beeper_info,
    ),
    var("ups.test.result", "UPS.BatterySystem.Test", "%s", lookup=m.test_read_info),
    var(
        "ups.type",
        "UPS.DeltaCustom.[1].DeltaUPSType",
        "%s",
        hu=HU.STATIC,
        lookup=delta_ups_type_info,
    ),
    var(
        "ups.start.auto",
        "UPS.DeltaCustom.[1].DeltaConfigStartPowerRestore",
        "%s",
        flags=_RW,
        lookup=m.yes_no_info,
    ),
    var("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", hu=HU.STATIC),
    var("ups.realpower", "UPS.OutletSystem.Outlet.ActivePower", "%.1f", hu=HU.QUICK_POLL),
    var("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.1f", hu=HU.QUICK_POLL),
    var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.1f", hu=HU.QUICK_POLL),
    var(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DeltaConfigStartPowerRestoreDelay",
        "%.0f",
        flags=_RW,
    ),
    var("ups.timer.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var(
        "ups.timer.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Good", m.off_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info, hu=HU.QUICK_POLL),
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
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.VoltageOutOfRange", m.vrange_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.Buck", m.trim_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.Boost", m.boost_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.Overload", m.overload_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.Used", m.nobattery_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.OverTemperature", m.overheat_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.PresentStatus.InternalFailure", m.commfault_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerConverter.PresentStatus.AwaitingPower", m.awaitingpower_info, hu=HU.QUICK_POLL
    ),
    cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("test.battery.start.quick", "UPS.BatterySystem.Test", "1"),  # 10 seconds
    cmd("test.battery.start.deep", "UPS.BatterySystem.Test", "2"),  # until the battery is low
    cmd("test.battery.stop", "UPS.BatterySystem.Test", "3"),
    cmd("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("shutdown.stop", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "10"),
)

#: The path whose string index names the model (NUT's ``delta_ups_format_model``).
MODEL_PATH = "UPS.DeltaCustom.[1].DeltaModelName"

_model: dict[str, str | None] = {"name": None}


def note_model(name: str | None) -> None:
    """The model string the device gave (None or empty: it has none)."""
    _model["name"] = name or None


def _note_identity(strings: IdentityStrings, values: IdentityValues) -> None:
    note_model(strings.get(MODEL_PATH))


def _format_model(info: UsbInfo, product: str | None) -> str | None:
    name = _model["name"]
    return name if name else product


SUBDRIVER = Subdriver(
    name="Delta UPS HID",
    version="0.6",
    usage_tables=(DELTA_USAGES,),
    mapping=DELTA_HID2NUT,
    claims=id_claim({DELTA_VENDORID: frozenset({0x041B})}),
    format_model=_format_model,
    format_mfr=vendor_or("Delta"),
    identity_strings=(MODEL_PATH,),
    note_identity=_note_identity,
)
