"""CyberPower's usbhid-ups subdriver (NUT's ``cps-hid``, "CyberPower HID 0.85").

Strategy
--------
Facts from NUT's ``drivers/cps-hid.c`` (HEAD) and ``docs/hid-subdrivers.txt``:
vendor page 0xff01, the mapping rows in NUT's order, and the fix-ups NUT
applies to CyberPower's firmware:

* the report descriptor of 0764:0501 and 0764:0601 gives the output (and
  sometimes input) voltage the high-transfer voltage's range, gets the
  logical maximum's sign wrong, and clips ``ConfigActivePower``
  (``cps_fix_report_desc``; HEAD's version, which added the last two);
* some 0764:0501 firmware reports the battery voltage 1.5 times too high
  and the frequencies in tenths of a hertz; NUT decides a scale once per
  device from the first reading and keeps it (``CpsScale``).

NUT keeps that scale in globals of the driver process; here it is one
``CpsScale`` object, reset when ``claims`` accepts a device.  NUT reads the
nominal battery voltage back from the published variables; here the
``battery.voltage.nominal`` row's own lookup records it.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    cmd,
    find_field,
    rw,
    status,
    table,
    var,
    vendor_or,
    with_logical,
)

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import ReportDescriptor
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "CPS_VENDORID", "STMICRO_VENDORID", "CpsScale", "SCALE"]

CPS_VENDORID = 0x0764
#: ST Microelectronics' id, lent to OEMs: 0483:a430 is a Cyber Energy (CPS) unit.
STMICRO_VENDORID = 0x0483

#: usbhid-ups.h: CyberPower's own ``ondelay`` / ``offdelay`` defaults.
DEFAULT_ONDELAY_CPS = "120"
DEFAULT_OFFDELAY_CPS = "60"

#: 0005 900AVR/BC900D; 0501 CP1200AVR, CP1500C, CP550HG ...; 0601 OR2200LCDRM2U, PR6000LCDRTXL5U ...
_IDS = {CPS_VENDORID: frozenset({0x0005, 0x0501, 0x0601}), STMICRO_VENDORID: frozenset({0xA430})}

#: Above this ratio of battery voltage to nominal, NUT scales battery readings by 2/3.
BATTERY_VOLTAGE_SANITY_CHECK = 1.4


@dataclass(slots=True)
class CpsScale:
    """The per-device scale factors NUT works out from the first readings."""

    might_need_battery_scale: bool = False
    might_need_freq_scale: bool = False
    battery_scale: float = 1.0
    battery_scale_checked: bool = False
    battery_voltage_nominal: float | None = None
    input_freq_scale: float = 1.0
    input_freq_checked: bool = False
    output_freq_scale: float = 1.0
    output_freq_checked: bool = False

    def reset(self, productid: int) -> None:
        """A new device: only 0764:0501 firmware needs the checks."""
        fresh = CpsScale()
        for name in CpsScale.__slots__:
            setattr(self, name, getattr(fresh, name))
        self.might_need_battery_scale = self.might_need_freq_scale = productid == 0x0501

    def battery(self, value: float) -> float:
        if self.might_need_battery_scale and not self.battery_scale_checked:
            nominal = self.battery_voltage_nominal
            if nominal:  # unknown or 0: look again at the next reading
                if value / nominal > BATTERY_VOLTAGE_SANITY_CHECK:
                    self.battery_scale = 2.0 / 3
                self.battery_scale_checked = True
        return self.battery_scale * value

    def frequency(self, value: float, *, is_input: bool) -> float:
        checked = self.input_freq_checked if is_input else self.output_freq_checked
        if self.might_need_freq_scale and not checked:
            scale = _guess_frequency_scale(value)
            if scale is not None:
                if is_input:
                    self.input_freq_scale, self.input_freq_checked = scale, True
                else:
                    self.output_freq_scale, self.output_freq_checked = scale, True
        return (self.input_freq_scale if is_input else self.output_freq_scale) * value


def _guess_frequency_scale(report: float) -> float | None:
    # NUT first asks for {in,out}put.frequency.{nominal,low,high}; CyberPower's
    # table maps none of them, so it guesses 50 or 60 Hz from the reading itself
    # and allows 5 % either side (45..65 Hz when it cannot tell).
    nominal = 0.0
    if 45 < report <= 55 or 450 < report <= 550:
        nominal = 50.0
    elif 55 < report <= 65 or 550 < report <= 650:
        nominal = 60.0
    low, high = (nominal * 0.95, nominal * 1.05) if nominal else (45.0, 65.0)
    if low <= report <= high:
        return 1.0
    if low <= report / 10.0 <= high:
        return 0.1
    return None


#: The scale of the device this process serves (NUT keeps it in globals too).
SCALE = CpsScale()


def _battvolt(value: float) -> str:
    return f"{SCALE.battery(value):.1f}"


def _battvolt_nominal(value: float) -> str:
    SCALE.battery_voltage_nominal = value
    return f"{value:.0f}"


def _input_freq(value: float) -> str:
    return f"{SCALE.frequency(value, is_input=True):.1f}"


def _output_freq(value: float) -> str:
    return f"{SCALE.frequency(value, is_input=False):.1f}"


def _battcharge(value: float) -> str:
    return f"{min(value, 100.0):.0f}"


def _battstatus(value: float) -> str:
    # FullChargeCapacity, in % on devices that follow the HID PDC spec.
    return f"{value:.0f}%"


cps_battvolt = Lookup(to_nut=_battvolt)
#: Not a lookup in NUT (a plain "%.0f"): it also records the value for ``cps_battvolt``.
cps_battvolt_nominal = Lookup(to_nut=_battvolt_nominal)
cps_input_freq = Lookup(to_nut=_input_freq)
cps_output_freq = Lookup(to_nut=_output_freq)
cps_battcharge = Lookup(to_nut=_battcharge)
cps_battstatus = Lookup(to_nut=_battstatus)
cps_sensitivity_info = table([(0, "low"), (1, "normal"), (2, "high")])

CPS_USAGES: Mapping[int, str] = {
    0xFF0100D0: "CPSFirmwareVersion",
    0xFF010043: "CPSInputSensitivity",
}

#: NUT's ``cps_hid2nut``, in its order.
CPS_HID2NUT = (
    var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", lookup=m.stringid_conversion),
    rw(
        "battery.mfr.date",
        "UPS.Battery.ManufacturerDate",
        "%s",
        10,
        hu=HU.SEMI_STATIC,
        lookup=m.date_conversion,
    ),
    var("battery.mfr.date", "UPS.PowerSummary.iOEMInformation", "%s", lookup=m.stringid_conversion),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        10,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%s", lookup=cps_battcharge),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    rw("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", 10, hu=HU.SEMI_STATIC),
    var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%s",
        lookup=cps_battvolt_nominal,
    ),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%s", lookup=cps_battvolt),
    var("battery.status", "UPS.PowerSummary.FullChargeCapacity", "%s", lookup=cps_battstatus),
    var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    var("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", lookup=m.beeper_info),
    var("ups.test.result", "UPS.Output.Test", "%s", lookup=m.test_read_info),
    var("ups.power", "UPS.Output.ApparentPower", "%.0f"),
    var("ups.power.nominal", "UPS.Output.ConfigApparentPower", "%.0f"),
    var("ups.realpower", "UPS.Output.ActivePower", "%.0f"),
    var("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    rw("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY_CPS, 10, hu=HU.ABSENT),
    rw(
        "ups.delay.shutdown",
        "UPS.Output.DelayBeforeShutdown",
        DEFAULT_OFFDELAY_CPS,
        10,
        hu=HU.ABSENT,
    ),
    var("ups.timer.start", "UPS.Output.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.shutdown", "UPS.Output.DelayBeforeShutdown", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.reboot", "UPS.Output.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    var(
        "ups.firmware",
        "UPS.PowerSummary.CPSFirmwareVersion",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "ups.temperature", "UPS.PowerSummary.Temperature", "%s", lookup=m.kelvin_celsius_conversion
    ),
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
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.Output.Boost", m.boost_info),
    status("UPS.Output.Overload", m.overload_info),
    var("input.frequency", "UPS.Input.Frequency", "%.1f", lookup=cps_input_freq),
    var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    rw("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.low", "UPS.Output.LowVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.high", "UPS.Output.HighVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw(
        "input.sensitivity",
        "UPS.Output.CPSInputSensitivity",
        "%s",
        0,
        hu=HU.SEMI_STATIC | HU.ENUM,
        lookup=cps_sensitivity_info,
    ),
    var("output.frequency", "UPS.Output.Frequency", "%.1f", lookup=cps_output_freq),
    var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f"),
    cmd("test.battery.start.quick", "UPS.Output.Test", "1"),
    cmd("test.battery.start.deep", "UPS.Output.Test", "2"),
    cmd("test.battery.stop", "UPS.Output.Test", "3"),
    cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY_CPS),
    cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY_CPS),
    cmd("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10"),
    cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
)


def _claims(info: UsbInfo) -> bool:
    products = _IDS.get(info.vendorid)
    if products is None or info.productid not in products:
        return False
    SCALE.reset(info.productid if info.vendorid == CPS_VENDORID else 0)
    return True


#: Output and input voltage range NUT substitutes (with a safety margin).
CPS_VOLTAGE_LOGMIN = 0
CPS_VOLTAGE_LOGMAX = 511
#: A ``ConfigActivePower`` maximum that clips no real CyberPower model.
CPS_NOMINALPWR_LOGMAX = 2048

_VOLTAGE = 0x00840030
_CONFIG_ACTIVE_POWER = 0x00840044
_HIGH_VOLTAGE_TRANSFER = 0x00840054
_INPUT_VOLTAGE_REPORT = 0x0F
_HVT_REPORT = 0x10
_OUTPUT_VOLTAGE_REPORT = 0x12
_CONFIG_ACTIVE_POWER_REPORT = 0x18


def _assumed(field: object) -> bool:
    # The parser's mark for a logical maximum it read as unsigned because the
    # device encoded it too short (NUT's ``assumed_LogMax``).
    return bool(getattr(field, "assumed_logical_max", False))


def cps_fix_report_desc(info: UsbInfo, desc: ReportDescriptor) -> ReportDescriptor:
    """NUT's three CyberPower descriptor fixes, for 0764:0501 and 0764:0601 only.

    1. Output voltage (report 0x12) with the high transfer voltage's
       (report 0x10) range: it becomes 0..511, and so does the input voltage
       (report 0x0f) when it has that range too.
    2. A voltage maximum the parser had to assume: raise it to 511, align the
       other to it, cap each at what its bit size holds.
    3. ``ConfigActivePower`` (report 0x18) maximum below 2048: 2048.
    """
    if info.vendorid != CPS_VENDORID or info.productid not in (0x0501, 0x0601):
        return desc

    hvt = find_field(desc, _HVT_REPORT, _HIGH_VOLTAGE_TRANSFER)
    if hvt is not None:
        out_v = find_field(desc, _OUTPUT_VOLTAGE_REPORT, _VOLTAGE)
        if out_v is not None and (out_v.logical_min, out_v.logical_max) == (
            hvt.logical_min,
            hvt.logical_max,
        ):
            desc = with_logical(
                desc, out_v, logical_min=CPS_VOLTAGE_LOGMIN, logical_max=CPS_VOLTAGE_LOGMAX
            )
            in_v = find_field(desc, _INPUT_VOLTAGE_REPORT, _VOLTAGE)
            if in_v is not None and (in_v.logical_min, in_v.logical_max) == (
                hvt.logical_min,
                hvt.logical_max,
            ):
                desc = with_logical(
                    desc, in_v, logical_min=CPS_VOLTAGE_LOGMIN, logical_max=CPS_VOLTAGE_LOGMAX
                )

    out_v = find_field(desc, _OUTPUT_VOLTAGE_REPORT, _VOLTAGE)
    in_v = find_field(desc, _INPUT_VOLTAGE_REPORT, _VOLTAGE)
    if out_v is not None and in_v is not None and (_assumed(out_v) or _assumed(in_v)):
        out_max, in_max = out_v.logical_max, in_v.logical_max
        if _assumed(out_v) and out_max < CPS_VOLTAGE_LOGMAX:
            out_max = CPS_VOLTAGE_LOGMAX
        if _assumed(in_v) and in_max < CPS_VOLTAGE_LOGMAX:
            in_max = CPS_VOLTAGE_LOGMAX
        if _assumed(out_v) and out_max < in_max:
            out_max = in_max
        elif _assumed(in_v) and in_max < out_max:
            in_max = out_max
        if _assumed(in_v) and 1 < in_v.size <= 64:
            in_max = min(in_max, (1 << in_v.size) - 1)
        if _assumed(out_v) and 1 < out_v.size <= 64:
            out_max = min(out_max, (1 << out_v.size) - 1)
        if in_max != in_v.logical_max:
            desc = with_logical(desc, in_v, logical_max=in_max)
        if out_max != out_v.logical_max:
            out_v = find_field(desc, _OUTPUT_VOLTAGE_REPORT, _VOLTAGE)
            assert out_v is not None
            desc = with_logical(desc, out_v, logical_max=out_max)

    power = find_field(desc, _CONFIG_ACTIVE_POWER_REPORT, _CONFIG_ACTIVE_POWER)
    if power is not None and power.logical_max < CPS_NOMINALPWR_LOGMAX:
        desc = with_logical(desc, power, logical_max=CPS_NOMINALPWR_LOGMAX)
    return desc


SUBDRIVER = Subdriver(
    name="CyberPower HID",
    version="0.85",
    usage_tables=(CPS_USAGES,),
    mapping=CPS_HID2NUT,
    claims=_claims,
    format_mfr=vendor_or("CPS"),
    fix_report_desc=cps_fix_report_desc,
)
