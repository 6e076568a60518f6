"""APC's usbhid-ups subdriver (NUT's ``apc-hid``, "APC HID 0.101").

Strategy
--------
Facts from NUT's ``drivers/apc-hid.c`` (HEAD; 2.8.0 lacked product ids
0x0004 and 0x0005) and ``docs/hid-subdrivers.txt``: APC's vendor page 0xff86,
the mapping rows in NUT's order (several paths per variable: Back-UPS,
Back-UPS ES, Smart-UPS RM each put the same datum elsewhere), APC's own
battery-date encoding (hex digits read as decimal) and the Back-UPS XS
1400U's wrong input-voltage range, widened as NUT widens it.

``ups.firmware`` / ``ups.firmware.aux`` come from the product string (NUT
sets them from ``format_model``): ``product_info`` returns them for the
driver to publish.  Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Quirks, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    find_field,
    id_claim,
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

__all__ = ["SUBDRIVER", "APC_VENDORID", "apc_date_conversion", "product_info"]

APC_VENDORID = 0x051D

#: 0x0000 AP9584 serial-to-USB kit, 0x0002 most Back-UPS, 0x0003 and 0x0004 5G
#: Smart-UPS (no interrupt pipe in NUT), 0x0005 newer models (NUT HEAD).
APC_PRODUCTS = frozenset({0x0000, 0x0002, 0x0003, 0x0004, 0x0005})

#: Products whose interrupt pipe NUT leaves alone (it carries APC's own protocol).
NO_INTERRUPT_PIPE = frozenset({0x0003, 0x0004})

#: Product-name prefixes that make NUT read reports with the smallest buffer
#: (``max_report_size``): they overflow on some report ids.
MAX_REPORT_TWEAK = ("Back-UPS ES 525", "Back-UPS CS")


def _apc_date_to_nut(value: float) -> str:
    # Each nibble is a decimal digit: 0xMMDDYY (0x102202 is 2002/10/22).
    raw = int(value)
    if raw == 0:
        return "not set"
    year = (raw & 0xF) + 10 * ((raw >> 4) & 0xF)
    day = ((raw >> 8) & 0xF) + 10 * ((raw >> 12) & 0xF)
    month = ((raw >> 16) & 0xF) + 10 * ((raw >> 20) & 0xF)
    year += 1900 if year >= 70 else 2000
    return f"{year:04d}/{month:02d}/{day:02d}"


_DATE = re.compile(r"\s*(\d{1,4})/(\d{1,2})/(\d{1,2})")


def _apc_date_to_hid(text: str) -> float | None:
    m_ = _DATE.match(text)
    if m_ is None:
        return None
    year, month, day = (int(g) for g in m_.groups())
    if year >= 2070 or month > 12 or day > 31:
        return 0.0
    year %= 100
    raw = ((year // 10) << 4) | (year % 10)
    raw |= ((month // 10) << 20) | ((month % 10) << 16)
    raw |= ((day // 10) << 12) | ((day % 10) << 8)
    return float(raw)


apc_date_conversion = Lookup(to_nut=_apc_date_to_nut, to_hid=_apc_date_to_hid)

#: Seen on a Back-UPS LS 500: 8 normal, 16 briefly at power-on, 0 off.
apcstatusflag_info = table([(8, "!off"), (16, "!off"), (0, "off")])

#: Why the UPS last went to battery (codes as apcupsd documents them): voltage ...
apc_linefailcause_vrange_info = table(
    [(1, "vrange"), (2, "vrange"), (4, "vrange"), (8, "vrange"), (9, "vrange"), (0, "!vrange")]
)
#: ... and frequency.  Both rows read the same usage, so each bit is also cleared.
apc_linefailcause_frange_info = table([(7, "frange"), (0, "!frange")])

apc_sensitivity_info = table([(0, "low"), (1, "medium"), (2, "high")])

APC_USAGES: dict[int, str] = {
    0xFF860005: "APCGeneralCollection",
    0xFF860006: "APCEnvironment",
    0xFF860007: "APCProbe1",
    0xFF860008: "APCProbe2",
    0xFF860016: "APCBattReplaceDate",
    0xFF860019: "APCBattCapBeforeStartup",
    0xFF860042: "APC_UPS_FirmwareRevision",
    0xFF860052: "APCLineFailCause",
    0xFF860060: "APCStatusFlag",
    0xFF860061: "APCSensitivity",
    0xFF860072: "APCPanelTest",
    0xFF860076: "APCShutdownAfterDelay",
    0xFF860079: "APC_USB_FirmwareRevision",
    0xFF86007C: "APCDelayBeforeReboot",
    0xFF86007D: "APCDelayBeforeShutdown",
    0xFF86007E: "APCDelayBeforeStartup",
    0x00850058: "BUPHibernate",
    0x00860012: "BUPBattCapBeforeStartup",
    0x00860076: "BUPDelayBeforeStartup",
    0x00860010: "BUPSelfTest",
}

#: NUT's ``apc_hid2nut``, in its order.
APC_HID2NUT = (
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
        10,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    var("battery.runtime", "UPS.Battery.RunTimeToEmpty", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    rw("battery.runtime.low", "UPS.Battery.RemainingTimeLimit", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", 10, hu=HU.SEMI_STATIC),
    var("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
    var("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
    var("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f"),
    var("battery.temperature", "UPS.Battery.Temperature", "%s", lookup=m.kelvin_celsius_conversion),
    var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", lookup=m.stringid_conversion),
    rw(
        "battery.mfr.date",
        "UPS.Battery.ManufacturerDate",
        "%s",
        10,
        hu=HU.SEMI_STATIC,
        lookup=m.date_conversion,
    ),
    var(
        "battery.mfr.date", "UPS.PowerSummary.APCBattReplaceDate", "%s", lookup=apc_date_conversion
    ),
    var("battery.date", "UPS.Battery.APCBattReplaceDate", "%s", lookup=apc_date_conversion),
    var("ups.load", "UPS.Output.PercentLoad", "%.1f"),
    var("ups.load", "UPS.PowerConverter.PercentLoad", "%.0f"),
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
    var("ups.timer.reboot", "UPS.PowerSummary.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    rw("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, 10, hu=HU.ABSENT),
    rw("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, 10, hu=HU.ABSENT),
    var("ups.timer.start", "UPS.Output.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.shutdown", "UPS.Output.DelayBeforeShutdown", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.reboot", "UPS.Output.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    rw(
        "ups.delay.start",
        "UPS.APCGeneralCollection.APCDelayBeforeStartup",
        DEFAULT_ONDELAY,
        10,
        hu=HU.ABSENT,
    ),
    rw(
        "ups.delay.shutdown",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    var(
        "ups.timer.start",
        "UPS.APCGeneralCollection.APCDelayBeforeStartup",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var(
        "ups.timer.shutdown",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var(
        "ups.timer.reboot",
        "UPS.APCGeneralCollection.APCDelayBeforeReboot",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    var("ups.test.result", "UPS.Battery.Test", "%s", lookup=m.test_read_info),
    var("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", lookup=m.beeper_info),
    var("ups.mfr.date", "UPS.ManufacturerDate", "%s", lookup=m.date_conversion),
    var("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", lookup=m.date_conversion),
    var("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower", "%.0f"),
    var("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", m.timelimitexpired_info),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info),
    status("UPS.PowerSummary.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.BelowRemainingCapacityLimit", m.lowbatt_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.ShutdownImminent", m.shutdownimm_info),
    status("UPS.PowerSummary.APCStatusFlag", apcstatusflag_info, hu=HU.QUICK_POLL),
    status("UPS.Input.APCLineFailCause", apc_linefailcause_vrange_info),
    status("UPS.Input.APCLineFailCause", apc_linefailcause_frange_info),
    var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    rw("input.transfer.low", "UPS.Output.LowVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.high", "UPS.Output.HighVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", 10, hu=HU.SEMI_STATIC),
    rw(
        "input.sensitivity",
        "UPS.Input.APCSensitivity",
        "%s",
        10,
        hu=HU.SEMI_STATIC,
        lookup=apc_sensitivity_info,
    ),
    var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.1f"),
    var("output.current", "UPS.Output.Current", "%.2f"),
    var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    var(
        "ambient.temperature",
        "UPS.APCEnvironment.APCProbe1.Temperature",
        "%s",
        lookup=m.kelvin_celsius_conversion,
    ),
    var("ambient.humidity", "UPS.APCEnvironment.APCProbe1.Humidity", "%.1f"),
    cmd("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1"),
    cmd("test.battery.start.quick", "UPS.Battery.Test", "1"),
    cmd("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2"),
    cmd("test.battery.start.deep", "UPS.Battery.Test", "2"),
    cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
    cmd("test.battery.stop", "UPS.Battery.Test", "3"),
    cmd("test.panel.start", "UPS.APCPanelTest", "1"),
    cmd("test.panel.stop", "UPS.APCPanelTest", "0"),
    cmd("test.panel.start", "UPS.PowerSummary.APCPanelTest", "1"),
    cmd("test.panel.stop", "UPS.PowerSummary.APCPanelTest", "0"),
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.PowerSummary.DelayBeforeReboot", "10"),
    cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10"),
    cmd("load.off.delay", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.APCGeneralCollection.APCDelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.APCGeneralCollection.APCDelayBeforeReboot", "10"),
    cmd("shutdown.return", "UPS.Output.APCDelayBeforeReboot", "1"),
    cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
)


def _format_model(info: UsbInfo, product: str | None) -> str | None:
    model, _, _ = _split_product(product)
    return model


def _split_product(product: str | None) -> tuple[str, str | None, str | None]:
    # "Back-UPS RS 1500G FW:865.L5 .D USB FW:L5 ": model, firmware, USB firmware.
    # NUT cuts one character before each "FW:" (the separating space).
    text = product if product is not None else "unknown"
    at = text.find("FW:")
    if at < 0:
        return text, None, None
    model, rest = text[: max(at - 1, 0)], text[at + 3 :]
    usb = rest.find("USB FW:")
    if usb < 0:
        return model, rest, None
    return model, rest[: max(usb - 1, 0)], rest[usb + 7 :]


def product_info(product: str | None) -> dict[str, str]:
    """``ups.firmware`` and ``ups.firmware.aux`` as NUT's ``apc_format_model`` sets them."""
    _, firmware, aux = _split_product(product)
    out: dict[str, str] = {}
    if aux is not None:
        out["ups.firmware.aux"] = aux
    if firmware is not None:
        out["ups.firmware"] = firmware
    return out


_VOLTAGE = 0x00840030
_CONFIG_VOLTAGE = 0x00840040
_HIGH_VOLTAGE_TRANSFER = 0x00840054


def apc_fix_report_desc(info: UsbInfo, desc: ReportDescriptor) -> ReportDescriptor:
    """Back-UPS XS 1400U (and kin, 051d:0002): input voltage ranges too small for 230 V.

    When the high transfer voltage (report 0x33) may exceed the input
    voltage's logical maximum (report 0x31), that range becomes 0 .. twice
    the transfer maximum; when it may exceed the nominal input voltage's
    (report 0x30), that maximum becomes 255.
    """
    if info.vendorid != APC_VENDORID or info.productid != 0x0002:
        return desc
    hvt = find_field(desc, 0x33, _HIGH_VOLTAGE_TRANSFER)
    if hvt is None:
        return desc
    voltage = find_field(desc, 0x31, _VOLTAGE)
    if voltage is not None and hvt.logical_max > voltage.logical_max:
        desc = with_logical(desc, voltage, logical_min=0, logical_max=hvt.logical_max * 2)
    config = find_field(desc, 0x30, _CONFIG_VOLTAGE)
    if config is not None and hvt.logical_max > config.logical_max:
        desc = with_logical(desc, config, logical_max=255)
    return desc


def _quirks(info: UsbInfo) -> Quirks:
    """5G Smart-UPS: no interrupt pipe; some Back-UPS overflow unless read whole."""
    product = info.product or ""
    return Quirks(
        no_interrupt_pipe=info.productid in NO_INTERRUPT_PIPE,
        max_report=product.startswith(MAX_REPORT_TWEAK),
    )


SUBDRIVER = Subdriver(
    name="APC HID",
    version="0.101",
    usage_tables=(APC_USAGES,),
    mapping=APC_HID2NUT,
    claims=id_claim({APC_VENDORID: APC_PRODUCTS}),
    quirks=_quirks,
    format_model=_format_model,
    format_mfr=vendor_or("APC"),
    extra_identity=lambda info: product_info(info.product),
    fix_report_desc=apc_fix_report_desc,
)
