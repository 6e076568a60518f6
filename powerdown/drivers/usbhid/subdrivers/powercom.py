"""PowerCOM's usbhid-ups subdriver (NUT's ``powercom-hid``, "PowerCOM HID 0.75").

Strategy
--------
Facts from NUT's ``drivers/powercom-hid.c`` (HEAD) and ``docs/hid-subdrivers.txt``:
PowerCOM's vendor collections (page 0x0002 "PowercomUPS" and the odd
usages on 0x0084/0xff86/0x00ff), the mapping rows in NUT's order, the status
registers read bit by bit, and the delay encodings of the shutdown and
startup commands: minutes, byte-swapped, for the startup delay; minutes in
the high byte and seconds in the low byte, with the "restart when power
returns" (0x0040) or "stay off" (0x0080) flag, for the shutdown delay.

HEAD fixed the byte order of that shutdown word (2.8.0 sent minutes and
seconds swapped, which devices seen since 2024 misread); we follow HEAD and
do not offer its ``powercom_sdcmd_byte_order_fallback`` or
``powercom_sdcmd_discrete_delay`` options.  HEAD's ``battery.voltage`` row
(a raw read of report 0xa4 behind the ``ACPresent`` usage) is left out:
it is I/O, not a mapping.  Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Quirks, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    cmd,
    id_claim,
    rw,
    status,
    table,
    var,
    vendor_or,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "POWERCOM_VENDORID", "INTERRUPT_ONLY"]

POWERCOM_VENDORID = 0x0D9F

#: a2 IMPERIAL, a3 Smart KING Pro, a4 WOW, a5 Vanguard, a6 Black Knight Pro,
#: 0004 Vanguard and BNT-xxxAP, 0001 (interrupt reports only, 8 bytes).
POWERCOM_PRODUCTS = frozenset({0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x0004, 0x0001})

#: (vendor, product) -> interrupt report size, for devices NUT reads only by interrupt.
INTERRUPT_ONLY = {(POWERCOM_VENDORID, 0x0001): 8}

_INT = re.compile(r"\s*([-+]?\d+)")


def _atoi(text: str) -> int:
    m_ = _INT.match(text)
    return int(m_.group(1)) if m_ else 0


def _startup_to_nut(value: float) -> str:
    # Minutes, byte-swapped.
    i = int(value) & 0xFFFF
    return str(60 * (((i & 0x00FF) << 8) + (i >> 8)))


def _startup_to_hid(text: str) -> float | None:
    minutes = int(_atoi(text) / 60) if text else 2  # NUT's last resort: 120 s
    if minutes < 0 or minutes > 0xFFFFFFFF:
        return 0.0
    word = minutes & 0xFFFF
    return float(((word << 8) & 0xFFFF) + (word >> 8))


def _shutdown_to_nut(value: float) -> str:
    i = int(value) & 0xFFFF
    return str(60 * (i >> 8) + (i & 0x00FF))


def _delay_word(text: str, flag: int) -> float:
    seconds = _atoi(text) if text else 60  # NUT's last resort: 60 s
    if seconds < 0 or seconds > 0xFFFF:
        return 0.0
    seconds = seconds or 1  # 0 would mean the longest delay
    return float(((((seconds // 60) << 8) & 0xFFFF) + seconds % 60) | flag)


def _shutdown_to_hid(text: str) -> float | None:
    return _delay_word(text, 0x0040)  # restart when the power returns


def _stayoff_to_hid(text: str) -> float | None:
    return _delay_word(text, 0x0080)  # stay off


powercom_startup_info = Lookup(to_nut=_startup_to_nut, to_hid=_startup_to_hid)
powercom_shutdown_info = Lookup(to_nut=_shutdown_to_nut, to_hid=_shutdown_to_hid)
powercom_stayoff_info = Lookup(to_hid=_stayoff_to_hid)
powercom_beeper_info = table([(1, "enabled"), (2, "disabled")])


def _voltage(value: float) -> str:
    return f"{value * 4:0.0f}"


powercom_voltage_conversion = Lookup(to_nut=_voltage)


def _bit(mask: int, word: str, *, equals: int | None = None, inverted: bool = False) -> Lookup:
    # One flag of a PowerCOM status register; ``equals`` compares the masked
    # bits with a value (trim and boost share two bits).
    def to_nut(value: float) -> str:
        bits = int(value) & mask
        on = (bits == equals) if equals is not None else bool(bits)
        return word if on != inverted else "!" + word

    return Lookup(to_nut=to_nut)


powercom_upsfail_conversion = _bit(0x0001, "fanfail")
powercom_replacebatt_conversion = _bit(0x0002, "replacebatt")
powercom_test_conversion = _bit(0x0004, "cal")
powercom_shutdownimm_conversion = _bit(0x0010, "shutdownimm")
#: bit 0 set: on battery
powercom_online_conversion = _bit(0x0001, "online", inverted=True)
powercom_lowbatt_conversion = _bit(0x0002, "lowbatt")
powercom_trim_conversion = _bit(0x0018, "trim", equals=0x0008)
powercom_boost_conversion = _bit(0x0018, "boost", equals=0x0018)
powercom_overload_conversion = _bit(0x0020, "overload")

POWERCOM_USAGES: Mapping[int, str] = {
    0x00020004: "PowercomUPS",
    0x00020010: "PowercomBatterySystem",
    0x00020016: "PowercomPowerConverter",
    0x0002001A: "PowercomInput",
    0x0002001C: "PowercomOutput",
    0x00020030: "PowercomVoltage",
    0x00020032: "PowercomFrequency",
    0x00020035: "PowercomPercentLoad",
    0x00020036: "PowercomTemperature",
    0x00020056: "PowercomDelayBeforeStartup",
    0x00020057: "PowercomDelayBeforeShutdown",
    0x00020058: "PowercomTest",
    0x00020068: "PowercomShutdownRequested",
    0x00020081: "PowercomInternalChargeController",
    0x00020082: "PowercomPrimaryBatterySupport",
    0x00020083: "PowercomDesignCapacity",
    0x00020084: "PowercomSpecificationInfo",
    0x00020085: "PowercomManufacturerDate",
    0x00020086: "PowercomSerialNumber",
    0x00020087: "PowercomManufacturerName",
    0x0084002F: "POWERCOM1",
    0xFF860060: "POWERCOM2",
    0xFF860080: "POWERCOM3",
    0x00FF0056: "PCMDelayBeforeStartup",
    0x00FF0057: "PCMDelayBeforeShutdown",
}

#: NUT's ``powercom_hid2nut``, in its order.
POWERCOM_HID2NUT = (
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info),
    status("UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", m.lowbatt_info),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info),
    status("UPS.PowerSummary.PresentStatus.CommunicationLost", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", m.timelimitexpired_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    status("UPS.PresentStatus.ACPresent", m.online_info),
    status("UPS.PresentStatus.BatteryPresent", m.nobattery_info),
    status("UPS.PresentStatus.BelowRemainingCapacityLimit", m.lowbatt_info),
    status("UPS.PresentStatus.Boost", m.boost_info),
    status("UPS.PresentStatus.Buck", m.trim_info),
    status("UPS.PresentStatus.Charging", m.charging_info),
    status("UPS.PresentStatus.CommunicationLost", m.commfault_info),
    status("UPS.PresentStatus.Discharging", m.discharging_info),
    status("UPS.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PresentStatus.Overload", m.overload_info),
    status("UPS.PresentStatus.RemainingTimeLimitExpired", m.timelimitexpired_info),
    status("UPS.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.charge", "UPS.Battery.RemainingCapacity", "%.0f"),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f"),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    var(
        "battery.mfr.date",
        "UPS.Battery.ManufacturerDate",
        "%s",
        hu=HU.STATIC,
        lookup=m.date_conversion,
    ),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        "%s",
        lookup=powercom_beeper_info,
    ),
    var("ups.beeper.status", "UPS.AudibleAlarmControl", "%s", lookup=powercom_beeper_info),
    var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    var(
        "ups.date",
        "UPS.PowerSummary.ManufacturerDate",
        "%s",
        hu=HU.STATIC,
        lookup=m.date_conversion,
    ),
    var("ups.test.result", "UPS.Battery.Test", "%s", lookup=m.test_read_info),
    rw("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", "60", 8, hu=HU.ABSENT),
    var(
        "ups.timer.start",
        "UPS.PowerSummary.DelayBeforeStartup",
        "%.0f",
        lookup=powercom_startup_info,
    ),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        8,
        hu=HU.ABSENT,
    ),
    var(
        "ups.timer.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=powercom_shutdown_info,
    ),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        8,
        hu=HU.ABSENT,
    ),
    var(
        "ups.timer.shutdown",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=powercom_shutdown_info,
    ),
    var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("input.frequency", "UPS.Input.Frequency", "%.1f"),
    var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    cmd("beeper.toggle", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "0"),
    cmd("test.battery.start.quick", "UPS.Battery.Test", "1"),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", None, lookup=powercom_startup_info),
    cmd(
        "shutdown.return",
        "UPS.PowerSummary.DelayBeforeShutdown",
        None,
        lookup=powercom_shutdown_info,
    ),
    cmd(
        "shutdown.stayoff",
        "UPS.PowerSummary.DelayBeforeShutdown",
        None,
        lookup=powercom_stayoff_info,
    ),
    cmd("load.on", "UPS.PowerSummary.PCMDelayBeforeStartup", "0", lookup=powercom_startup_info),
    cmd("load.off", "UPS.PowerSummary.PCMDelayBeforeShutdown", "0", lookup=powercom_stayoff_info),
    cmd(
        "shutdown.return",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        None,
        lookup=powercom_shutdown_info,
    ),
    cmd(
        "shutdown.stayoff",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        None,
        lookup=powercom_stayoff_info,
    ),
    var("ups.serial", "PowercomUPS.PowercomSerialNumber", "%s", lookup=m.stringid_conversion),
    var("ups.mfr", "PowercomUPS.PowercomManufacturerName", "%s", lookup=m.stringid_conversion),
    var("ups.mfr.date", "PowercomUPS.PowercomManufacturerDate", "%s", lookup=m.date_conversion),
    var("battery.temperature", "PowercomUPS.PowercomBatterySystem.PowercomTemperature", "%.0f"),
    var("battery.temperature", "UPS.Battery.Temperature", "%.1f"),
    var("battery.charge", "PowercomUPS.PowercomBatterySystem.PowercomVoltage", "%.0f"),
    var(
        "input.frequency",
        "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomFrequency",
        "%.0f",
    ),
    var(
        "input.voltage",
        "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomVoltage",
        "%.0f",
        lookup=powercom_voltage_conversion,
    ),
    var(
        "output.voltage",
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomVoltage",
        "%.0f",
        lookup=powercom_voltage_conversion,
    ),
    var(
        "ups.load", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPercentLoad", "%.0f"
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        powercom_upsfail_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        powercom_replacebatt_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        powercom_test_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        powercom_shutdownimm_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        powercom_online_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        powercom_lowbatt_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        powercom_trim_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        powercom_boost_conversion,
        hu=HU.QUICK_POLL,
    ),
    status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        powercom_overload_conversion,
        hu=HU.QUICK_POLL,
    ),
    var(
        "output.frequency",
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomFrequency",
        "%.0f",
    ),
    var(
        "ups.test.result",
        "PowercomUPS.PowercomPowerConverter.PowercomTest",
        "%s",
        lookup=m.test_read_info,
    ),
    var(
        "ups.delay.shutdown",
        "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown",
        "%.0f",
    ),
    var("ups.delay.start", "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeStartup", "%.0f"),
    cmd("load.off", "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown", "0"),
)


def _quirks(info: UsbInfo) -> Quirks:
    """0d9f:0001 has no feature reports: NUT reads it by interrupt only, 8 bytes."""
    return Quirks(interrupt_only_size=INTERRUPT_ONLY.get((info.vendorid, info.productid), 0))


SUBDRIVER = Subdriver(
    name="PowerCOM HID",
    version="0.75",
    usage_tables=(POWERCOM_USAGES,),
    mapping=POWERCOM_HID2NUT,
    claims=id_claim({POWERCOM_VENDORID: POWERCOM_PRODUCTS}),
    quirks=_quirks,
    format_mfr=vendor_or("PowerCOM"),
)
