"""Eaton / MGE's usbhid-ups subdriver (NUT's ``mge-hid``, "MGE HID 1.59").

Strategy
--------
Facts from NUT's ``drivers/mge-hid.c`` (HEAD: 2.8.0's "MGE HID 1.46" had 198
rows; HEAD adds ABM, ECO/ESS and bypass control, outlet protection status,
Eaton 5PX/5SC/5S/9E/9SX/9PX model names) and ``docs/hid-subdrivers.txt``:
MGE's vendor page 0xffff, the ids of Eaton/MGE and of the OEMs that ship
MGE's firmware (Dell, Powerware, HP, AEG, IBM, KSTAR), 251 mapping rows in
NUT's order, and the model-name table that decides, per model family, which
values the device reports correctly.

NUT keeps the device's family, country and ABM state in file-level globals
and reads other published values back from ``dstate``.  Here all of that is
one ``MgeState`` object (``STATE``), reset when ``claims`` accepts a new
device (kept when the same device comes back).  The values NUT reads back
are recorded by the lookups of the rows that publish them (``kept``), so
the module needs nothing from the driver and stays pure: no I/O.

The model name needs two more values NUT reads from the device itself
(``UPS.PowerSummary.iModel``, a string, and ``UPS.Flow.[4].ConfigApparentPower``):
the driver hands them over with ``note_model`` before calling ``format_model``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Subdriver, format_value
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    rw,
    status,
    table,
    var,
    vendor_or,
)
from powerdown.state.tree import Flag

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = [
    "SUBDRIVER",
    "STATE",
    "MgeState",
    "MGE_VENDORID",
    "MGE_USAGES",
    "MODEL_NAMES",
    "model_name",
    "note_model",
]

MGE_VENDORID = 0x0463
DELL_VENDORID = 0x047C
POWERWARE_VENDORID = 0x0592
HP_VENDORID = 0x03F0
AEG_VENDORID = 0x2B2D
#: Normally Liebert/Phoenixtec's; MGE takes it only for AEG PROTECT NAS units.
PHOENIXTEC_VENDORID = 0x06DA
IBM_VENDORID = 0x04B3
#: KSTAR units under Berkeley Varitronics Systems' vendor id.
KSTAR_VENDORID = 0x09D6

#: NUT's ``mge_usb_device_table`` (vendor, product).
MGE_DEVICES = frozenset(
    {
        (MGE_VENDORID, 0x0001),
        (MGE_VENDORID, 0xFFFF),
        (DELL_VENDORID, 0xFFFF),
        (POWERWARE_VENDORID, 0x0004),  # PW 9140
        (HP_VENDORID, 0x1FE5),  # R/T3000
        (HP_VENDORID, 0x1FE6),  # R/T3000
        (HP_VENDORID, 0x1FE7),
        (HP_VENDORID, 0x1FE8),
        (AEG_VENDORID, 0xFFFF),  # PROTECT B / NAS
        (PHOENIXTEC_VENDORID, 0xFFFF),
        (IBM_VENDORID, 0x0001),  # 6000 VA LCD 4U Rack UPS; 5396-1Kx
        (KSTAR_VENDORID, 0x0001),  # MasterPower MF-UPS650VA
    }
)

# -- model families (NUT's models_type_t) ---------------------------------------------

MGE_DEFAULT_OFFLINE = 0x000
MGE_PEGASUS = 0x100
MGE_3S = 0x110
MGE_DEFAULT = 0x200  # line-interactive and online; offline families are below
MGE_EVOLUTION = 0x300
MGE_EVOLUTION_650 = 0x301
MGE_EVOLUTION_850 = 0x302
MGE_EVOLUTION_1150 = 0x303
MGE_EVOLUTION_S_1250 = 0x304
MGE_EVOLUTION_1550 = 0x305
MGE_EVOLUTION_S_1750 = 0x306
MGE_EVOLUTION_2000 = 0x307
MGE_EVOLUTION_S_2500 = 0x308
MGE_EVOLUTION_S_3000 = 0x309
MGE_PULSAR_M = 0x400
MGE_PULSAR_M_2200 = 0x401
MGE_PULSAR_M_3000 = 0x402
MGE_PULSAR_M_3000_XL = 0x403
EATON_5P = 0x500  # 5P / 5PX / 5SC, and a 5S
EATON_9E = 0x900  # 9E / 9SX / 9PX

# NUT's country_code_t (``UPS.PowerSummary.Country``).
COUNTRY_UNKNOWN = -1
COUNTRY_EUROPE = 0
COUNTRY_US = 1
COUNTRY_EUROPE_208 = 2  # European models that also take 200/208 V
COUNTRY_WORLDWIDE = 3
COUNTRY_AUSTRALIA = 4

# Advanced Battery Monitoring: enabled or not, and which HID path carries it.
ABM_UNKNOWN = -1
ABM_DISABLED = 0
ABM_ENABLED = 1
ABM_PATH_UNKNOWN = -1
ABM_PATH_STATUS = 0  # UPS.BatterySystem.Charger.Status (9 series and later)
ABM_PATH_MODE = 1  # UPS.BatterySystem.Charger.Mode (the common one)


@dataclass(slots=True)
class MgeState:
    """What NUT's mge-hid keeps between two values: one device's worth."""

    device: tuple[int, int, str | None] | None = None
    mge_type: int = MGE_DEFAULT
    country_code: int = COUNTRY_UNKNOWN
    abm: int = ABM_UNKNOWN
    abm_path: int = ABM_PATH_UNKNOWN
    #: ``nominal_output_voltage_fun``'s first reading (NUT: a function static)
    nominal: int = -1
    #: the OFF status bit, as this poll's ``PresentStatus.Good`` left it
    off: bool = False
    imodel: str | None = None
    apparent_power: float | None = None
    #: published values NUT's lookups read back (``dstate_getinfo``)
    values: dict[str, str] = field(default_factory=dict)

    def reset(self, device: tuple[int, int, str | None] | None = None) -> None:
        fresh = MgeState(device=device)
        for name in MgeState.__slots__:
            setattr(self, name, getattr(fresh, name))

    def family(self) -> int:
        """The model family (NUT masks the model byte off: ``mge_type & 0xFF00``)."""
        return self.mge_type & 0xFF00


#: The device this process serves (NUT: mge-hid.c's globals).
STATE = MgeState()


# -- small C-alikes ---------------------------------------------------------------------


def _strtod(text: str | None) -> float:
    """``strtod``/``atof``: the longest leading number, 0 when there is none."""
    if text is None:
        return 0.0
    s = text.lstrip()
    for end in range(len(s), 0, -1):
        try:
            return float(s[:end])
        except ValueError:
            continue
    return 0.0


def _atoi(text: str | None) -> int:
    """``atoi``: leading sign and digits, 0 when there are none."""
    if text is None:
        return 0
    s = text.lstrip()
    sign, digits = 1, ""
    if s[:1] in "+-" and s:
        sign, s = (-1 if s[0] == "-" else 1), s[1:]
    for ch in s:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0


def _c_round(value: float) -> float:
    """C's ``round``: halves away from zero."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def _int(value: float) -> int | None:
    return None if math.isnan(value) or math.isinf(value) else int(value)


# -- values read back: the rows that publish them record them ------------------------


def kept(name: str, fmt: str) -> Lookup:
    """The row's value formatted as ``fmt``, and remembered for lookups that read it."""

    def to_nut(value: float) -> str | None:
        text = format_value(fmt, value)
        STATE.values[name] = text
        return text

    def to_hid(text: str) -> float | None:
        return float(_atoi(text))

    return Lookup(to_nut=to_nut, to_hid=to_hid)


def _off(value: float) -> str | None:
    # NUT's off_info (0 means off), noting the bit for eaton_converter_online.
    v = _int(value)
    if v is None:
        return None
    STATE.off = v == 0
    return "off" if STATE.off else "!off"


mge_off_info = Lookup(to_nut=_off)


# -- ABM (Advanced Battery Monitoring) -------------------------------------------------


def _abm_enabled(value: float) -> str | None:
    v = _int(value)
    STATE.abm = {0: ABM_DISABLED, 1: ABM_ENABLED}.get(v if v is not None else -1, ABM_UNKNOWN)
    return None  # kept, never published


def _abm_path(path: int) -> Lookup:
    def to_nut(value: float) -> str | None:
        if STATE.abm != ABM_ENABLED:
            # give the UPS a chance to use the other path once ABM is back on
            STATE.abm_path = ABM_PATH_UNKNOWN
        elif STATE.abm_path == ABM_PATH_UNKNOWN:
            STATE.abm_path = path
        return None

    return Lookup(to_nut=to_nut)


_ABM_STATUS_BY_PATH = {
    ABM_PATH_STATUS: {1: "charging", 2: "floating", 3: "resting", 4: "discharging", 6: "off"},
    ABM_PATH_MODE: {1: "charging", 2: "discharging", 3: "floating", 4: "resting", 6: "off"},
}
_ABM_FLAG_BY_PATH = {
    ABM_PATH_STATUS: {1: "chrg", 2: "chrg", 4: "dischrg"},
    ABM_PATH_MODE: {1: "chrg", 3: "chrg", 2: "dischrg"},
}


def _abm_words(words: dict[int, dict[int, str]]) -> Lookup:
    def to_nut(value: float) -> str | None:
        if STATE.abm != ABM_ENABLED:
            return None
        # any path not (yet) recognised reads as the Mode path
        path = ABM_PATH_STATUS if STATE.abm_path == ABM_PATH_STATUS else ABM_PATH_MODE
        v = _int(value)
        return None if v is None else words[path].get(v)

    return Lookup(to_nut=to_nut)


def _check_dischrg(value: float) -> str | None:
    if STATE.abm == ABM_ENABLED:
        return "!dischrg"  # ABM speaks instead; clear what ABM-off polls may have set
    return "dischrg" if value == 1 else "!dischrg"


def _check_chrg(value: float) -> str | None:
    if STATE.abm == ABM_ENABLED:
        return "!chrg"
    if value != 1:
        return "!chrg"
    # CC-mode units (5E) keep Charging asserted while floating: no CHRG at 100 %.
    charge = STATE.values.get("battery.charge")
    if charge is not None and _strtod(charge) >= 100.0:
        return "!chrg"
    return "chrg"


eaton_abm_enabled_info = Lookup(to_nut=_abm_enabled)
eaton_abm_path_mode_info = _abm_path(ABM_PATH_MODE)
eaton_abm_path_status_info = _abm_path(ABM_PATH_STATUS)
eaton_abm_status_info = _abm_words(_ABM_STATUS_BY_PATH)
eaton_abm_chrg_dischrg_info = _abm_words(_ABM_FLAG_BY_PATH)
eaton_discharging_info = Lookup(to_nut=_check_dischrg)
eaton_charging_info = Lookup(to_nut=_check_chrg)
eaton_charger_type_info = table(
    [
        (0, "None"),
        (1, "Extended (CLA)"),
        (2, "Large extension"),
        (3, "Extra large extension (XL)"),
        (4, "ABM"),
        (5, "Constant Charge (CC)"),
    ]
)

# -- date and time (UPS.PowerSummary.Time: Unix time) ---------------------------------


def _strftime(fmt: str, width: int) -> Callable[[float], str | None]:
    def to_nut(value: float) -> str | None:
        v = _int(value)
        if v is None:
            return None
        try:
            text = datetime.fromtimestamp(v).strftime(fmt)
        except (OverflowError, OSError, ValueError):
            return None
        if len(text) != width:
            return None
        STATE.values["ups.date" if width == 10 else "ups.time"] = text
        return text

    return to_nut


def _mktime(date: str | None, clock: str | None) -> float | None:
    # NUT writes 0 (the epoch) when the text does not parse; we refuse instead.
    try:
        return datetime.strptime(f"{date} {clock}", "%Y/%m/%d %H:%M:%S").timestamp()
    except (ValueError, OverflowError):
        return None


mge_date_conversion = Lookup(
    to_nut=_strftime("%Y/%m/%d", 10),
    to_hid=lambda text: _mktime(text, STATE.values.get("ups.time")),
)
mge_time_conversion = Lookup(
    to_nut=_strftime("%H:%M:%S", 8),
    to_hid=lambda text: _mktime(STATE.values.get("ups.date"), text),
)

# -- values that depend on the model family ---------------------------------------------


def _battery_voltage_nominal(value: float) -> str | None:
    fam = STATE.family()
    if fam == MGE_EVOLUTION:
        if STATE.mge_type == MGE_EVOLUTION_650:
            value = 12.0
    elif fam not in (MGE_PULSAR_M, EATON_5P, EATON_9E):
        return None
    return f"{value:.0f}"


def _battery_voltage(value: float) -> str | None:
    if STATE.family() not in (MGE_EVOLUTION, MGE_PULSAR_M, EATON_5P, EATON_9E):
        return None
    return f"{value:.1f}"


mge_battery_voltage_nominal = Lookup(to_nut=_battery_voltage_nominal)
mge_battery_voltage = Lookup(to_nut=_battery_voltage)


def _powerfactor(value: float) -> str | None:
    text = f"{value / 100:.2f}"
    STATE.values["output.powerfactor"] = text
    return text


mge_powerfactor_conversion = Lookup(to_nut=_powerfactor)
#: DesignCapacity comes in As; NUT publishes Ah.
mge_battery_capacity = Lookup(to_nut=lambda value: f"{value / 3600:.2f}")

eaton_enable_disable_info = table([(0, "disabled"), (1, "enabled")])
mge_upstype_conversion = table(
    [
        (1, "offline / line interactive"),
        (2, "online"),
        (3, "online - unitary/parallel"),
        (4, "online - parallel with hot standy"),
        (5, "online - hot standby redundancy"),
    ]
)
mge_sensitivity_info = table([(0, "normal"), (1, "high"), (2, "low")])
mge_emergency_stop = table([(1, "Emergency stop!")])
mge_wiring_fault = table([(1, "Wiring fault!")])
mge_config_failure = table([(1, "Fatal EEPROM fault!")])
mge_inverter_volthi = table([(1, "Inverter AC voltage too high!")])
mge_inverter_voltlo = table([(1, "Inverter AC voltage too low!")])
mge_short_circuit = table([(1, "Output short circuit!")])
#: NUT 2.8.0's word for "not online" ("offline" in later NUT): both are understood.
mge_onbatt_info = table([(1, "!online"), (0, "online")])


def _pegasus_like() -> bool:
    # Protection Station, Ellipse ECO and the 3S 700/750 (non-European) have ECO
    # control.  NUT compares the masked family with MGE_3S (0x110), which the
    # mask (0x100) can never give: the 3S counts as Pegasus in every country.
    fam = STATE.family()
    if fam == MGE_PEGASUS:
        return True
    return fam == MGE_3S and STATE.country_code != COUNTRY_EUROPE


def _pegasus_threshold(value: float) -> str | None:
    return f"{value:.0f}" if _pegasus_like() else None


def _pegasus_yes_no(value: float) -> str | None:
    if not _pegasus_like():
        return None
    return "no" if value == 0 else "yes"


def _pegasus_yes_no_hid(text: str) -> float | None:
    if not _pegasus_like():
        return 0.0
    return 1.0 if text.startswith("yes") else 0.0


#: On Protection Station: the master outlet's power (VA) under which the others go off.
pegasus_threshold_info = Lookup(
    table=MappingProxyType({10: "10", 25: "25", 60: "60"}), to_nut=_pegasus_threshold
)
pegasus_yes_no_info = Lookup(to_nut=_pegasus_yes_no, to_hid=_pegasus_yes_no_hid)
outlet_eco_yes_no_info = table(
    [(0, "The outlet is not ECO controlled"), (1, "The outlet is ECO controlled")]
)
eaton_outlet_protection_status_info = table(
    [(0, "not powered"), (1, "not protected"), (2, "protected")]
)

_LV = (100, 110, 120, 127)
_HV208 = (200, 208)
_HV230 = (220, 230, 240)


def _nominal_output_voltage(value: float) -> str | None:
    # The first reading decides whether this is a low- or high-voltage model;
    # later readings (and settings) outside its range are not published.
    v = _int(value)
    if v is None:
        return None
    if STATE.nominal < 0:
        STATE.nominal = v
    online = STATE.family() >= MGE_DEFAULT
    first = STATE.nominal
    if first in _LV:
        ok = v in _LV
    elif first in _HV208:
        ok = v in _HV208 or (v in _HV230 and online)
    elif first in _HV230:
        ok = v in _HV230 or (v in _HV208 and online)
    else:
        ok = True  # cannot tell: publish whatever comes
    if not ok:
        return None
    text = f"{value:.0f}"
    STATE.values["output.voltage.nominal"] = text
    return text


nominal_output_voltage_info = Lookup(
    table=MappingProxyType(
        {
            200: "200",
            208: "208",
            220: "220",
            230: "230",
            240: "240",
            100: "100",
            110: "110",
            120: "120",
            127: "127",
        }
    ),
    to_nut=_nominal_output_voltage,
)


def _converter_online(value: float) -> str | None:
    # Only when not OFF: the "Good" row comes before this one in the table.
    if STATE.off:
        return None
    return "!online" if value == 0 else "online"


eaton_converter_online_info = Lookup(to_nut=_converter_online)


def _check_country(value: float) -> str | None:
    v = _int(value)
    STATE.country_code = v if v is not None else COUNTRY_UNKNOWN
    return None  # kept, never published


eaton_check_country_info = Lookup(to_nut=_check_country)


def _compute_realpower(value: float) -> str | None:
    # When the UPS has no ActivePower: load % x nominal VA x power factor (0.8 unknown).
    load = STATE.values.get("ups.load")
    nominal = STATE.values.get("ups.power.nominal")
    if load is None or nominal is None:
        return None
    pf_text = STATE.values.get("output.powerfactor")
    pf = _float32(_strtod(pf_text)) if pf_text is not None else _float32(0.80)
    return f"{_c_round(_atoi(load) * 0.01 * _atoi(nominal) * pf):.0f}"


eaton_compute_realpower_info = Lookup(to_nut=_compute_realpower)

# -- ECO (high efficiency), ESS and bypass ----------------------------------------------


def _in_limits(
    *,
    voltage_range: tuple[str, str],
    frequency_range: str,
    default_voltage: tuple[float, float],
    default_frequency: float,
) -> bool | None:
    """Bypass voltage and frequency within the transfer limits (None: not known)."""
    get = STATE.values.get
    needed = ("input.bypass.voltage", "input.bypass.frequency")
    nominals = ("output.voltage.nominal", "output.frequency.nominal")
    if any(get(n) is None for n in (*needed, *nominals)):
        return None
    voltage, frequency = _strtod(get(needed[0])), _strtod(get(needed[1]))
    v_nom, f_nom = _strtod(get(nominals[0])), _strtod(get(nominals[1]))
    low, high = _strtod(get(voltage_range[0])), _strtod(get(voltage_range[1]))
    spread = _strtod(get(frequency_range))
    if spread <= 0:
        spread = default_frequency
    f_low, f_high = f_nom - f_nom / 100 * spread, f_nom + f_nom / 100 * spread
    if not (low > 0 and high > 0):
        low, high = v_nom * default_voltage[0], v_nom * default_voltage[1]
    return low <= voltage <= high and f_low <= frequency <= f_high


def _eco_check(value: float) -> str | None:
    """ECO when the bypass is within ECO limits (defaults: +-5 % V, +-5 % Hz)."""
    if _int(value) != 1:
        return None
    ok = _in_limits(
        voltage_range=("input.transfer.eco.low", "input.transfer.eco.high"),
        frequency_range="input.transfer.frequency.eco.range",
        default_voltage=(0.95, 1.05),
        default_frequency=5.0,
    )
    # NUT sets "normal" itself and publishes nothing: the same value results.
    text = "ECO" if ok else "normal"
    STATE.values["input.eco.switchable"] = text
    return text


def _buzzword_mode(value: float) -> str | None:
    v = _int(value)
    if v == 0:
        STATE.values["input.eco.switchable"] = "normal"
        return "normal"
    if v == 1:
        return _eco_check(value)
    if v == 2:
        STATE.values["input.eco.switchable"] = "ESS"
        return "ESS"
    return None


_BUZZWORDS = {"normal": 0.0, "ECO": 1.0, "ESS": 2.0}


def _buzzword_mode_hid(text: str) -> float | None:
    word = text.removeprefix("vendor:mge-hid:")
    return _BUZZWORDS.get(word)


eaton_input_eco_mode_on_off_info = Lookup(to_nut=_buzzword_mode, to_hid=_buzzword_mode_hid)


def _bypass_check(value: float) -> str | None:
    """ "on" when the bypass is within bypass limits (defaults: -20/+15 % V, +-10 % Hz)."""
    if value == 0:
        STATE.values["input.bypass.switch.on"] = "disabled"
        return "disabled"
    if value != 1:
        return None
    ok = _in_limits(
        voltage_range=("input.transfer.bypass.low", "input.transfer.bypass.high"),
        frequency_range="input.transfer.frequency.bypass.range",
        default_voltage=(0.8, 1.15),
        default_frequency=10.0,
    )
    if not ok:
        # NUT also sets input.bypass.switch.off to "off" (not done here: see module notes)
        STATE.values["input.bypass.switch.off"] = "off"
        return None
    STATE.values["input.bypass.switch.on"] = "on"
    return "on"


eaton_input_bypass_mode_on_info = Lookup(
    table=MappingProxyType({0: "disabled", 1: "on"}), to_nut=_bypass_check
)


def _bypass_off(value: float) -> str | None:
    v = _int(value)
    text = {0: "disabled", 1: "off"}.get(v) if v is not None else None
    if text is not None:
        STATE.values["input.bypass.switch.off"] = text
    return text


eaton_input_bypass_mode_off_info = Lookup(
    table=MappingProxyType({0: "disabled", 1: "off"}), to_nut=_bypass_off
)


def _eco_auto(value: float) -> str | None:
    # Bypass first, then ECO (start); leave ECO, then the bypass (stop).
    get = STATE.values.get
    if _int(value) == 1:
        if get("input.bypass.switch.on") != "disabled":
            return None
        _bypass_check(1.0)
        if get("input.eco.switchable") != "normal":
            return None
        _eco_check(1.0)
        return "on"
    if get("input.bypass.switch.off") != "disabled":
        return None
    if get("input.eco.switchable") != "ECO":
        return None
    return "off"


def _eco_auto_hid(text: str) -> float | None:
    get = STATE.values.get
    if text == "1":
        if get("input.bypass.switch.on") != "disabled":
            return 0.0
        _bypass_check(1.0)
        if get("input.eco.switchable") != "normal":
            return 0.0
        _eco_check(1.0)
        return 1.0
    if get("input.bypass.switch.off") != "disabled":
        return 1.0
    if get("input.eco.switchable") != "ECO":
        return 1.0
    return 0.0


eaton_input_eco_mode_auto_on_off_info = Lookup(to_nut=_eco_auto, to_hid=_eco_auto_hid)

# -- usages -------------------------------------------------------------------------------

#: NUT's ``mge_usage_lkp`` (page 0xffff), searched before the generic names.
MGE_USAGES: dict[int, str] = {
    0xFFFF0000: "Undefined",
    0xFFFF0001: "STS",
    0xFFFF0002: "Environment",
    0xFFFF0003: "Statistic",
    0xFFFF0004: "StatisticSystem",
    0xFFFF0005: "USB",
    0xFFFF0010: "Phase",
    0xFFFF0011: "PhaseID",
    0xFFFF0012: "Chopper",
    0xFFFF0013: "ChopperID",
    0xFFFF0014: "Inverter",
    0xFFFF0015: "InverterID",
    0xFFFF0016: "Rectifier",
    0xFFFF0017: "RectifierID",
    0xFFFF0018: "LCMSystem",
    0xFFFF0019: "LCMSystemID",
    0xFFFF001A: "LCMAlarm",
    0xFFFF001B: "LCMAlarmID",
    0xFFFF001C: "HistorySystem",
    0xFFFF001D: "HistorySystemID",
    0xFFFF001E: "Event",
    0xFFFF001F: "EventID",
    0xFFFF0020: "CircuitBreaker",
    0xFFFF0021: "TransferForbidden",
    0xFFFF0022: "OverallAlarm",
    0xFFFF0023: "Dephasing",
    0xFFFF0024: "BypassBreaker",
    0xFFFF0025: "PowerModule",
    0xFFFF0026: "PowerRate",
    0xFFFF0027: "PowerSource",
    0xFFFF0028: "CurrentPowerSource",
    0xFFFF0029: "RedundancyLevel",
    0xFFFF002A: "RedundancyLost",
    0xFFFF002B: "NotificationStatus",
    0xFFFF002C: "ProtectionLost",
    0xFFFF002D: "ConfigurationFailure",
    0xFFFF002E: "CompatibilityFailure",
    0xFFFF0040: "SwitchType",
    0xFFFF0041: "ConverterType",
    0xFFFF0042: "FrequencyConverterMode",
    0xFFFF0043: "AutomaticRestart",
    0xFFFF0044: "ForcedReboot",
    0xFFFF0045: "TestPeriod",
    0xFFFF0046: "EnergySaving",
    0xFFFF0047: "StartOnBattery",
    0xFFFF0048: "Schedule",
    0xFFFF0049: "DeepDischargeProtection",
    0xFFFF004A: "ShortCircuit",
    0xFFFF004B: "ExtendedVoltageMode",
    0xFFFF004C: "SensitivityMode",
    0xFFFF004D: "RemainingCapacityLimitSetting",
    0xFFFF004E: "ExtendedFrequencyMode",
    0xFFFF004F: "FrequencyConverterModeSetting",
    0xFFFF0050: "LowVoltageBoostTransfer",
    0xFFFF0051: "HighVoltageBoostTransfer",
    0xFFFF0052: "LowVoltageBuckTransfer",
    0xFFFF0053: "HighVoltageBuckTransfer",
    0xFFFF0054: "OverloadTransferEnable",
    0xFFFF0055: "OutOfToleranceTransferEnable",
    0xFFFF0056: "ForcedTransferEnable",
    0xFFFF0057: "LowVoltageBypassTransfer",
    0xFFFF0058: "HighVoltageBypassTransfer",
    0xFFFF0059: "FrequencyRangeBypassTransfer",
    0xFFFF005A: "LowVoltageEcoTransfer",
    0xFFFF005B: "HighVoltageEcoTransfer",
    0xFFFF005C: "FrequencyRangeEcoTransfer",
    0xFFFF005D: "ShutdownTimer",
    0xFFFF005E: "StartupTimer",
    0xFFFF005F: "RestartLevel",
    0xFFFF0060: "PhaseOutOfRange",
    0xFFFF0061: "CurrentLimitation",
    0xFFFF0062: "ThermalOverload",
    0xFFFF0063: "SynchroSource",
    0xFFFF0064: "FuseFault",
    0xFFFF0065: "ExternalProtectedTransfert",
    0xFFFF0066: "ExternalForcedTransfert",
    0xFFFF0067: "Compensation",
    0xFFFF0068: "EmergencyStop",
    0xFFFF0069: "PowerFactor",
    0xFFFF006A: "PeakFactor",
    0xFFFF006B: "ChargerType",
    0xFFFF006C: "HighPositiveDCBusVoltage",
    0xFFFF006D: "LowPositiveDCBusVoltage",
    0xFFFF006E: "HighNegativeDCBusVoltage",
    0xFFFF006F: "LowNegativeDCBusVoltage",
    0xFFFF0070: "FrequencyRangeTransfer",
    0xFFFF0071: "WiringFaultDetection",
    0xFFFF0072: "ControlStandby",
    0xFFFF0073: "ShortCircuitTolerance",
    0xFFFF0074: "VoltageTooHigh",
    0xFFFF0075: "VoltageTooLow",
    0xFFFF0076: "DCBusUnbalanced",
    0xFFFF0077: "FanFailure",
    0xFFFF0078: "WiringFault",
    0xFFFF0079: "Floating",
    0xFFFF007A: "OverCurrent",
    0xFFFF007B: "RemainingActivePower",
    0xFFFF007C: "Energy",
    0xFFFF007D: "Threshold",
    0xFFFF007E: "OverThreshold",
    0xFFFF0080: "Sensor",
    0xFFFF0081: "LowHumidity",
    0xFFFF0082: "HighHumidity",
    0xFFFF0083: "LowTemperature",
    0xFFFF0084: "HighTemperature",
    0xFFFF0085: "ECOControl",
    0xFFFF0086: "Efficiency",
    0xFFFF0087: "ABMEnable",
    0xFFFF0088: "NegativeCurrent",
    0xFFFF0089: "AutomaticStart",
    0xFFFF0090: "Count",
    0xFFFF0091: "Timer",
    0xFFFF0092: "Interval",
    0xFFFF0093: "TimerExpired",
    0xFFFF0094: "Mode",
    0xFFFF0095: "Country",
    0xFFFF0096: "State",
    0xFFFF0097: "Time",
    0xFFFF0098: "Code",
    0xFFFF0099: "DataValid",
    0xFFFF009A: "ToggleTimer",
    0xFFFF009B: "BypassTransferDelay",
    0xFFFF009C: "HysteresisVoltageTransfer",
    0xFFFF009D: "SlewRate",
    0xFFFF00A0: "PDU",
    0xFFFF00A1: "Breaker",
    0xFFFF00A2: "BreakerID",
    0xFFFF00A3: "OverVoltage",
    0xFFFF00A4: "Tripped",
    0xFFFF00A5: "OverEnergy",
    0xFFFF00A6: "OverHumidity",
    0xFFFF00A7: "ConfigurationReset",
    0xFFFF00A8: "Level",
    0xFFFF00A9: "PDUType",
    0xFFFF00AA: "ReactivePower",
    0xFFFF00AB: "Pole",
    0xFFFF00AC: "PoleID",
    0xFFFF00AD: "Reset",
    0xFFFF00AE: "WatchdogReset",
    0xFFFF00BA: "iDesignator",
    0xFFFF00E0: "COPIBridge",
    0xFFFF00E1: "Gateway",
    0xFFFF00E5: "System",
    0xFFFF00E9: "Status",
    0xFFFF00F0: "iModel",
    0xFFFF00F1: "iVersion",
    0xFFFF00F2: "iTechnicalLevel",
    0xFFFF00F3: "iPartNumber",
    0xFFFF00F4: "iReferenceNumber",
    0xFFFF00F5: "iGang",
}

# -- model names ----------------------------------------------------------------------

#: NUT's ``mge_model_names``: (iProduct, iModel, family, name); a None name
#: means "iProduct iModel".  The first exact match of both strings wins.
MODEL_NAMES: tuple[tuple[str, str, int, str | None], ...] = (
    ("ELLIPSE", "300", MGE_DEFAULT_OFFLINE, "ellipse 300"),
    ("ELLIPSE", "500", MGE_DEFAULT_OFFLINE, "ellipse 500"),
    ("ELLIPSE", "650", MGE_DEFAULT_OFFLINE, "ellipse 650"),
    ("ELLIPSE", "800", MGE_DEFAULT_OFFLINE, "ellipse 800"),
    ("ELLIPSE", "1200", MGE_DEFAULT_OFFLINE, "ellipse 1200"),
    ("ellipse", "PR500", MGE_DEFAULT_OFFLINE, "ellipse premium 500"),
    ("ellipse", "PR650", MGE_DEFAULT_OFFLINE, "ellipse premium 650"),
    ("ellipse", "PR800", MGE_DEFAULT_OFFLINE, "ellipse premium 800"),
    ("ellipse", "PR1200", MGE_DEFAULT_OFFLINE, "ellipse premium 1200"),
    ("ELLIPSE", "600", MGE_DEFAULT_OFFLINE, "Ellipse 600"),
    ("ELLIPSE", "750", MGE_DEFAULT_OFFLINE, "Ellipse 750"),
    ("ELLIPSE", "1000", MGE_DEFAULT_OFFLINE, "Ellipse 1000"),
    ("ELLIPSE", "1500", MGE_DEFAULT_OFFLINE, "Ellipse 1500"),
    ("Ellipse MAX", "600", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "850", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "1100", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "1500", MGE_DEFAULT_OFFLINE, None),
    ("PROTECTIONCENTER", "420", MGE_DEFAULT_OFFLINE, "Protection Center 420"),
    ("PROTECTIONCENTER", "500", MGE_DEFAULT_OFFLINE, "Protection Center 500"),
    ("PROTECTIONCENTER", "675", MGE_DEFAULT_OFFLINE, "Protection Center 675"),
    ("Protection Station", "500", MGE_PEGASUS, None),
    ("Protection Station", "650", MGE_PEGASUS, None),
    ("Protection Station", "800", MGE_PEGASUS, None),
    ("Ellipse ECO", "650", MGE_PEGASUS, None),
    ("Ellipse ECO", "800", MGE_PEGASUS, None),
    ("Ellipse ECO", "1200", MGE_PEGASUS, None),
    ("Ellipse ECO", "1600", MGE_PEGASUS, None),
    ("3S", "450", MGE_DEFAULT_OFFLINE, None),
    ("3S", "550", MGE_DEFAULT_OFFLINE, None),
    ("3S", "700", MGE_3S, None),
    ("3S", "750", MGE_3S, None),
    ("Evolution", "500", MGE_DEFAULT, "Pulsar Evolution 500"),
    ("Evolution", "800", MGE_DEFAULT, "Pulsar Evolution 800"),
    ("Evolution", "1100", MGE_DEFAULT, "Pulsar Evolution 1100"),
    ("Evolution", "1500", MGE_DEFAULT, "Pulsar Evolution 1500"),
    ("Evolution", "2200", MGE_DEFAULT, "Pulsar Evolution 2200"),
    ("Evolution", "3000", MGE_DEFAULT, "Pulsar Evolution 3000"),
    ("Evolution", "3000XL", MGE_DEFAULT, "Pulsar Evolution 3000 XL"),
    ("Evolution", "650", MGE_EVOLUTION_650, None),
    ("Evolution", "850", MGE_EVOLUTION_850, None),
    ("Evolution", "1150", MGE_EVOLUTION_1150, None),
    ("Evolution", "S 1250", MGE_EVOLUTION_S_1250, None),
    ("Evolution", "1550", MGE_EVOLUTION_1550, None),
    ("Evolution", "S 1750", MGE_EVOLUTION_S_1750, None),
    ("Evolution", "2000", MGE_EVOLUTION_2000, None),
    ("Evolution", "S 2500", MGE_EVOLUTION_S_2500, None),
    ("Evolution", "S 3000", MGE_EVOLUTION_S_3000, None),
    ("Eaton 5P", "650", EATON_5P, "5P 650"),
    ("Eaton 5P", "850", EATON_5P, "5P 850"),
    ("Eaton 5P", "1150", EATON_5P, "5P 1150"),
    ("Eaton 5P", "1550", EATON_5P, "5P 1550"),
    ("Eaton 5PX", "1500", EATON_5P, None),
    ("Eaton 5PX", "2200", EATON_5P, None),
    ("Eaton 5PX", "3000", EATON_5P, None),
    ("Eaton 5SC", "500", EATON_5P, None),
    ("Eaton 5SC", "750", EATON_5P, None),
    ("Eaton 5SC", "1000", EATON_5P, None),
    ("Eaton 5SC", "1500", EATON_5P, None),
    ("Eaton 5SC", "2200", EATON_5P, None),
    ("Eaton 5SC", "3000", EATON_5P, None),
    ("Ellipse PRO", "1200 ", EATON_5P, "Eaton 5S1200"),
    ("Ellipse PRO", "1500 ", EATON_5P, "Eaton 5S1500"),
    ("Ellipse PRO", "1600 ", EATON_5P, "Eaton 5S1600"),
    ("Eaton 9E", "1000", EATON_9E, "9E1000"),
    ("Eaton 9E", "1000i", EATON_9E, "9E1000i"),
    ("Eaton 9E", "1000iau", EATON_9E, "9E1000iau"),
    ("Eaton 9E", "1000ir", EATON_9E, "9E1000ir"),
    ("Eaton 9E", "2000", EATON_9E, "9E2000"),
    ("Eaton 9E", "2000i", EATON_9E, "9E2000i"),
    ("Eaton 9E", "2000iau", EATON_9E, "9E2000iau"),
    ("Eaton 9E", "2000ir", EATON_9E, "9E2000ir"),
    ("Eaton 9E", "3000", EATON_9E, "9E3000"),
    ("Eaton 9E", "3000i", EATON_9E, "9E3000i"),
    ("Eaton 9E", "3000iau", EATON_9E, "9E3000iau"),
    ("Eaton 9E", "3000ir", EATON_9E, "9E3000ir"),
    ("Eaton 9E", "3000ixl", EATON_9E, "9E3000ixl"),
    ("Eaton 9E", "3000ixlau", EATON_9E, "9E3000ixlau"),
    ("unknown", "1000", EATON_9E, "9E1000i (presumed)"),
    ("unknown", "2000", EATON_9E, "9E2000i (presumed)"),
    ("unknown", "3000", EATON_9E, "9E3000i (presumed)"),
    ("Eaton 9SX", "700i", EATON_9E, "9SX700i"),
    ("Eaton 9SX", "1000i", EATON_9E, "9SX1000i"),
    ("Eaton 9SX", "1000im", EATON_9E, "9SX1000im"),
    ("Eaton 9SX", "1500i", EATON_9E, "9SX1500i"),
    ("Eaton 9SX", "2000i", EATON_9E, "9SX2000i"),
    ("Eaton 9SX", "3000i", EATON_9E, "9SX3000i"),
    ("Eaton 9SX", "3000im", EATON_9E, "9SX3000im"),
    ("Eaton 9SX", "1000ir", EATON_9E, "9SX1000ir"),
    ("Eaton 9SX", "1500ir", EATON_9E, "9SX1500ir"),
    ("Eaton 9SX", "2000ir", EATON_9E, "9SX2000ir"),
    ("Eaton 9SX", "3000ir", EATON_9E, "9SX3000ir"),
    ("Eaton 9PX", "1000irt2u", EATON_9E, "9px1000irt2u"),
    ("Eaton 9PX", "1500irt2u", EATON_9E, "9px1500irt2u"),
    ("Eaton 9PX", "1500irtm", EATON_9E, "9px1500irtm"),
    ("Eaton 9PX", "2200irt2u", EATON_9E, "9px2200irt2u"),
    ("Eaton 9PX", "2200irt3u", EATON_9E, "9px2200irt3u"),
    ("Eaton 9PX", "3000irt2u", EATON_9E, "9px3000irt2u"),
    ("Eaton 9PX", "3000irt3u", EATON_9E, "9px3000irt3u"),
    ("Eaton 9PX", "3000irtm", EATON_9E, "9px3000irtm"),
    ("PULSAR M", "2200", MGE_PULSAR_M_2200, None),
    ("PULSAR M", "3000", MGE_PULSAR_M_3000, None),
    ("PULSAR M", "3000 XL", MGE_PULSAR_M_3000_XL, None),
    ("EX", "2200", MGE_PULSAR_M_2200, None),
    ("EX", "3000", MGE_PULSAR_M_3000, None),
    ("EX", "3000 XL", MGE_PULSAR_M_3000, None),
    ("PULSAR", "MX4000", MGE_DEFAULT, "Pulsar MX 4000 RT"),
    ("PULSAR", "MX5000", MGE_DEFAULT, "Pulsar MX 5000 RT"),
    ("NOVA AVR", "500", MGE_DEFAULT, "Nova 500 AVR"),
    ("NOVA AVR", "600", MGE_DEFAULT, "Nova 600 AVR"),
    ("NOVA AVR", "625", MGE_DEFAULT, "Nova 625 AVR"),
    ("NOVA AVR", "1100", MGE_DEFAULT, "Nova 1100 AVR"),
    ("NOVA AVR", "1250", MGE_DEFAULT, "Nova 1250 AVR"),
    ("EXtreme", "700C", MGE_DEFAULT, "Pulsar EXtreme 700C"),
    ("EXtreme", "1000C", MGE_DEFAULT, "Pulsar EXtreme 1000C"),
    ("EXtreme", "1500C", MGE_DEFAULT, "Pulsar EXtreme 1500C"),
    ("EXtreme", "1500CCLA", MGE_DEFAULT, "Pulsar EXtreme 1500C CLA"),
    ("EXtreme", "2200C", MGE_DEFAULT, "Pulsar EXtreme 2200C"),
    ("EXtreme", "3200C", MGE_DEFAULT, "Pulsar EXtreme 3200C"),
    ("EX", "700RT", MGE_DEFAULT, "Pulsar EX 700 RT"),
    ("EX", "1000RT", MGE_DEFAULT, "Pulsar EX 1000 RT"),
    ("EX", "1500RT", MGE_DEFAULT, "Pulsar EX 1500 RT"),
    ("EX", "2200RT", MGE_DEFAULT, "Pulsar EX 2200 RT"),
    ("EX", "3200RT", MGE_DEFAULT, "Pulsar EX 3200 RT"),
    ("EX", "5RT31", MGE_DEFAULT, "EX 5 RT 3:1"),
    ("EX", "7RT31", MGE_DEFAULT, "EX 7 RT 3:1"),
    ("EX", "11RT31", MGE_DEFAULT, "EX 11 RT 3:1"),
    ("EX", "5RT", MGE_DEFAULT, "EX 5 RT"),
    ("EX", "7RT", MGE_DEFAULT, "EX 7 RT"),
    ("EX", "11RT", MGE_DEFAULT, "EX 11 RT"),
    ("GALAXY", "3000_10", MGE_DEFAULT, "Galaxy 3000 10 kVA"),
    ("GALAXY", "3000_15", MGE_DEFAULT, "Galaxy 3000 15 kVA"),
    ("GALAXY", "3000_20", MGE_DEFAULT, "Galaxy 3000 20 kVA"),
    ("GALAXY", "3000_30", MGE_DEFAULT, "Galaxy 3000 30 kVA"),
)

#: NUT's ``mge_hid2nut``, in its order (built with strptime, as Debian's:
#: ups.date and ups.time are RW).
MGE_HID2NUT = (
    # NUT's dfl here is "Europe", never used: the lookup only keeps the country.
    var(
        "device.country",
        "UPS.PowerSummary.Country",
        "%s",
        hu=HU.STATIC,
        lookup=eaton_check_country_info,
        flags=Flag.STRING,
        length=20,
    ),
    var(
        "device.usb.version",
        "UPS.System.USB.iVersion",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
        flags=Flag.STRING,
        length=20,
    ),
    var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
        lookup=kept("battery.charge", "%.0f"),
    ),
    rw(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimitSetting",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", hu=HU.STATIC),
    rw("battery.charge.restart", "UPS.PowerSummary.RestartLevel", "%.0f", 3, hu=HU.SEMI_STATIC),
    var(
        "battery.capacity",
        "UPS.BatterySystem.Battery.DesignCapacity",
        "%s",
        hu=HU.STATIC,
        lookup=mge_battery_capacity,
    ),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    rw("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", 10),
    var(
        "battery.runtime.elapsed",
        "UPS.StatisticSystem.Input.[1].Statistic.[1].Time",
        "%.0f",
        hu=HU.QUICK_POLL,
    ),
    rw("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", 10),
    var(
        "battery.temperature",
        "UPS.BatterySystem.Battery.Temperature",
        "%s",
        lookup=m.kelvin_celsius_conversion,
    ),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("battery.voltage", "UPS.BatterySystem.Voltage", "%.1f"),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%s", lookup=mge_battery_voltage),
    var("battery.voltage.nominal", "UPS.BatterySystem.ConfigVoltage", "%.0f", hu=HU.STATIC),
    var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%s",
        hu=HU.STATIC,
        lookup=mge_battery_voltage_nominal,
    ),
    rw(
        "battery.protection",
        "UPS.BatterySystem.Battery.DeepDischargeProtection",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "battery.energysave",
        "UPS.PowerConverter.Input.[3].EnergySaving",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "battery.energysave.load",
        "UPS.PowerConverter.Input.[3].ConfigPercentLoad",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "battery.energysave.delay",
        "UPS.PowerConverter.Input.[3].EnergySaving.ShutdownTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "battery.energysave.delay",
        "UPS.PowerConverter.Input.[3].ShutdownTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "battery.energysave.realpower",
        "UPS.PowerConverter.Input.[3].ConfigActivePower",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var(
        "battery.charger.abm.status",
        "UPS.BatterySystem.Charger.ABMEnable",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_abm_enabled_info,
    ),
    var(
        "battery.charger.mode.status",
        "UPS.BatterySystem.Charger.Mode",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_abm_path_mode_info,
    ),
    var(
        "battery.charger.type.status",
        "UPS.BatterySystem.Charger.Status",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_abm_path_status_info,
    ),
    var(
        "battery.charger.status",
        "UPS.BatterySystem.Charger.Mode",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_abm_status_info,
    ),
    var(
        "battery.charger.status",
        "UPS.BatterySystem.Charger.Status",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_abm_status_info,
    ),
    var(
        "battery.charger.type",
        "UPS.BatterySystem.Charger.ChargerType",
        "%.0f",
        hu=HU.QUICK_POLL,
        lookup=eaton_charger_type_info,
    ),
    var("ups.efficiency", "UPS.PowerConverter.Output.Efficiency", "%.0f"),
    var(
        "ups.firmware",
        "UPS.PowerSummary.iVersion",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f", lookup=kept("ups.load", "%.0f")),
    rw("ups.load.high", "UPS.Flow.[4].ConfigPercentLoad", "%.0f", 5, hu=HU.SEMI_STATIC),
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
    var("ups.test.result", "UPS.BatterySystem.Battery.Test", "%s", lookup=m.test_read_info),
    rw("ups.test.interval", "UPS.BatterySystem.Battery.TestPeriod", "%.0f", 8, hu=HU.SEMI_STATIC),
    var(
        "ups.beeper.status",
        "UPS.BatterySystem.Battery.AudibleAlarmControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=m.beeper_info,
    ),
    var(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=m.beeper_info,
    ),
    var(
        "ups.beeper.status",
        "UPS.AudibleAlarmControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=m.beeper_info,
    ),
    var(
        "ups.temperature", "UPS.PowerSummary.Temperature", "%s", lookup=m.kelvin_celsius_conversion
    ),
    var("ups.power", "UPS.PowerConverter.Output.ApparentPower", "%.0f"),
    var("ups.L1.power", "UPS.PowerConverter.Output.Phase.[1].ApparentPower", "%.0f"),
    var("ups.L2.power", "UPS.PowerConverter.Output.Phase.[2].ApparentPower", "%.0f"),
    var("ups.L3.power", "UPS.PowerConverter.Output.Phase.[3].ApparentPower", "%.0f"),
    var(
        "ups.power.nominal",
        "UPS.Flow.[4].ConfigApparentPower",
        "%.0f",
        hu=HU.STATIC,
        lookup=kept("ups.power.nominal", "%.0f"),
    ),
    var("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.0f"),
    var(
        "ups.realpower",
        "UPS.Flow.[4].ConfigApparentPower",
        "%s",
        lookup=eaton_compute_realpower_info,
    ),
    var("ups.L1.realpower", "UPS.PowerConverter.Output.Phase.[1].ActivePower", "%.0f"),
    var("ups.L2.realpower", "UPS.PowerConverter.Output.Phase.[2].ActivePower", "%.0f"),
    var("ups.L3.realpower", "UPS.PowerConverter.Output.Phase.[3].ActivePower", "%.0f"),
    var("ups.realpower.nominal", "UPS.Flow.[4].ConfigActivePower", "%.0f", hu=HU.STATIC),
    rw(
        "ups.start.auto",
        "UPS.PowerConverter.Input.[1].AutomaticRestart",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "ups.start.battery",
        "UPS.PowerConverter.Input.[3].StartOnBattery",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "ups.start.reboot",
        "UPS.PowerConverter.Output.ForcedReboot",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "ups.shutdown",
        "UPS.PowerSummary.PresentStatus.Switchable",
        "%s",
        10,
        hu=HU.SEMI_STATIC | HU.ENUM,
        lookup=eaton_enable_disable_info,
    ),
    rw("ups.date", "UPS.PowerSummary.Time", "%s", 10, lookup=mge_date_conversion),
    rw("ups.time", "UPS.PowerSummary.Time", "%s", 10, lookup=mge_time_conversion),
    var(
        "ups.type",
        "UPS.PowerConverter.ConverterType",
        "%s",
        hu=HU.STATIC,
        lookup=mge_upstype_conversion,
    ),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerConverter.Input.[3].PresentStatus.Used", mge_onbatt_info),
    status("UPS.PowerSummary.PresentStatus.Discharging", eaton_discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Charging", eaton_charging_info, hu=HU.QUICK_POLL),
    status("UPS.BatterySystem.Charger.Mode", eaton_abm_chrg_dischrg_info, hu=HU.QUICK_POLL),
    status("UPS.BatterySystem.Charger.Status", eaton_abm_chrg_dischrg_info, hu=HU.QUICK_POLL),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerConverter.Output.Overload.[1].PresentStatus.OverThreshold", m.overload_info),
    status("UPS.PowerConverter.Output.Overload.[2].PresentStatus.OverThreshold", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.LCMSystem.LCMAlarm.[2].PresentStatus.TimerExpired", m.replacebatt_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.Buck", m.trim_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.Boost", m.boost_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.VoltageOutOfRange", m.vrange_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.FrequencyOutOfRange", m.frange_info),
    status("UPS.PowerSummary.PresentStatus.Good", mge_off_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.Used", eaton_converter_online_info),
    status("UPS.PowerConverter.Input.[2].PresentStatus.Used", m.bypass_auto_info),
    status("UPS.PowerConverter.Input.[4].PresentStatus.Used", m.bypass_manual_info),
    status("UPS.PowerConverter.Input.[5].PresentStatus.Used", m.eco_mode_info),
    status("UPS.PowerSummary.PresentStatus.FanFailure", m.fanfail_info),
    status("UPS.BatterySystem.Battery.PresentStatus.Present", m.nobattery_info),
    status("UPS.BatterySystem.Charger.PresentStatus.InternalFailure", m.chargerfail_info),
    status("UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh", m.battvolthi_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooHigh", m.battvolthi_info),
    status("UPS.BatterySystem.Battery.PresentStatus.VoltageTooHigh", m.battvolthi_info),
    status("UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow", m.battvoltlo_info),
    status("UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooLow", mge_onbatt_info),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info),
    status("UPS.PowerSummary.PresentStatus.OverTemperature", m.overheat_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    var(
        "ups.alarm", "UPS.PowerSummary.PresentStatus.EmergencyStop", "%s", lookup=mge_emergency_stop
    ),
    var(
        "ups.alarm",
        "UPS.PowerConverter.Input.[1].PresentStatus.WiringFault",
        "%s",
        lookup=mge_wiring_fault,
    ),
    var(
        "ups.alarm",
        "UPS.PowerSummary.PresentStatus.ConfigurationFailure",
        "%s",
        lookup=mge_config_failure,
    ),
    var(
        "ups.alarm",
        "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooHigh",
        "%s",
        lookup=mge_inverter_volthi,
    ),
    var(
        "ups.alarm",
        "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooLow",
        "%s",
        lookup=mge_inverter_voltlo,
    ),
    var(
        "ups.alarm",
        "UPS.PowerConverter.Output.PresentStatus.ShortCircuit",
        "%s",
        lookup=mge_short_circuit,
    ),
    var("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
    var("input.L1-N.voltage", "UPS.PowerConverter.Input.[1].Phase.[1].Voltage", "%.1f"),
    var("input.L2-N.voltage", "UPS.PowerConverter.Input.[1].Phase.[2].Voltage", "%.1f"),
    var("input.L3-N.voltage", "UPS.PowerConverter.Input.[1].Phase.[3].Voltage", "%.1f"),
    var("input.L1-L2.voltage", "UPS.PowerConverter.Input.[1].Phase.[12].Voltage", "%.1f"),
    var("input.L2-L3.voltage", "UPS.PowerConverter.Input.[1].Phase.[23].Voltage", "%.1f"),
    var("input.L3-L1.voltage", "UPS.PowerConverter.Input.[1].Phase.[31].Voltage", "%.1f"),
    var("input.voltage.nominal", "UPS.Flow.[1].ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("input.current", "UPS.PowerConverter.Input.[1].Current", "%.2f"),
    var("input.L1.current", "UPS.PowerConverter.Input.[1].Phase.[1].Current", "%.1f"),
    var("input.L2.current", "UPS.PowerConverter.Input.[1].Phase.[2].Current", "%.1f"),
    var("input.L3.current", "UPS.PowerConverter.Input.[1].Phase.[3].Current", "%.1f"),
    var("input.current.nominal", "UPS.Flow.[1].ConfigCurrent", "%.2f", hu=HU.STATIC),
    var("input.frequency", "UPS.PowerConverter.Input.[1].Frequency", "%.1f"),
    var("input.frequency.nominal", "UPS.Flow.[1].ConfigFrequency", "%.0f", hu=HU.STATIC),
    rw(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.eco.low",
        "UPS.PowerConverter.Output.LowVoltageEcoTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.eco.low", "%.0f"),
    ),
    rw(
        "input.transfer.bypass.low",
        "UPS.PowerConverter.Output.LowVoltageBypassTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.bypass.low", "%.0f"),
    ),
    rw(
        "input.transfer.boost.low",
        "UPS.PowerConverter.Output.LowVoltageBoostTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.boost.high",
        "UPS.PowerConverter.Output.HighVoltageBoostTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.trim.low",
        "UPS.PowerConverter.Output.LowVoltageBuckTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.eco.high",
        "UPS.PowerConverter.Output.HighVoltageEcoTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.eco.high", "%.0f"),
    ),
    rw(
        "input.transfer.bypass.high",
        "UPS.PowerConverter.Output.HighVoltageBypassTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.bypass.high", "%.0f"),
    ),
    rw(
        "input.transfer.frequency.bypass.range",
        "UPS.PowerConverter.Output.FrequencyRangeBypassTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.frequency.bypass.range", "%.0f"),
    ),
    rw(
        "input.transfer.frequency.eco.range",
        "UPS.PowerConverter.Output.FrequencyRangeEcoTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
        lookup=kept("input.transfer.frequency.eco.range", "%.0f"),
    ),
    rw(
        "input.transfer.hysteresis",
        "UPS.PowerConverter.Output.HysteresisVoltageTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.transfer.bypass.forced",
        "UPS.PowerConverter.Input.[2].ForcedTransferEnable",
        "%.0f",
        8,
        hu=HU.SEMI_STATIC,
        lookup=eaton_enable_disable_info,
    ),
    rw(
        "input.transfer.bypass.overload",
        "UPS.PowerConverter.Input.[2].OverloadTransferEnable",
        "%.0f",
        8,
        hu=HU.SEMI_STATIC,
        lookup=eaton_enable_disable_info,
    ),
    rw(
        "input.transfer.bypass.outlimits",
        "UPS.PowerConverter.Input.[2].OutOfToleranceTransferEnable",
        "%.0f",
        8,
        hu=HU.SEMI_STATIC,
        lookup=eaton_enable_disable_info,
    ),
    rw(
        "input.transfer.trim.high",
        "UPS.PowerConverter.Output.HighVoltageBuckTransfer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "input.sensitivity",
        "UPS.PowerConverter.Output.SensitivityMode",
        "%s",
        10,
        hu=HU.SEMI_STATIC,
        lookup=mge_sensitivity_info,
    ),
    rw(
        "input.voltage.extended",
        "UPS.PowerConverter.Output.ExtendedVoltageMode",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "input.frequency.extended",
        "UPS.PowerConverter.Output.ExtendedFrequencyMode",
        "%s",
        5,
        hu=HU.SEMI_STATIC,
        lookup=m.yes_no_info,
    ),
    var(
        "input.bypass.voltage",
        "UPS.PowerConverter.Input.[2].Voltage",
        "%.1f",
        hu=HU.QUICK_POLL,
        lookup=kept("input.bypass.voltage", "%.1f"),
    ),
    var("input.bypass.L1-N.voltage", "UPS.PowerConverter.Input.[2].Phase.[1].Voltage", "%.1f"),
    var("input.bypass.L2-N.voltage", "UPS.PowerConverter.Input.[2].Phase.[2].Voltage", "%.1f"),
    var("input.bypass.L3-N.voltage", "UPS.PowerConverter.Input.[2].Phase.[3].Voltage", "%.1f"),
    var("input.bypass.L1-L2.voltage", "UPS.PowerConverter.Input.[2].Phase.[12].Voltage", "%.1f"),
    var("input.bypass.L2-L3.voltage", "UPS.PowerConverter.Input.[2].Phase.[23].Voltage", "%.1f"),
    var("input.bypass.L3-L1.voltage", "UPS.PowerConverter.Input.[2].Phase.[31].Voltage", "%.1f"),
    var("input.bypass.voltage.nominal", "UPS.Flow.[2].ConfigVoltage", "%.0f", hu=HU.STATIC),
    var("input.bypass.current", "UPS.PowerConverter.Input.[2].Current", "%.2f"),
    var("input.bypass.L1.current", "UPS.PowerConverter.Input.[2].Phase.[1].Current", "%.1f"),
    var("input.bypass.L2.current", "UPS.PowerConverter.Input.[2].Phase.[2].Current", "%.1f"),
    var("input.bypass.L3.current", "UPS.PowerConverter.Input.[2].Phase.[3].Current", "%.1f"),
    var("input.bypass.current.nominal", "UPS.Flow.[2].ConfigCurrent", "%.2f", hu=HU.STATIC),
    var(
        "input.bypass.frequency",
        "UPS.PowerConverter.Input.[2].Frequency",
        "%.1f",
        hu=HU.QUICK_POLL,
        lookup=kept("input.bypass.frequency", "%.1f"),
    ),
    var("input.bypass.frequency.nominal", "UPS.Flow.[2].ConfigFrequency", "%.0f", hu=HU.STATIC),
    rw(
        "input.bypass.switch.on",
        "UPS.PowerConverter.Input.[2].SwitchOnControl",
        "%.0f",
        8,
        hu=HU.QUICK_POLL,
        lookup=eaton_input_bypass_mode_on_info,
    ),
    rw(
        "input.bypass.switch.off",
        "UPS.PowerConverter.Input.[2].SwitchOffControl",
        "%.0f",
        12,
        hu=HU.QUICK_POLL,
        lookup=eaton_input_bypass_mode_off_info,
    ),
    rw(
        "input.bypass.switchable",
        "UPS.PowerConverter.Input.[2].Switchable",
        "%.0f",
        8,
        hu=HU.SEMI_STATIC,
        lookup=eaton_enable_disable_info,
    ),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    var("output.L1-N.voltage", "UPS.PowerConverter.Output.Phase.[1].Voltage", "%.1f"),
    var("output.L2-N.voltage", "UPS.PowerConverter.Output.Phase.[2].Voltage", "%.1f"),
    var("output.L3-N.voltage", "UPS.PowerConverter.Output.Phase.[3].Voltage", "%.1f"),
    var("output.L1-L2.voltage", "UPS.PowerConverter.Output.Phase.[12].Voltage", "%.1f"),
    var("output.L2-L3.voltage", "UPS.PowerConverter.Output.Phase.[23].Voltage", "%.1f"),
    var("output.L3-L1.voltage", "UPS.PowerConverter.Output.Phase.[31].Voltage", "%.1f"),
    rw(
        "output.voltage.nominal",
        "UPS.Flow.[4].ConfigVoltage",
        "%.0f",
        3,
        hu=HU.SEMI_STATIC | HU.ENUM,
        lookup=nominal_output_voltage_info,
    ),
    var("output.current", "UPS.PowerConverter.Output.Current", "%.2f"),
    var("output.L1.current", "UPS.PowerConverter.Output.Phase.[1].Current", "%.1f"),
    var("output.L2.current", "UPS.PowerConverter.Output.Phase.[2].Current", "%.1f"),
    var("output.L3.current", "UPS.PowerConverter.Output.Phase.[3].Current", "%.1f"),
    var("output.current.nominal", "UPS.Flow.[4].ConfigCurrent", "%.2f"),
    var("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f"),
    var(
        "output.frequency.nominal",
        "UPS.Flow.[4].ConfigFrequency",
        "%.0f",
        hu=HU.STATIC,
        lookup=kept("output.frequency.nominal", "%.0f"),
    ),
    var(
        "output.powerfactor",
        "UPS.PowerConverter.Output.PowerFactor",
        "%s",
        lookup=mge_powerfactor_conversion,
    ),
    var("outlet.id", "UPS.OutletSystem.Outlet.[1].OutletID", "%.0f", hu=HU.STATIC),
    rw("outlet.desc", "UPS.OutletSystem.Outlet.[1].OutletID", "Main Outlet", 20, hu=HU.ABSENT),
    var(
        "outlet.switchable",
        "UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable",
        "%s",
        hu=HU.STATIC,
        lookup=m.yes_no_info,
    ),
    rw(
        "outlet.power",
        "UPS.OutletSystem.Outlet.[1].ConfigApparentPower",
        "%s",
        6,
        hu=HU.SEMI_STATIC | HU.ENUM,
        lookup=pegasus_threshold_info,
    ),
    var("outlet.power", "UPS.OutletSystem.Outlet.[1].ApparentPower", "%.0f"),
    var("outlet.realpower", "UPS.OutletSystem.Outlet.[1].ActivePower", "%.0f"),
    var("outlet.current", "UPS.OutletSystem.Outlet.[1].Current", "%.2f"),
    var("outlet.powerfactor", "UPS.OutletSystem.Outlet.[1].PowerFactor", "%.2f"),
    var("outlet.1.id", "UPS.OutletSystem.Outlet.[2].OutletID", "%.0f", hu=HU.STATIC),
    rw(
        "outlet.1.desc",
        "UPS.OutletSystem.Outlet.[2].OutletID",
        "PowerShare Outlet 1",
        20,
        hu=HU.ABSENT,
    ),
    var(
        "outlet.1.switchable",
        "UPS.OutletSystem.Outlet.[2].PresentStatus.Switchable",
        "%s",
        hu=HU.STATIC,
        lookup=m.yes_no_info,
    ),
    var(
        "outlet.1.status",
        "UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off",
        "%s",
        lookup=m.on_off_info,
    ),
    var(
        "outlet.1.protect.status",
        "UPS.OutletSystem.Outlet.[2].Status",
        "%s",
        lookup=eaton_outlet_protection_status_info,
    ),
    var(
        "outlet.1.designator",
        "UPS.OutletSystem.Outlet.[2].iDesignator",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("outlet.1.status", "UPS.PowerSummary.PresentStatus.ACPresent", "%s", lookup=m.on_off_info),
    rw(
        "outlet.1.autoswitch.charge.low",
        "UPS.OutletSystem.Outlet.[2].RemainingCapacityLimit",
        "%.0f",
        3,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.1.delay.shutdown",
        "UPS.OutletSystem.Outlet.[2].ShutdownTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.1.delay.start",
        "UPS.OutletSystem.Outlet.[2].StartupTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("outlet.1.power", "UPS.OutletSystem.Outlet.[2].ApparentPower", "%.0f"),
    var("outlet.1.realpower", "UPS.OutletSystem.Outlet.[2].ActivePower", "%.0f"),
    var("outlet.1.current", "UPS.OutletSystem.Outlet.[2].Current", "%.2f"),
    var("outlet.1.powerfactor", "UPS.OutletSystem.Outlet.[2].PowerFactor", "%.2f"),
    var(
        "outlet.1.ecocontrol",
        "UPS.OutletSystem.Outlet.[2].ECOControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=outlet_eco_yes_no_info,
    ),
    var("outlet.2.id", "UPS.OutletSystem.Outlet.[3].OutletID", "%.0f", hu=HU.STATIC),
    rw(
        "outlet.2.desc",
        "UPS.OutletSystem.Outlet.[3].OutletID",
        "PowerShare Outlet 2",
        20,
        hu=HU.ABSENT,
    ),
    rw(
        "outlet.2.switchable",
        "UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable",
        "%s",
        3,
        hu=HU.SEMI_STATIC,
        lookup=pegasus_yes_no_info,
    ),
    var(
        "outlet.2.switchable",
        "UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable",
        "%s",
        lookup=m.yes_no_info,
    ),
    var(
        "outlet.2.status",
        "UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off",
        "%s",
        lookup=m.on_off_info,
    ),
    var(
        "outlet.2.protect.status",
        "UPS.OutletSystem.Outlet.[3].Status",
        "%s",
        lookup=eaton_outlet_protection_status_info,
    ),
    rw(
        "outlet.2.autoswitch.charge.low",
        "UPS.OutletSystem.Outlet.[3].RemainingCapacityLimit",
        "%.0f",
        3,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.2.delay.shutdown",
        "UPS.OutletSystem.Outlet.[3].ShutdownTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.2.delay.start",
        "UPS.OutletSystem.Outlet.[3].StartupTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("outlet.2.power", "UPS.OutletSystem.Outlet.[3].ApparentPower", "%.0f"),
    var("outlet.2.realpower", "UPS.OutletSystem.Outlet.[3].ActivePower", "%.0f"),
    var("outlet.2.current", "UPS.OutletSystem.Outlet.[3].Current", "%.2f"),
    var("outlet.2.powerfactor", "UPS.OutletSystem.Outlet.[3].PowerFactor", "%.2f"),
    var(
        "outlet.2.ecocontrol",
        "UPS.OutletSystem.Outlet.[3].ECOControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=outlet_eco_yes_no_info,
    ),
    var("outlet.3.id", "UPS.OutletSystem.Outlet.[4].OutletID", "%.0f", hu=HU.STATIC),
    rw(
        "outlet.3.desc",
        "UPS.OutletSystem.Outlet.[4].OutletID",
        "PowerShare Outlet 2",
        20,
        hu=HU.ABSENT,
    ),
    rw(
        "outlet.3.switchable",
        "UPS.OutletSystem.Outlet.[4].PresentStatus.Switchable",
        "%s",
        3,
        hu=HU.SEMI_STATIC,
        lookup=pegasus_yes_no_info,
    ),
    var(
        "outlet.3.switchable",
        "UPS.OutletSystem.Outlet.[4].PresentStatus.Switchable",
        "%s",
        lookup=m.yes_no_info,
    ),
    var(
        "outlet.3.status",
        "UPS.OutletSystem.Outlet.[4].PresentStatus.SwitchOn/Off",
        "%s",
        lookup=m.on_off_info,
    ),
    var(
        "outlet.3.protect.status",
        "UPS.OutletSystem.Outlet.[4].Status",
        "%s",
        lookup=eaton_outlet_protection_status_info,
    ),
    rw(
        "outlet.3.autoswitch.charge.low",
        "UPS.OutletSystem.Outlet.[4].RemainingCapacityLimit",
        "%.0f",
        3,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.3.delay.shutdown",
        "UPS.OutletSystem.Outlet.[4].ShutdownTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    rw(
        "outlet.3.delay.start",
        "UPS.OutletSystem.Outlet.[4].StartupTimer",
        "%.0f",
        5,
        hu=HU.SEMI_STATIC,
    ),
    var("outlet.3.power", "UPS.OutletSystem.Outlet.[4].ApparentPower", "%.0f"),
    var("outlet.3.realpower", "UPS.OutletSystem.Outlet.[4].ActivePower", "%.0f"),
    var("outlet.3.current", "UPS.OutletSystem.Outlet.[4].Current", "%.2f"),
    var("outlet.3.powerfactor", "UPS.OutletSystem.Outlet.[4].PowerFactor", "%.2f"),
    var(
        "outlet.3.ecocontrol",
        "UPS.OutletSystem.Outlet.[4].ECOControl",
        "%s",
        hu=HU.SEMI_STATIC,
        lookup=outlet_eco_yes_no_info,
    ),
    cmd("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1"),
    cmd("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2"),
    cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.PowerSummary.DelayBeforeReboot", "10"),
    cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.mute", "UPS.BatterySystem.Battery.AudibleAlarmControl", "3"),
    cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    cmd("beeper.disable", "UPS.BatterySystem.Battery.AudibleAlarmControl", "1"),
    cmd("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    cmd("beeper.enable", "UPS.BatterySystem.Battery.AudibleAlarmControl", "2"),
    cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    cmd("beeper.disable", "UPS.AudibleAlarmControl", "1"),
    cmd("beeper.enable", "UPS.AudibleAlarmControl", "2"),
    cmd("outlet.1.load.off", "UPS.OutletSystem.Outlet.[2].DelayBeforeShutdown", "0"),
    cmd("outlet.1.load.on", "UPS.OutletSystem.Outlet.[2].DelayBeforeStartup", "0"),
    cmd("outlet.2.load.off", "UPS.OutletSystem.Outlet.[3].DelayBeforeShutdown", "0"),
    cmd("outlet.2.load.on", "UPS.OutletSystem.Outlet.[3].DelayBeforeStartup", "0"),
    cmd("outlet.3.load.off", "UPS.OutletSystem.Outlet.[4].DelayBeforeShutdown", "0"),
    cmd("outlet.3.load.on", "UPS.OutletSystem.Outlet.[4].DelayBeforeStartup", "0"),
    cmd("experimental.ecomode.stop", "UPS.PowerConverter.Input.[5].Switchable", "0"),
    cmd("experimental.ecomode.start", "UPS.PowerConverter.Input.[5].Switchable", "1"),
    cmd("experimental.essmode.start", "UPS.PowerConverter.Input.[5].Switchable", "2"),
    cmd("experimental.essmode.stop", "UPS.PowerConverter.Input.[5].Switchable", "0"),
    cmd(
        "experimental.bypass.ecomode.start",
        "UPS.PowerConverter.Input.[5].Switchable",
        "1",
        lookup=eaton_input_eco_mode_auto_on_off_info,
    ),
    cmd(
        "experimental.bypass.ecomode.stop",
        "UPS.PowerConverter.Input.[5].Switchable",
        "0",
        lookup=eaton_input_eco_mode_auto_on_off_info,
    ),
    cmd("bypass.start", "UPS.PowerConverter.Input.[2].SwitchOnControl", "1"),
    cmd("bypass.stop", "UPS.PowerConverter.Input.[2].SwitchOffControl", "1"),
    rw(
        "input.eco.switchable",
        "UPS.PowerConverter.Input.[5].Switchable",
        "%.0f",
        8,
        hu=HU.QUICK_POLL,
        lookup=eaton_input_eco_mode_on_off_info,
    ),
)

#: NUT's SMALLBUF: "iProduct iModel" is cut to fit it, as snprintf does.
_SMALLBUF = 512


def model_name(product: str, imodel: str) -> tuple[str, int | None]:
    """NUT's ``get_model_name``: the name to publish, and the family when the table knows it."""
    for iproduct, model, family, name in MODEL_NAMES:
        if iproduct == product and model == imodel:
            return (name if name is not None else f"{product} {imodel}"[: _SMALLBUF - 1]), family
    return f"{product} {imodel}"[: _SMALLBUF - 1], None


#: What NUT's ``mge_format_model`` reads to name the model.
IMODEL_PATH = "UPS.PowerSummary.iModel"
APPARENT_POWER_PATH = "UPS.Flow.[4].ConfigApparentPower"


def note_model(imodel: str | None, apparent_power: float | None = None) -> None:
    """What the device says at ``UPS.PowerSummary.iModel`` and ``UPS.Flow.[4].ConfigApparentPower``.

    The driver reads both (a string descriptor and a feature value) before
    ``format_model``; None for what the device does not have.
    """
    STATE.imodel = imodel
    STATE.apparent_power = apparent_power


def _format_model(info: UsbInfo, product: str | None) -> str | None:
    # Dell's iProduct is already the full name.
    if info.vendorid == DELL_VENDORID:
        return product
    model = STATE.imodel or ""
    if not model and STATE.apparent_power is not None and not math.isnan(STATE.apparent_power):
        model = str(int(STATE.apparent_power))
    if not model:
        return product
    name, family = model_name(product if product is not None else "unknown", model)
    if family is not None:
        STATE.mge_type = family
    return name


def _claims(info: UsbInfo) -> bool:
    # NUT also takes other products of these vendors when the 'productid' option
    # is given ("possibly supported"); the claim sees only the device here.
    if (info.vendorid, info.productid) not in MGE_DEVICES:
        return False
    if info.vendorid == PHOENIXTEC_VENDORID and not _mentions(info, "AEG"):
        return False  # liebert-hid's, except AEG PROTECT NAS units
    if info.vendorid == KSTAR_VENDORID and "KSTAR" not in (info.vendor or ""):
        return False  # only KSTAR's units are known under this id
    device = (info.vendorid, info.productid, info.serial)
    if STATE.device != device:
        STATE.reset(device)
    return True


def _mentions(info: UsbInfo, word: str) -> bool:
    return any(text is not None and word in text for text in (info.vendor, info.product))


SUBDRIVER = Subdriver(
    name="MGE HID",
    version="1.59",
    usage_tables=(MGE_USAGES,),
    mapping=MGE_HID2NUT,
    claims=_claims,
    format_model=_format_model,
    format_mfr=vendor_or("Eaton"),
    identity_strings=(IMODEL_PATH,),
    identity_values=(APPARENT_POWER_PATH,),
    note_identity=lambda strings, values: note_model(
        strings.get(IMODEL_PATH), values.get(APPARENT_POWER_PATH)
    ),
)
