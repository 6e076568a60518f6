"""Belkin's and Liebert 0x10af's usbhid-ups subdriver (NUT's ``belkin-hid``, version 0.23).

Strategy
--------
Facts from NUT's ``drivers/belkin-hid.c`` (HEAD) and ``docs/hid-subdrivers.txt``:
Belkin's vendor collection on page 0x86 (usages outside the power-device
spec, a bitmap status word per register), the Liebert GXT/PSI units of
vendor 0x10af whose firmware shares Belkin's wrong unit exponents, the
mapping rows in NUT's order, and NUT's repairs of those exponents
(``liebert_config_voltage_info``, ``liebert_line_voltage_info``).

NUT remembers the voltage factors it picked in globals; here in one
``LiebertMult`` object, reset when ``claims`` accepts a device.  Pure.
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
    table,
    var,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "BELKIN_VENDORID", "LIEBERT_VENDORID", "HID_REP_INDEX", "MULT"]

BELKIN_VENDORID = 0x050D
LIEBERT_VENDORID = 0x10AF

_IDS = {
    BELKIN_VENDORID: frozenset(
        {0x0980, 0x0900, 0x0910, 0x0912, 0x0551, 0x0750, 0x0751, 0x0375, 0x0F51, 0x1100}
    ),
    LIEBERT_VENDORID: frozenset({0x0000, 0x0001, 0x0002, 0x0004, 0x0008}),
}

#: NUT HEAD: the Liebert PSI5 / PowerSure PST (10af:0002) has its power-device
#: report descriptor on interface 1, not 0 (``usb_hid_rep_index`` unless the
#: user set one).  For the transport.
HID_REP_INDEX = {(LIEBERT_VENDORID, 0x0002): 1}


@dataclass(slots=True)
class LiebertMult:
    """The factors NUT picks for Liebert firmware's wrong voltage exponents."""

    config_voltage: float = 1.0
    line_voltage: float = 1.0


#: For the device this process serves (NUT: globals).
MULT = LiebertMult()


def _liebert_bit(word: str) -> Lookup:
    return Lookup(to_nut=lambda value: word if value else "!" + word)


liebert_online_info = Lookup(to_nut=lambda value: "online" if value else "!online")
liebert_discharging_info = _liebert_bit("dischrg")
liebert_charging_info = _liebert_bit("chrg")
liebert_lowbatt_info = _liebert_bit("lowbatt")
liebert_replacebatt_info = _liebert_bit("replacebatt")
liebert_shutdownimm_info = _liebert_bit("shutdownimm")


def _liebert_config_voltage(value: float) -> str:
    # An exponent of -7 where 0 was meant: 1e-7 stands for 10 V steps.
    if value < 1 and abs(value - 1e-7) < 1e-9:
        MULT.config_voltage = 1e8
        MULT.line_voltage = 1e7  # in case the input voltage was read low before
    return f"{value * MULT.config_voltage:.1f}"


def _liebert_line_voltage(value: float) -> str:
    if value < 1:
        if abs(value - 1e-5) < 4 * 1e-5:
            MULT.line_voltage = 1e7
        elif abs(value - 1e-3) < 4 * 1e-3:
            MULT.line_voltage = 1e5
    return f"{value * MULT.line_voltage:.1f}"


liebert_config_voltage_info = Lookup(to_nut=_liebert_config_voltage)
liebert_line_voltage_info = Lookup(to_nut=_liebert_line_voltage)


def _firmware(value: float) -> str:
    return str(int(value) >> 4)


_UPSTYPE = {
    1: "offline",
    2: "line-interactive",
    3: "simple online",
    4: "simple offline",
    5: "simple line-interactive",
}


def _upstype(value: float) -> str:
    return _UPSTYPE.get(int(value) & 0x0F, "online")


def _sensitivity(value: float) -> str:
    return {1: "reduced", 2: "low"}.get(int(value), "normal")


belkin_firmware_conversion = Lookup(to_nut=_firmware)
belkin_upstype_conversion = Lookup(to_nut=_upstype)
belkin_sensitivity_conversion = Lookup(to_nut=_sensitivity)
belkin_test_info = table(
    [
        (0, "No test initiated"),
        (1, "Done and passed"),
        (2, "Done and warning"),
        (3, "Done and error"),
        (4, "Aborted"),
        (5, "In progress"),
    ]
)


def _mask_bit(mask: int, word: str, *, inverted: bool = False) -> Lookup:
    # A bit of one of Belkin's status registers: set means ``word`` (or, for
    # ``inverted``, set means not ``word``).
    def to_nut(value: float) -> str:
        on = bool(int(value) & mask) != inverted
        return word if on else "!" + word

    return Lookup(to_nut=to_nut)


belkin_overload_conversion = _mask_bit(0x0010, "overload")
belkin_overheat_conversion = _mask_bit(0x0040, "overheat")
belkin_commfault_conversion = _mask_bit(0x0080, "commfault")
belkin_awaitingpower_conversion = _mask_bit(0x2000, "awaitingpower")
#: Bit 0 of the power register is "AC failure": set means on battery.
belkin_online_conversion = _mask_bit(0x0001, "online", inverted=True)
belkin_lowbatt_conversion = _mask_bit(0x0004, "lowbatt")
belkin_depleted_conversion = _mask_bit(0x0040, "depleted")
belkin_replacebatt_conversion = _mask_bit(0x0080, "replacebatt")

BELKIN_USAGES: Mapping[int, str] = {
    0x00860026: "BELKINConfig",
    0x00860040: "BELKINConfigVoltage",
    0x00860042: "BELKINConfigFrequency",
    0x00860043: "BELKINConfigApparentPower",
    0x00860044: "BELKINConfigBatteryVoltage",
    0x00860045: "BELKINConfigOverloadTransfer",
    0x00860053: "BELKINLowVoltageTransfer",
    0x00860054: "BELKINHighVoltageTransfer",
    0x0086005B: "BELKINLowVoltageTransferMax",
    0x0086005C: "BELKINLowVoltageTransferMin",
    0x0086005D: "BELKINHighVoltageTransferMax",
    0x0086005E: "BELKINHighVoltageTransferMin",
    0x00860027: "BELKINControls",
    0x00860050: "BELKINLoadOn",
    0x00860051: "BELKINLoadOff",
    0x00860052: "BELKINLoadToggle",
    0x00860055: "BELKINDelayBeforeReboot",
    0x00860056: "BELKINDelayBeforeStartup",
    0x00860057: "BELKINDelayBeforeShutdown",
    0x00860058: "BELKINTest",
    0x0086005A: "BELKINAudibleAlarmControl",
    0x00860029: "BELKINDevice",
    0x00860074: "BELKINVoltageSensitivity",
    0x00860075: "BELKINModelString",
    0x00860076: "BELKINModelStringOffset",
    0x0086007C: "BELKINUPSType",
    0x0086002A: "BELKINPowerState",
    0x0086001A: "BELKINInput",
    0x0086001C: "BELKINOutput",
    0x00860010: "BELKINBatterySystem",
    0x00860030: "BELKINVoltage",
    0x00860032: "BELKINFrequency",
    0x00860034: "BELKINPower",
    0x00860035: "BELKINPercentLoad",
    0x00860036: "BELKINTemperature",
    0x00860039: "BELKINCharge",
    0x0086006C: "BELKINRunTimeToEmpty",
    0x00860028: "BELKINStatus",
    0x00860022: "BELKINBatteryStatus",
    0x00860021: "BELKINPowerStatus",
}

#: NUT's ``belkin_hid2nut``, in its order.
BELKIN_HID2NUT = (
    var("battery.charge", "UPS.BELKINBatterySystem.BELKINCharge", "%.0f"),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f"),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", lookup=m.stringid_conversion),
    var(
        "battery.voltage",
        "UPS.BELKINBatterySystem.BELKINVoltage",
        "%s",
        lookup=m.divide_by_10_conversion,
    ),
    var("battery.voltage.nominal", "UPS.BELKINConfig.BELKINConfigBatteryVoltage", "%.0f"),
    var(
        "input.frequency",
        "UPS.BELKINPowerState.BELKINInput.BELKINFrequency",
        "%s",
        lookup=m.divide_by_10_conversion,
    ),
    var("input.frequency.nominal", "UPS.BELKINConfig.BELKINConfigFrequency", "%.0f"),
    rw(
        "input.sensitivity",
        "UPS.BELKINDevice.BELKINVoltageSensitivity",
        "%s",
        10,
        lookup=belkin_sensitivity_conversion,
    ),
    rw("input.transfer.high", "UPS.BELKINConfig.BELKINHighVoltageTransfer", "%.0f", 10),
    var("input.transfer.high.max", "UPS.BELKINConfig.BELKINHighVoltageTransferMax", "%.0f"),
    var("input.transfer.high.min", "UPS.BELKINConfig.BELKINHighVoltageTransferMin", "%.0f"),
    rw("input.transfer.low", "UPS.BELKINConfig.BELKINLowVoltageTransfer", "%.0f", 10),
    var("input.transfer.low.max", "UPS.BELKINConfig.BELKINLowVoltageTransferMax", "%.0f"),
    var("input.transfer.low.min", "UPS.BELKINConfig.BELKINLowVoltageTransferMin", "%.0f"),
    var(
        "input.voltage",
        "UPS.BELKINPowerState.BELKINInput.BELKINVoltage",
        "%s",
        lookup=m.divide_by_10_conversion,
    ),
    var("input.voltage.nominal", "UPS.BELKINConfig.BELKINConfigVoltage", "%.0f"),
    var(
        "output.frequency",
        "UPS.BELKINPowerState.BELKINOutput.BELKINFrequency",
        "%s",
        lookup=m.divide_by_10_conversion,
    ),
    var(
        "output.voltage",
        "UPS.BELKINPowerState.BELKINOutput.BELKINVoltage",
        "%s",
        lookup=m.divide_by_10_conversion,
    ),
    var(
        "ups.beeper.status",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "%s",
        lookup=m.beeper_info,
    ),
    rw(
        "ups.delay.start",
        "UPS.BELKINControls.BELKINDelayBeforeStartup",
        DEFAULT_ONDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw(
        "ups.delay.shutdown",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    var("ups.timer.start", "UPS.BELKINControls.BELKINDelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var(
        "ups.timer.shutdown",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var("ups.timer.reboot", "UPS.BELKINControls.BELKINDelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    var("ups.firmware", "UPS.BELKINDevice.BELKINUPSType", "%s", lookup=belkin_firmware_conversion),
    var("ups.load", "UPS.BELKINPowerState.BELKINOutput.BELKINPercentLoad", "%.0f"),
    var("ups.load.high", "UPS.BELKINConfig.BELKINConfigOverloadTransfer", "%.0f"),
    var("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", lookup=m.date_conversion),
    var("ups.power.nominal", "UPS.BELKINConfig.BELKINConfigApparentPower", "%.0f"),
    var("ups.serial", "UPS.PowerSummary.iSerialNumber", "%s", lookup=m.stringid_conversion),
    var("ups.test.result", "UPS.BELKINControls.BELKINTest", "%s", lookup=belkin_test_info),
    var("ups.type", "UPS.BELKINDevice.BELKINUPSType", "%s", lookup=belkin_upstype_conversion),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", hu=HU.QUICK_POLL),
    var("input.frequency", "UPS.Input.Frequency", "%s", lookup=m.divide_by_10_conversion),
    var("input.voltage", "UPS.Input.Voltage", "%s", lookup=liebert_line_voltage_info),
    var("output.voltage", "UPS.Output.Voltage", "%s", lookup=liebert_line_voltage_info),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%s", lookup=liebert_line_voltage_info),
    var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%s",
        hu=HU.STATIC,
        lookup=liebert_config_voltage_info,
    ),
    var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    var("input.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    var(
        "input.frequency",
        "UPS.PowerConverter.Input.Frequency",
        "%s",
        lookup=m.divide_by_100_conversion,
    ),
    var(
        "input.voltage", "UPS.PowerConverter.Input.Voltage", "%s", lookup=liebert_line_voltage_info
    ),
    var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    var(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        "%s",
        lookup=m.divide_by_100_conversion,
    ),
    var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%s",
        lookup=liebert_line_voltage_info,
    ),
    var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    var(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        "%s",
        lookup=liebert_line_voltage_info,
    ),
    var("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.0f"),
    var("battery.capacity", "UPS.Flow.ConfigApparentPower", "%.0f"),
    status("UPS.PowerSummary.Discharging", liebert_discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.Charging", liebert_charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.ShutdownImminent", liebert_shutdownimm_info),
    status("UPS.PowerSummary.ACPresent", liebert_online_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.Discharging", liebert_discharging_info, hu=HU.QUICK_POLL
    ),
    status("UPS.PowerSummary.PresentStatus.Charging", liebert_charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", liebert_shutdownimm_info),
    status("UPS.PowerSummary.PresentStatus.ACPresent", liebert_online_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement", liebert_replacebatt_info, hu=HU.QUICK_POLL
    ),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        liebert_lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.BELKINStatus.BELKINPowerStatus", belkin_overload_conversion),
    status("UPS.BELKINStatus.BELKINPowerStatus", belkin_overheat_conversion),
    status("UPS.BELKINStatus.BELKINPowerStatus", belkin_commfault_conversion),
    status("UPS.BELKINStatus.BELKINPowerStatus", belkin_awaitingpower_conversion),
    status("UPS.BELKINStatus.BELKINPowerStatus", belkin_online_conversion, hu=HU.QUICK_POLL),
    status("UPS.BELKINStatus.BELKINBatteryStatus", belkin_depleted_conversion, hu=HU.QUICK_POLL),
    status("UPS.BELKINStatus.BELKINBatteryStatus", belkin_replacebatt_conversion),
    status("UPS.BELKINStatus.BELKINBatteryStatus", belkin_lowbatt_conversion, hu=HU.QUICK_POLL),
    cmd("test.battery.start.quick", "UPS.BELKINControls.BELKINTest", "1"),
    cmd("test.battery.start.deep", "UPS.BELKINControls.BELKINTest", "2"),
    cmd("test.battery.stop", "UPS.BELKINControls.BELKINTest", "3"),
    cmd("beeper.on", "UPS.BELKINControls.BELKINAudibleAlarmControl", "2"),
    cmd("beeper.off", "UPS.BELKINControls.BELKINAudibleAlarmControl", "3"),
    cmd("beeper.disable", "UPS.BELKINControls.BELKINAudibleAlarmControl", "1"),
    cmd("beeper.enable", "UPS.BELKINControls.BELKINAudibleAlarmControl", "2"),
    cmd("beeper.mute", "UPS.BELKINControls.BELKINAudibleAlarmControl", "3"),
    cmd("load.off", "UPS.BELKINControls.BELKINDelayBeforeShutdown", "1"),
    cmd("load.on", "UPS.BELKINControls.BELKINDelayBeforeStartup", "1"),
    cmd("load.off.delay", "UPS.BELKINControls.BELKINDelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.BELKINControls.BELKINDelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.BELKINControls.BELKINDelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.BELKINControls.BELKINDelayBeforeReboot", "10"),
)


def _claims(info: UsbInfo) -> bool:
    products = _IDS.get(info.vendorid)
    if products is None or info.productid not in products:
        return False
    MULT.config_voltage = MULT.line_voltage = 1.0
    return True


def _format_model(info: UsbInfo, product: str | None) -> str | None:
    return product if product else "unknown"


def _format_mfr(info: UsbInfo, vendor: str | None) -> str | None:
    mfr = (vendor if vendor is not None else "Belkin").lstrip(" ")
    return mfr if mfr else "Belkin"


def _format_serial(info: UsbInfo, serial: str | None) -> str | None:
    # NUT falls back to the string UPS.PowerSummary.iSerialNumber points at;
    # that read is the driver's (see the module's report).
    return serial


SUBDRIVER = Subdriver(
    name="Belkin/Liebert HID",
    version="0.23",
    usage_tables=(BELKIN_USAGES,),
    mapping=BELKIN_HID2NUT,
    claims=_claims,
    format_model=_format_model,
    format_mfr=_format_mfr,
    format_serial=_format_serial,
)
