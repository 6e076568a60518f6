"""Ever's usbhid-ups subdriver (NUT's ``ever-hid``, "Ever HID 0.10").

Strategy
--------
Facts from NUT's ``drivers/ever-hid.c`` (HEAD): Ever's vendor id 0x2e51
(products 0x0000 and 0xffff) and ST Microelectronics' 0483:a113 lent to
Ever, the 104 "EVERn" vendor usages (page 0xff00, and EVER1 on usage 0),
the mapping rows in NUT's order (many still ``experimental.*``), and the
text NUT builds from Ever's registers:

* firmware/protocol versions ``vX.Yb0Z`` and the hardware revision
  ``rev.Lv0N`` from a 16-bit value;
* the work mode (report 74), the message word (report 75) and the alarm
  word (report 76), read as bytes of those reports rather than as the
  row's own field; also the network card's MAC (report 210), four IPv4
  addresses (211, 230, 231, 232) and four packet counters (215-218).

Those last ones need the raw bytes of other reports, which a lookup does
not see: ``REPORTS`` holds them; the driver files every report the device
returns there (``Subdriver.note_report``).  Until a report is there, the work mode and the on/off
bit use the row's own value (the first byte of report 74 on these units),
and the rest read as an empty report would.  NUT walks the four address
rows (and the four counter rows) with one rotating counter each, so which
report a row shows depends on the order of the calls, as NUT's does; the
``EverReports`` object keeps those counters.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, HidInfo, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    cmd,
    id_claim,
    rw,
    status,
    var,
    vendor_or,
)
from powerdown.state.tree import Flag

__all__ = ["SUBDRIVER", "EVER_VENDORID", "STMICRO_VENDORID", "EverReports", "REPORTS"]

EVER_VENDORID = 0x2E51
#: ST Microelectronics' id, lent to OEMs: 0483:a113 is an Ever unit.
STMICRO_VENDORID = 0x0483

WORKMODE_REPORT = 74
MESSAGES_REPORT = 75
ALARMS_REPORT = 76
MAC_REPORT = 210
#: notification destination, own address, network mask, default gateway
IP_REPORTS = (211, 230, 231, 232)
#: sent, received, send errors, receive errors
PACKET_REPORTS = (215, 216, 217, 218)


@dataclass(slots=True)
class EverReports:
    """Raw reports Ever's text conversions read, and NUT's rotating counters."""

    data: dict[int, bytes] = field(default_factory=dict)
    next_ip: int = 0
    next_packets: int = 0

    def note_report(self, report: bytes) -> None:
        """File a report as the device returned it (report id first)."""
        if report:
            self.data[report[0]] = bytes(report)

    def get(self, report_id: int) -> bytes:
        return self.data.get(report_id, b"")

    def take_ip_report(self) -> int:
        rid = IP_REPORTS[self.next_ip]
        self.next_ip = (self.next_ip + 1) % len(IP_REPORTS)
        return rid

    def take_packet_report(self) -> int:
        rid = PACKET_REPORTS[self.next_packets]
        self.next_packets = (self.next_packets + 1) % len(PACKET_REPORTS)
        return rid


#: The reports of the device this process serves.
REPORTS = EverReports()

_REVISIONS = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _hardware(value: float) -> str:
    word = int(value)
    letter = (word & 0xFF00) >> 8
    # NUT indexes a 27-entry array; past 'Z' it reads out of bounds: we print '?'
    rev = _REVISIONS[letter] if letter < len(_REVISIONS) else "?"
    return f"rev.{rev}v{word & 0xFF:02d}"[:9]


def _version(value: float) -> str:
    word = int(value)
    return f"v{(word & 0xF000) >> 12:X}.{(word & 0xF00) >> 8:X}b{word & 0xFF:02d}"[:9]


def _mac(value: float) -> str:
    return ":".join(f"{b:02x}" for b in REPORTS.get(MAC_REPORT)[1:])


def _ip(value: float) -> str:
    return ".".join(str(b) for b in REPORTS.get(REPORTS.take_ip_report())[1:])


def _packets(value: float) -> str:
    buf = REPORTS.get(REPORTS.take_packet_report())
    if len(buf) < 5:
        return ""
    return str(int.from_bytes(buf[1:5], "little", signed=True))


def _workmode_byte(value: float) -> int:
    buf = REPORTS.get(WORKMODE_REPORT)
    return buf[1] if len(buf) > 1 else int(value) & 0xFF


_WORKMODES = {1: "UNKNOWN", 2: "STOP", 4: "ONLINE", 8: "ONBATTERY", 16: "WATCH"}
_WORKMODES |= {32: "WAITING", 64: "EMERGENCY"}


def _workmode(value: float) -> str:
    return _WORKMODES.get(_workmode_byte(value), "UNKNOWN")


def _on_off(value: float) -> str:
    # on line or on battery means the output is on
    return "!off" if _workmode_byte(value) in (0x04, 0x08) else "off"


def _word(report_id: int) -> int:
    buf = REPORTS.get(report_id)
    return int.from_bytes(buf[1:3], "little") if len(buf) >= 3 else 0


#: Message bits NUT prints (1 and 2, overload and battery low, are in ups.status already).
_MESSAGES = (
    (0x04, "BOOST"),
    (0x08, "BUCK"),
    (0x10, "BOOST_BLOCKED"),
    (0x20, "BUCK_BLOCKED"),
    (0x40, "CHARGING"),
    (0x80, "FAN_ON"),
    (0x100, "EPO_BLOCKED"),
    (0x200, "NEED_REPLACMENT"),
    (0xC00, "OVERHEAT"),
    (0x1000, "WAITING_FOR_MIN_CHARGE"),
    (0x2000, "MAINS_OUT_OF_RANGE"),
)

#: Alarm bits, NUT's words (its spelling kept: they are what users see).
_ALARMS = (
    (0x01, "OVERLOAD"),
    (0x02, "SHORT-CIRCUIT"),
    (0x0C, "OVERHEAT"),
    (0x10, "EPO"),
    (0x20, "INERNAL_ERROR"),
    (0x40, "REVERSE_POWER_SUPPLY"),
    (0x80, "NO_INETERNAL_COMM"),
    (0x100, "CRITICAL_BATT_VOLTAGE"),
)


def _words(bits: int, names: tuple[tuple[int, str], ...]) -> str:
    return " ".join(name for mask, name in names if bits & mask)


def _messages(value: float) -> str:
    return _words(_word(MESSAGES_REPORT), _MESSAGES)


def _alarms(value: float) -> str:
    return _words(_word(ALARMS_REPORT), _ALARMS)


ever_format_hardware = Lookup(to_nut=_hardware)
ever_format_version = Lookup(to_nut=_version)
ever_mac_address = Lookup(to_nut=_mac)
ever_ip_address = Lookup(to_nut=_ip)
ever_packets = Lookup(to_nut=_packets)
ever_workmode = Lookup(to_nut=_workmode)
ever_messages = Lookup(to_nut=_messages)
ever_alarms = Lookup(to_nut=_alarms)
ever_on_off_info = Lookup(to_nut=_on_off)

#: NUT's ``ever_usage_lkp``: EVER1 on usage 0, EVER2.. on page 0xff00 (with NUT's gaps).
_EVER_IDS = (
    *range(0x00, 0x0A),
    *range(0x10, 0x24),
    *range(0x30, 0x3A),
    *range(0x40, 0x47),
    *range(0x50, 0x55),
    *range(0x60, 0x65),
    *range(0x66, 0x8C),
    *range(0x90, 0x98),
)
EVER_USAGES: Mapping[int, str] = {
    0x00000000: "EVER1",
    **{0xFF000000 | usage: f"EVER{n}" for n, usage in enumerate(_EVER_IDS, start=2)},
}

_NUM = Flag.RW | Flag.NUMBER


def _n(name: str, path: str, *, flags: Flag = Flag.NONE, hu: HU = HU.NONE) -> HidInfo:
    return var(name, path, "%.0f", flags=flags, hu=hu)


def _s(name: str, path: str, lookup: Lookup) -> HidInfo:
    return var(name, path, "%s", lookup=lookup)


#: NUT's ``ever_hid2nut``, in its order (without ``WITH_UNMAPPED_DATA_POINTS`` rows).
EVER_HID2NUT = (
    _n("experimental.battery.batteryid", "UPS.BatterySystem.Battery.BatteryID"),
    _n("experimental.battery.systemid", "UPS.BatterySystem.BatterySystemID"),
    _n("experimental.battery.chargerid", "UPS.BatterySystem.Charger.ChargerID"),
    _n("experimental.battery.input_flowid", "UPS.BatterySystem.Input.FlowID"),
    _n("experimental.battery.input_id", "UPS.BatterySystem.Input.InputID"),
    _n("experimental.battery.output_flowid", "UPS.BatterySystem.Output.FlowID"),
    _n("experimental.battery.output_id", "UPS.BatterySystem.Output.OutputID"),
    _s("experimental.id.firmware_version_inverter", "UPS.EVER1.EVER13", ever_format_version),
    _s("experimental.id.firmware_version_interfaces", "UPS.EVER1.EVER14", ever_format_version),
    _s("experimental.id.hardware_version", "UPS.EVER1.EVER15", ever_format_hardware),
    _s("experimental.id.protocol_version_inverter", "UPS.EVER1.EVER16", ever_format_version),
    _s("experimental.id.protocol_version_interfaces", "UPS.EVER1.EVER17", ever_format_version),
    _s("ups.temperature", "UPS.EVER1.EVER42", m.kelvin_celsius_conversion),
    _s("battery.temperature", "UPS.EVER1.EVER43", m.kelvin_celsius_conversion),
    _n("output.powerfactor", "UPS.EVER1.EVER44"),
    _n("experimental.control.ups_on", "UPS.EVER1.EVER45.EVER46", flags=_NUM),
    _n("experimental.control.clear_fault", "UPS.EVER1.EVER45.EVER47", flags=_NUM),
    _n("experimental.control.clear_battery_fault", "UPS.EVER1.EVER45.EVER48", flags=_NUM),
    _n("experimental.control.epo_blocked", "UPS.EVER1.EVER49.EVER50", flags=_NUM),
    _n("experimental.control.green_mode", "UPS.EVER1.EVER49.EVER51", flags=_NUM),
    _n("experimental.control.button_sound", "UPS.EVER1.EVER49.EVER52", flags=_NUM),
    _n("experimental.control.audible_alarm", "UPS.EVER1.EVER49.EVER53", flags=_NUM),
    rw("output.voltage", "UPS.EVER1.EVER54", "%.0f", 3),
    rw("experimental.config.overload_clearance_threshold", "UPS.EVER1.EVER59", "%.0f", 2),
    rw("experimental.config.stb_charge", "UPS.EVER1.EVER60", "%.0f", 2),
    rw("battery.packs.external", "UPS.EVER1.EVER61", "%.0f", 1),
    _n("experimental.statistics.mains_loss_counter", "UPS.EVER1.EVER62"),
    _n("experimental.statistics.lowering_AVR_trigger_counter", "UPS.EVER1.EVER63"),
    _n("experimental.statistics.rising_AVR_trigger_counter", "UPS.EVER1.EVER64"),
    _n("experimental.statistics.overload_counter", "UPS.EVER1.EVER65"),
    _n("experimental.statistics.short_circuit_counter", "UPS.EVER1.EVER66"),
    _n("experimental.statistics.discharge_counter", "UPS.EVER1.EVER67"),
    _n("experimental.statistics.overheat_counter", "UPS.EVER1.EVER68"),
    _n("experimental.statistics.mains_operation_time", "UPS.EVER1.EVER69"),
    _n("experimental.statistics.autonomous_operation_time", "UPS.EVER1.EVER70"),
    _n("experimental.statistics.overload_operation_time", "UPS.EVER1.EVER71"),
    _s("experimental.networkcard.mac_address", "UPS.EVER1.EVER72", ever_mac_address),
    _s("experimental.networkcard.notification_destination_ip", "UPS.EVER1.EVER73", ever_ip_address),
    _s("experimental.networkcard.send_packets", "UPS.EVER1.EVER77", ever_packets),
    _s("experimental.networkcard.received_packets", "UPS.EVER1.EVER78", ever_packets),
    _s("experimental.networkcard.send_packets_err", "UPS.EVER1.EVER79", ever_packets),
    _s("experimental.networkcard.received_packets_err", "UPS.EVER1.EVER80", ever_packets),
    _n("experimental.networkcard.config_dhcp_enabled", "UPS.EVER1.EVER85.EVER86"),
    _n("experimental.networkcard.config_ethernet_enabled", "UPS.EVER1.EVER85.EVER87"),
    _n("experimental.networkcard.config_http_enabled", "UPS.EVER1.EVER85.EVER88"),
    _n("experimental.networkcard.config_snmp_enabled", "UPS.EVER1.EVER85.EVER89"),
    _n("experimental.networkcard.config_snmp_trap_enabled", "UPS.EVER1.EVER85.EVER90"),
    _n("experimental.networkcard.config_readonly", "UPS.EVER1.EVER85.EVER91"),
    _n("experimental.networkcard.config_restart_eth", "UPS.EVER1.EVER85.EVER96"),
    _s("experimental.networkcard.ip_address", "UPS.EVER1.EVER93", ever_ip_address),
    _s("experimental.networkcard.network_mask", "UPS.EVER1.EVER94", ever_ip_address),
    _s("experimental.networkcard.default_gateway", "UPS.EVER1.EVER95", ever_ip_address),
    _n("ups.realpower.nominal", "UPS.Flow.ConfigActivePower"),
    _n("ups.power.nominal", "UPS.Flow.ConfigApparentPower"),
    _n("output.frequency.nominal", "UPS.Flow.ConfigFrequency"),
    _n("output.voltage.nominal", "UPS.Flow.ConfigVoltage"),
    _n("experimental.ups.flow_id", "UPS.Flow.FlowID"),
    _n("outlet.1.id", "UPS.OutletSystem.Outlet.OutletID"),
    var(
        "experimental.outlet.1.present",
        "UPS.OutletSystem.Outlet.PresentStatus.Present",
        "%.0f",
        lookup=m.yes_no_info,
    ),
    var(
        "outlet.1.switchable",
        "UPS.OutletSystem.Outlet.PresentStatus.Switchable",
        "%.0f",
        lookup=m.yes_no_info,
    ),
    _n("outlet.1.status", "UPS.OutletSystem.Outlet.PresentStatus.SwitchOn/Off"),
    _n("experimental.outlet.1.undefined", "UPS.OutletSystem.Outlet.PresentStatus.Undefined"),
    _n("experimental.outlet.1.system_id", "UPS.OutletSystem.OutletSystemID"),
    _n(
        "experimental.outlet.1.switch_off_control",
        "UPS.OutletSystem.Outlet.SwitchOffControl",
        flags=_NUM,
    ),
    _n(
        "experimental.outlet.1.switch_on_control",
        "UPS.OutletSystem.Outlet.SwitchOnControl",
        flags=_NUM,
    ),
    _n("experimental.powerconverter.input_flow_id", "UPS.PowerConverter.Input.FlowID"),
    _n("input.frequency", "UPS.PowerConverter.Input.Frequency"),
    _n("experimental.powerconverter.input_id", "UPS.PowerConverter.Input.InputID"),
    _n("input.voltage", "UPS.PowerConverter.Input.Voltage"),
    _n("ups.realpower", "UPS.PowerConverter.Output.ActivePower"),
    _n("ups.power", "UPS.PowerConverter.Output.ApparentPower"),
    _n("output.current", "UPS.PowerConverter.Output.Current"),
    _n("experimental.powerconverter.output_flowid", "UPS.PowerConverter.Output.FlowID"),
    _n("output.frequency", "UPS.PowerConverter.Output.Frequency"),
    _n("experimental.powerconverter.output_id", "UPS.PowerConverter.Output.OutputID"),
    _n("ups.load", "UPS.PowerConverter.Output.PercentLoad"),
    _n("output.voltage", "UPS.PowerConverter.Output.Voltage"),
    _n("experimental.powerconverter.powerconverterid", "UPS.PowerConverter.PowerConverterID"),
    _n(
        "experimental.powersummary.capacity_granularity_1",
        "UPS.PowerSummary.CapacityGranularity1",
    ),
    _n(
        "experimental.powersummary.capacity_granularity_2",
        "UPS.PowerSummary.CapacityGranularity2",
    ),
    _n("experimental.powersummary.capacity_mode", "UPS.PowerSummary.CapacityMode"),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    _n("battery.capacity", "UPS.PowerSummary.DesignCapacity"),
    _n("experimental.powersummary.flow_id", "UPS.PowerSummary.FlowID"),
    _n("battery.capacity", "UPS.PowerSummary.FullChargeCapacity"),
    # NUT prints the string index itself here, not the string
    _n("battery.type", "UPS.PowerSummary.iDeviceChemistry"),
    _n("ups.load", "UPS.PowerSummary.PercentLoad"),
    _n("experimental.powersummary.rechargeable", "UPS.PowerSummary.Rechargeable"),
    _n("battery.charge", "UPS.PowerSummary.RemainingCapacity"),
    _n("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", flags=_NUM),
    _n("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
    _n("battery.voltage", "UPS.PowerSummary.Voltage"),
    _n("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.AwaitingPower", m.awaitingpower_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info),
    status("UPS.PowerSummary.PresentStatus.CommunicationLost", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.OverTemperature", m.overheat_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    status("UPS.EVER1.EVER18.EVER19", m.overload_info),
    status("UPS.EVER1.EVER18.EVER20", m.lowbatt_info),
    status("UPS.EVER1.EVER18.EVER21", m.boost_info),
    status("UPS.EVER1.EVER18.EVER22", m.trim_info),
    status("UPS.EVER1.EVER18.EVER25", m.charging_info),
    status("UPS.EVER1.EVER18.EVER28", m.replacebatt_info),
    status("UPS.EVER1.EVER32.EVER33", m.overload_info),
    status("UPS.EVER1.EVER32.EVER40", m.commfault_info),
    status("UPS.EVER1.EVER97.EVER102", ever_on_off_info),
    _s("experimental.status.workmode", "UPS.EVER1.EVER97.EVER98", ever_workmode),
    _s("experimental.status.messages", "UPS.EVER1.EVER18.EVER28", ever_messages),
    _s("experimental.status.alarms", "UPS.EVER1.EVER32.EVER33", ever_alarms),
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("shutdown.return", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
)

SUBDRIVER = Subdriver(
    name="Ever HID",
    version="0.10",
    usage_tables=(EVER_USAGES,),
    mapping=EVER_HID2NUT,
    claims=id_claim(
        {STMICRO_VENDORID: frozenset({0xA113}), EVER_VENDORID: frozenset({0xFFFF, 0x0000})}
    ),
    format_mfr=vendor_or("Ever"),
    note_report=REPORTS.note_report,
)
