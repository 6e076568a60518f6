"""The Voltronic Power protocol (``protocol = voltronic``).

Strategy
--------
NUT's ``nutdrv_qx_voltronic.c`` (version "Voltronic 0.06"): many short
queries, each answered ``(...<CR>``, a refusal being ``(NAK<CR>`` and an
accepted order ``(ACK<CR>``.  The claim reads ``QGS`` (status) and ``QPI``
(the protocol, ``(PI01``); the protocol number decides which optional
queries are turned on (three-phase readings for P03/P09/P10, battery type
and grid range for P31, bypass limits for all but P00/P08/P31).  Answers
turn on more: ``QFLAG`` (capabilities, ``(EpashcDbroegfl``: enabled letters
after ``E``, disabled ones after ``D``) turns on the ECO-mode limits
(``QHE``, ``QFRE``), ``bypass.start/stop``, ``beeper.enable/disable`` and
the programmable outlets (``QSK1``..4).

Layouts (from the examples in NUT's table)::

    QGS  (234.9 50.0 229.8 50.0 000.0 000 369.1 ---.- 026.5 ---.- 018.8 100000000001
         input V, input Hz, output V, output Hz, output A, load %, ?, ?,
         battery V, ?, temperature, then 12 bits from column 63: type (2),
         utility fail, battery low, bypass/boost/buck, fault, ?, test,
         shutdown active, beeper muted, ?, ?
    QRI  (230.0 004 024.0 50.0        QBV  (026.5 02 01 068 255
    QMD  (#######OLHVT1K0 ###1000 80 1/1 230 230 02 12.0
    QMOD (L    QWS (0000000100...  (64 warning bits)    QLDL (021 023

Behaviours kept as NUT 2.8.0 has them, on purpose, because NUT's users see
them: the "UPS fault" bit (column 68) never raises an alarm (NUT compares
the character with the number 1), so ``QFS`` is never asked; the output
phase angle is set by its index in 000/120/180/240 (``PPD001`` for 120);
ECO and bypass are "TRIM"/"BOOST" texts in ``ups.alarm`` too.

Not done: the settable range of the bypass limits (``max_bypass_volt`` and
the like in ``ups.conf``): they are read and logged, but a value given in
``ups.conf`` is refused as out of range.

Pure: tables and small functions.
"""

from __future__ import annotations

from powerdown.drivers.qx.items import Handle, Item, Make, QxFlag, RwList, Session, strtod, strtol
from powerdown.state.tree import Flag

__all__ = ["VERSION", "items", "SUPPORTED"]

VERSION = "Voltronic 0.06"

#: The protocol numbers (``QPI`` -> ``PInn``) NUT's driver accepts.
SUPPORTED = frozenset({0, 1, 2, 3, 8, 9, 10, 13, 14, 31, 99})

_NUMERIC = frozenset("0123456789 .")
_NO_FLAGS = Flag(0)
_DEFAULT_ONDELAY = "180"
_DEFAULT_OFFDELAY = "30"


def _numeric(raw: str) -> bool:
    return all(ch in _NUMERIC for ch in raw)


def _protocol(s: Session) -> int:
    return strtol((s.getinfo("ups.firmware.aux") or "")[1:])


def _named(item: Item, *names: str) -> bool:
    return item.name.lower() in names


# -- the protocol number ----------------------------------------------------------------


def _unskip_for(number: int, s: Session) -> None:
    """Turn on what the UPS's protocol number says it has (``voltronic_massive_unskip``)."""

    def wanted(item: Item) -> bool:
        name = item.name.lower()
        setvar = item.has(QxFlag.SETVAR)
        if (
            number == 9
            and item.answer_len == 19
            and name
            in (
                "output.bypass.l1-n.voltage",
                "output.bypass.l2-n.voltage",
            )
        ):
            return True
        if number == 10 and (
            name in ("output.l3-n.voltage", "output.l3.current", "output.l3.power.percent")
            or (name == "output.l2-l3.voltage" and item.start == 25)
            or (name == "output.l1-l3.voltage" and item.start == 31)
            or (
                name
                in (
                    "output.bypass.l1-n.voltage",
                    "output.bypass.l2-n.voltage",
                    "output.bypass.l3-n.voltage",
                )
                and item.answer_len == 37
            )
            or name
            in (
                "output.bypass.l1-l2.voltage",
                "output.bypass.l2-l3.voltage",
                "output.bypass.l1-l3.voltage",
            )
        ):
            return True
        if number in (9, 10) and name in (
            "output.l1-n.voltage",
            "output.l2-n.voltage",
            "output.l1-l2.voltage",
            "output.l1.current",
            "output.l2.current",
            "output.l1.power.percent",
            "output.l2.power.percent",
        ):
            return True
        if number in (3, 9, 10) and name in (
            "input.l1-n.voltage",
            "input.l2-n.voltage",
            "input.l1-l2.voltage",
            "input.l1.current",
            "input.l2.current",
        ):
            return True
        if number in (3, 10) and (
            name in ("input.l3-n.voltage", "input.l3.current")
            or (name == "input.l2-l3.voltage" and item.start == 25)
            or (name == "input.l1-l3.voltage" and item.start == 31)
        ):
            return True
        if number == 31 and (
            name == "battery.type"
            or (name == "work_range_type" and not setvar)
            or (name == "work_range_type" and setvar and s.getval(item.name) is not None)
        ):
            return True
        if (
            number not in (0, 8, 31)
            and not setvar
            and name in ("max_bypass_volt", "min_bypass_volt", "max_bypass_freq", "min_bypass_freq")
        ):
            return True
        if name == "reset_to_default" and s.testvar("reset_to_default"):
            return True
        return name == "unknown.7" and s.testvar("testing")

    s.unskip_where(wanted)


def protocol_number(item: Item, raw: str, s: Session) -> str | None:
    """``(PI01`` -> ``P01``, and the optional queries that protocol has turned on."""
    if raw[:2].lower() != "pi":
        return None
    digits = raw[2:]
    if any(ch not in "0123489" for ch in digits):
        s.log(f"Protocol [{raw}] is not supported by this driver")
        return None
    number = strtol(digits)
    if number not in SUPPORTED:
        s.log(f"Protocol [PI{number:02d}] is not supported by this driver")
        return None
    _unskip_for(number, s)
    return f"P{number:02d}"


# -- status ------------------------------------------------------------------------------


def status(item: Item, raw: str, s: Session) -> str | None:
    """One field of QGS's 12 status bits (``voltronic_status``)."""
    if any(ch not in "01" for ch in raw):
        return None
    on = raw[:1] == "1"
    match item.start:
        case 63:
            kind = strtol(raw)
            return {0: "offline", 1: "line-interactive", 10: "online"}.get(kind)
        case 65:
            return "!OL" if on else "OL"
        case 66:
            return "LB" if on else "!LB"
        case 67:
            if not on:
                return ""
            vi = strtod(s.getinfo("input.voltage"))
            vo = strtod(s.getinfo("output.voltage"))
            if vo < 0.5 * vi:
                return None
            if vo < 0.95 * vi:
                return "TRIM"  # also as an alarm text, as NUT does
            if vo < 1.05 * vi:
                if _protocol(s) in (0, 8):
                    return "UPS is in AVR Mode." if item.name == "ups.alarm" else ""
                return "BYPASS" if item.name == "ups.status" else ""
            if vo < 1.5 * vi:
                return "BOOST"
            return None
        case 68:
            # NUT 2.8.0 tests this bit against the number 1, never the
            # character '1': the fault alarm never shows and QFS is never asked.
            return ""
        case 70:
            return "CAL" if on else "!CAL"
        case 71:
            return "FSD" if on else "!FSD"
        case 72:
            if "alarm_control" in s.memo:
                beeper = s.getinfo("ups.beeper.status")
                if beeper is None or beeper.lower() != "disabled":
                    return "muted" if on else "enabled"
                return ""
            return "disabled" if on else "enabled"
    return None


_MODES: dict[str, tuple[str | None, str | None]] = {
    # mode: (status word, alarm)
    "P": (None, "UPS is going ON"),
    "S": ("OFF", None),
    "Y": ("BYPASS", None),
    "L": ("OL", None),
    "B": ("!OL", None),
    "T": ("CAL", None),
    "F": (None, "Fault reported by UPS."),
    "E": (None, "UPS is in ECO Mode."),
    "C": (None, "UPS is in Converter Mode."),
    "D": ("FSD", "UPS is shutting down!"),
}


def mode(item: Item, raw: str, s: Session) -> str | None:
    """QMOD's one letter, as a status word or an alarm (``voltronic_mode``)."""
    found = _MODES.get(raw[:1])
    if found is None:
        return None
    word, alarm = found
    if item.name == "ups.alarm":
        return alarm or ""
    return word or ""


_FAULTS = {
    2: "Bus voltage over maximum value.",
    3: "Bus voltage below minimum value.",
    4: "Bus voltage differences out of acceptable range.",
    5: "Bus voltage of slope rate drops too fast.",
    6: "Over current in PFC input inductor.",
    11: "Inverter voltage not within default setting.",
    12: "Inverter voltage over maximum value.",
    13: "Inverter voltage below minimum value.",
    14: "Inverter short-circuited.",
    15: "L2 phase inverter short-circuited.",
    16: "L3 phase inverter short-circuited.",
    17: "L1L2 inverter short-circuited.",
    18: "L2L3 inverter short-circuited.",
    19: "L3L1 inverter short-circuited.",
    21: "Battery SCR short-circuited.",
    22: "Line SCR short-circuited.",
    23: "Inverter relay open fault.",
    24: "Inverter relay short-circuited.",
    25: "Input and output wires oppositely connected.",
    26: "Battery oppositely connected.",
    27: "Battery voltage is too high.",
    28: "Battery voltage too low.",
    29: "Failure for battery fuse being open-circuited.",
    31: "CAN-bus communication fault.",
    32: "Host signal circuit fault.",
    33: "Synchronous signal circuit fault.",
    34: "Synchronous pulse signal circuit fault.",
    35: "Parallel cable disconnected.",
    36: "Load unbalanced.",
    41: "Over temperature fault.",
    42: "Communication failure between CPUs in control board.",
    43: "Overload fault.",
    44: "Fan failure.",
    45: "Charger failure.",
    46: "Model fault.",
    47: "MCU communication fault.",
}
_FAULTS_1 = {
    "A": "L1 inverter negative power out of acceptable range.",
    "B": "L2 inverter negative power out of acceptable range.",
    "C": "L3 inverter negative power out of acceptable range.",
}
_FAULTS_P31 = {
    1: "Fan failure.",
    2: "Over temperature fault.",
    3: "Battery voltage is too high.",
    4: "Battery voltage too low.",
    5: "Inverter relay short-circuited.",
    6: "Inverter voltage over maximum value.",
    7: "Overload fault.",
    8: "Bus voltage exceeds its upper limit.",
    9: "Bus soft start fail.",
    10: "Unknown fault [Fault code: 10]",
    51: "Over current fault.",
    52: "Bus voltage below its under limit.",
    53: "Inverter soft start fail.",
    54: "Self test fail.",
    55: "Output DC voltage exceeds its upper limit.",
    56: "Battery open fault.",
    57: "Current sensor fault.",
    58: "Battery short.",
    59: "Inverter voltage below its lower limit.",
}


def fault(item: Item, raw: str, s: Session) -> str | None:
    """QFS's fault code as an alarm text (``voltronic_fault``); asked once, then off."""
    s.log("Checking for faults..")
    s.skip_item(item)
    if raw.lower() == "ok":
        s.log("No fault found")
        return "No fault found"
    unknown = f"Unknown fault [{raw}]"
    lead = len(raw) - len(raw.lstrip("0123456789ABC"))
    tail_digits = len(raw[1:]) - len(raw[1:].lstrip("0123456789"))
    code = strtol(raw)
    if lead != 2 or (raw[:1] != "1" and tail_digits != 1):
        alarm = unknown
    elif _protocol(s) == 31:
        if any(ch in "ABC" for ch in raw[1:]):
            alarm = unknown
        else:
            alarm = _FAULTS_P31.get(code, unknown)
            if code == 7:
                s.update_status("OVER")
    elif code == 1:
        alarm = _FAULTS_1.get(raw[1:2], "Bus voltage not within default setting.")
    else:
        alarm = _FAULTS.get(code, unknown)
        if code == 43:
            s.update_status("OVER")
    s.log(f"Fault found: {alarm}")
    return alarm


_WARNINGS = (
    "Battery disconnected.",
    "Neutral not connected.",
    "Site fault.",
    "Phase sequence incorrect.",
    "Phase sequence incorrect in bypass.",
    "Input frequency unstable in bypass.",
    "Battery overcharged.",
    "Low battery.",
    "Overload alarm.",
    "Fan alarm.",
    "EPO enabled.",
    "Unable to turn on UPS.",
    "Over temperature alarm.",
    "Charger alarm.",
    "Remote auto shutdown.",
    "L1 input fuse not working.",
    "L2 input fuse not working.",
    "L3 input fuse not working.",
    "Positive PFC abnormal in L1.",
    "Negative PFC abnormal in L1.",
    "Positive PFC abnormal in L2.",
    "Negative PFC abnormal in L2.",
    "Positive PFC abnormal in L3.",
    "Negative PFC abnormal in L3.",
    "Abnormal in CAN-bus communication.",
    "Abnormal in synchronous signal circuit.",
    "Abnormal in synchronous pulse signal circuit.",
    "Abnormal in host signal circuit.",
    "Male connector of parallel cable not connected well.",
    "Female connector of parallel cable not connected well.",
    "Parallel cable not connected well.",
    "Battery connection not consistent in parallel systems.",
    "AC connection not consistent in parallel systems.",
    "Bypass connection not consistent in parallel systems.",
    "UPS model types not consistent in parallel systems.",
    "Capacity of UPSes not consistent in parallel systems.",
    "Auto restart setting not consistent in parallel systems.",
    "Battery cell over charge.",
    "Battery protection setting not consistent in parallel systems.",
    "Battery detection setting not consistent in parallel systems.",
    "Bypass not allowed setting not consistent in parallel systems.",
    "Converter setting not consistent in parallel systems.",
    "High loss point for frequency in bypass mode not consistent in parallel systems.",
    "Low loss point for frequency in bypass mode not consistent in parallel systems.",
    "High loss point for voltage in bypass mode not consistent in parallel systems.",
    "Low loss point for voltage in bypass mode not consistent in parallel systems.",
    "High loss point for frequency in AC mode not consistent in parallel systems.",
    "Low loss point for frequency in AC mode not consistent in parallel systems.",
    "High loss point for voltage in AC mode not consistent in parallel systems.",
    "Low loss point for voltage in AC mode not consistent in parallel systems.",
    "Warning for locking in bypass mode after 3 consecutive overloads within 30 min.",
    "Warning for three-phase AC input current unbalance.",
    "Warning for a three-phase input current unbalance detected in battery mode.",
    "Warning for Inverter inter-current unbalance.",
    "Programmable outlets cut off pre-alarm.",
    "Warning for Battery replace.",
    "Abnormal warning on input phase angle.",
    "Warning!! Cover of maintain switch is open.",
)
_WARNING_61 = "EEPROM operation error."
_WARNING_STATUS = {7: "LB", 8: "OVER", 55: "RB"}
#: NUT's ``ST_MAX_VALUE_LEN``: longer warning lists are shown as bit numbers.
_MAX_VALUE_LEN = 256


def warning(item: Item, raw: str, s: Session) -> str | None:
    """QWS's 64 warning bits as one alarm text (``voltronic_warning``)."""
    if any(ch not in "01" for ch in raw):
        return None
    if "1" not in raw:
        return ""
    known: list[str] = []
    known_bits: list[str] = []
    unknown_bits: list[str] = []
    for i, bit in enumerate(raw):
        if bit != "1":
            continue
        if i < len(_WARNINGS):
            text = _WARNINGS[i]
        elif i == 61:
            text = _WARNING_61
        else:
            text = f"Unknown warning from UPS [bit: #{i + 1:02d}]"
            s.log(f"Warning from UPS: {text}")
            unknown_bits.append(f"#{i + 1:02d}")
            continue
        s.log(f"Warning from UPS: {text}")
        if i in _WARNING_STATUS:
            s.update_status(_WARNING_STATUS[i])
        known.append(text)
        known_bits.append(f"#{i + 1:02d}")
    if known:
        warns = " ".join(known)
        bitwarns = "Known (see log or manual) [bit: " + ", ".join(known_bits)
        if unknown_bits:
            warns += " Unknown warnings [bit: " + ", ".join(unknown_bits) + "]"
            bitwarns += "]; Unknown warnings [bit: " + ", ".join(unknown_bits) + "]"
        else:
            bitwarns += "]"
    else:
        warns = bitwarns = "Unknown warnings [bit: " + ", ".join(unknown_bits) + "]"
    chosen = warns if _MAX_VALUE_LEN - 32 > len(warns) else bitwarns
    return f"UPS warnings: {chosen}"


# -- ratings and battery ----------------------------------------------------------------


def powerfactor(item: Item, raw: str, s: Session) -> str | None:
    """QMD reports the power factor in percent."""
    if not _numeric(raw):
        return None
    return "%.1f" % (strtod(raw) * 0.01)


def serial_number(item: Item, raw: str, s: Session) -> str | None:
    if raw.strip("0") == "":
        s.log(f"{item.name}: UPS reported a non-significant serial [{raw}]")
        return None
    return raw


def battery_runtime(item: Item, raw: str, s: Session) -> str | None:
    """QBV reports minutes; NUT wants seconds."""
    if not _numeric(raw):
        return None
    return "%.0f" % (strtod(raw) * 60)


def battery_number(item: Item, raw: str, s: Session) -> str | None:
    if not _numeric(raw):
        return None
    number = strtol(raw)
    s.memo["battery_number"] = str(number)
    if s.getval(item.name) is not None and not s.unskip("battery_number", QxFlag.SETVAR):
        return None
    return f"{number:d}"


def _battery_low_rw(s: Session) -> tuple[str, ...]:
    ovn, ocn = s.getinfo("output.voltage.nominal"), s.getinfo("output.current.nominal")
    if ovn is None or ocn is None:
        return ("20",)
    return ("20", "24" if strtol(ovn) * strtol(ocn) < 1000 else "28")


# -- ECO mode and bypass limits ----------------------------------------------------------

_ECO_MEMO = "eco.{}"


def _eco_volt_limits(s: Session) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((min low, min high), (max low, max high)) for the transfer points, or None."""
    nominal = s.getinfo("output.voltage.nominal")
    if nominal is None:
        return None
    ovn = strtol(nominal)
    if ovn < 0:
        return None
    proto = _protocol(s)
    if proto in (1, 9):
        near, far = (7, 24) if ovn >= 200 else (3, 12)
    elif proto in (2, 3, 10, 13, 14, 99):
        near, far = (11, 24) if ovn >= 200 else (5, 12)
    else:
        return None
    return (ovn - far, ovn - near), (ovn + near, ovn + far)


def eco_volt(item: Item, raw: str, s: Session) -> str | None:
    """QHE's transfer points; their ranges come from the nominal output voltage."""
    if not _numeric(raw):
        return None
    value = (item.fmt or "%.0f") % strtod(raw)
    limits = _eco_volt_limits(s)
    if limits is None:
        return value
    low, high = limits[1] if item.name == "input.transfer.high" else limits[0]
    s.memo[_ECO_MEMO.format(item.name)] = f"{low} {high}"
    for name in (f"{item.name}.min", f"{item.name}.max"):
        if not s.unskip(name, QxFlag.SEMI_STATIC):
            return None
    if not s.unskip(item.name, QxFlag.SETVAR):
        return None
    return value


def _eco_volt_rw(name: str) -> RwList:
    def rw(s: Session) -> tuple[str, ...]:
        found = s.memo.get(_ECO_MEMO.format(name))
        return tuple(found.split()) if found else ()

    return rw


def eco_volt_range(item: Item, raw: str, s: Session) -> str | None:
    base, _, end = item.name.rpartition(".")
    found = s.memo.get(_ECO_MEMO.format(base))
    if not found:
        return None
    low, high = found.split()
    return low if end == "min" else high


def eco_freq(item: Item, raw: str, s: Session) -> str | None:
    if not _numeric(raw):
        return None
    value = (item.fmt or "%.1f") % strtod(raw)
    if not s.unskip(item.name, QxFlag.SETVAR):
        return None
    return value


#: (value, protocols, nominal frequency) of the ECO frequency limits NUT lists.
_P1 = frozenset({1, 9})
_P2 = frozenset({2, 3, 10, 13, 14, 99})
_ECO_FREQ_LOW = (
    ("40.0", _P1, 50.0),
    ("46.0", _P2, 50.0),
    ("47.0", _P1, 50.0),
    ("48.0", _P2, 50.0),
    ("50.0", _P1, 60.0),
    ("56.0", _P2, 60.0),
    ("57.0", _P1, 60.0),
    ("58.0", _P2, 60.0),
)
_ECO_FREQ_HIGH = (
    ("52.0", _P2, 50.0),
    ("53.0", _P1, 50.0),
    ("54.0", _P2, 50.0),
    ("60.0", _P1, 50.0),
    ("62.0", _P2, 60.0),
    ("63.0", _P1, 60.0),
    ("64.0", _P2, 60.0),
    ("70.0", _P1, 60.0),
)


def _eco_freq_rw(table: tuple[tuple[str, frozenset[int], float], ...]) -> RwList:
    def rw(s: Session) -> tuple[str, ...]:
        nominal = s.getinfo("output.frequency.nominal")
        if nominal is None:
            return ()
        ofn, proto = strtod(nominal), _protocol(s)
        return tuple(v for v, protos, f in table if f == ofn and proto in protos)

    return rw


def bypass_limit(item: Item, raw: str, s: Session) -> str | None:
    """QBYV/QBYF (no NUT name: logged, and settable from ``ups.conf``)."""
    if not _numeric(raw):
        return None
    if item.name.endswith("volt"):
        number = float(strtol(raw))
    else:
        number = strtod(raw)
    s.memo[item.name] = repr(number)
    if s.getval(item.name) is not None and not s.unskip(item.name, QxFlag.SETVAR):
        return None
    return (item.fmt or "%s") % number


# -- capabilities (QFLAG) -----------------------------------------------------------------

#: the capability letters with a NUT name: name -> letter
_CAP_NUT = {
    "ups.start.auto": "r",
    "battery.protection": "s",
    "battery.energysave": "g",
    "ups.start.battery": "c",
    "outlet.0.switchable": "j",
}
#: the ones without (``ups.conf`` settings): name -> (letter, set command)
_CAP_NONUT = {
    "bypass_alarm": ("p", "P"),
    "battery_alarm": ("b", "B"),
    "bypass_when_off": ("o", "O"),
    "alarm_control": ("a", "A"),
    "converter_mode": ("v", "V"),
    "eco_mode": ("e", "E"),
    "battery_open_status_check": ("d", "D"),
    "bypass_forbidding": ("f", "F"),
    "site_fault_detection": ("l", "L"),
    "advanced_eco_mode": ("n", "N"),
    "constant_phase_angle": ("q", "Q"),
    "limited_runtime_on_battery": ("w", "W"),
}


def _split_flags(raw: str) -> tuple[str, str] | None:
    """``EpashcDbroegfl`` -> ("pashc", "broegfl"), read as NUT's strtok does."""
    rest = raw[1:].lstrip("D")
    if not rest:
        return None
    cut = rest.find("D")
    if cut < 0:
        return rest, ""
    return rest[:cut], rest[cut + 1 :]


def capability(item: Item, raw: str, s: Session) -> str | None:
    """One capability from QFLAG (``voltronic_capability``)."""
    split = _split_flags(raw)
    if split is None:
        return None
    enabled, disabled = split
    name = item.name
    val: str | None = None
    if name in _CAP_NUT:
        letter = _CAP_NUT[name]
        if letter in enabled:
            val = "yes"
            if name == "outlet.0.switchable":
                for n in range(1, 5):
                    for what in ("switchable", "status"):
                        if not s.unskip(f"outlet.{n}.{what}"):
                            return None
        elif letter in disabled:
            val = "no"
    elif name == "alarm_control":
        if "a" in raw:
            if "a" in enabled:
                val = "enabled"
                beeper = s.getinfo("ups.beeper.status")
                if beeper is None or beeper != "muted":
                    s.setinfo("ups.beeper.status", "enabled")
            elif "a" in disabled:
                val = "disabled"
                s.setinfo("ups.beeper.status", "disabled")
            if val is not None:
                s.memo[name] = val
            for cmd in ("beeper.enable", "beeper.disable"):
                if not s.unskip(cmd, QxFlag.CMD):
                    return None
    elif name == "eco_mode":
        if "e" in raw:
            if "e" in enabled:
                val = "enabled"
            elif "e" in disabled:
                val = "disabled"
            if val is not None:
                s.memo[name] = val
            for target, flag in (
                ("bypass.start", QxFlag.CMD),
                ("bypass.stop", QxFlag.CMD),
                ("input.transfer.high", QxFlag.SEMI_STATIC),
                ("input.transfer.low", QxFlag.SEMI_STATIC),
                ("input.frequency.high", QxFlag.SEMI_STATIC),
                ("input.frequency.low", QxFlag.SEMI_STATIC),
            ):
                if not s.unskip(target, flag):
                    return None
    elif name in _CAP_NONUT:
        letter = _CAP_NONUT[name][0]
        if letter in enabled:
            val = "enabled"
        elif letter in disabled:
            val = "disabled"
        if val is not None:
            s.memo[name] = val
    if val is None:
        return None
    if item.has(QxFlag.NONUT) and s.getval(name) is None:
        return val
    if not s.unskip(name, QxFlag.SETVAR):
        return None
    return val


def capability_set(item: Item, value: str, s: Session) -> str | None:
    command = item.command or ""
    if value.lower() == "yes":
        return command % "E"
    if value.lower() == "no":
        return command % "D"
    return None


def capability_set_nonut(item: Item, value: str, s: Session) -> str | None:
    current = s.memo.get(item.name)
    if current is None:
        return None
    if value.lower() == current.lower():
        s.log(f"{item.name} is already {current}")
        return None
    command = item.command or ""
    if value.lower() == "disabled":
        return command % "D"
    if value.lower() == "enabled":
        return command % "E"
    return None


def capability_reset(item: Item, value: str, s: Session) -> str | None:
    if not s.testvar("reset_to_default"):
        return None
    if "OFF" not in s.status:
        s.log(
            f"{item.name}: UPS capability options can be reset only when the UPS is in "
            "Standby Mode (i.e. ups.status = 'OFF')."
        )
        return None
    return item.command


# -- outlets, phases, P31 -------------------------------------------------------------------


def outlet(item: Item, raw: str, s: Session) -> str | None:
    """QSKn: ``1`` on, ``0`` off; either way the outlet is switchable."""
    state = {"1": "on", "0": "off"}.get(raw[:1])
    if state is None:
        return None
    number = item.name[7]
    value = "yes" if "switchable" in item.name else state
    for target, flag in (
        (f"outlet.{number}.delay.shutdown", QxFlag.SEMI_STATIC),
        (f"outlet.{number}.load.on", QxFlag.CMD),
        (f"outlet.{number}.load.off", QxFlag.CMD),
    ):
        if not s.unskip(target, flag):
            return None
    return value


def outlet_delay(item: Item, raw: str, s: Session) -> str | None:
    if not _numeric(raw):
        return None
    value = "%.0f" % (strtod(raw) * 60)
    if not s.unskip(item.name, QxFlag.SETVAR):
        return None
    return value


def outlet_delay_set(item: Item, value: str, s: Session) -> str | None:
    return (item.command or "") % (strtol(value) // 60)


def battery_type(item: Item, raw: str, s: Session) -> str | None:
    if raw[:1] != "0" or len(raw[1:]) - len(raw[1:].lstrip("012")) != 1:
        return None
    return item.rw[strtol(raw)]


def work_range(item: Item, raw: str, s: Session) -> str | None:
    if raw[:1] != "0" or len(raw[1:]) - len(raw[1:].lstrip("01")) != 1:
        return None
    s.memo["work_range_type"] = str(strtol(raw))
    return item.rw[strtol(raw)]


def _index_setvar(item: Item, value: str, s: Session) -> str | None:
    lowered = [candidate.lower() for candidate in item.rw]
    if value.lower() not in lowered:
        return None
    i = lowered.index(value.lower())
    if item.name == "work_range_type" and str(i) == s.memo.get("work_range_type"):
        s.log(f"{item.name} is already set to {item.rw[i]}")
        return None
    if item.name == "output_phase_angle" and str(strtol(item.rw[i])) == s.memo.get(item.name):
        s.log(f"{item.name} is already set to {item.rw[i]}")
        return None
    # NUT sends the index, not the value (``PPD001`` for 120)
    return setvar_command(item, str(i), s)


def phase(item: Item, raw: str, s: Session) -> str | None:
    if not _numeric(raw):
        return None
    angle = strtol(raw)
    if item.name == "output_phase_angle":
        s.memo[item.name] = str(angle)
        if s.getval(item.name) is not None and not s.unskip(item.name, QxFlag.SETVAR):
            return None
    if angle < 0:
        return None
    return f"{angle:03d}"


def parallel(item: Item, raw: str, s: Session) -> str | None:
    if not raw.isdigit():
        return None
    kind = {1: "master", 2: "slave", 3: "slave"}.get(int(raw))
    if kind is None:
        return None
    return f"This UPS is *{kind}* in a system of UPSes in parallel"


# -- orders ---------------------------------------------------------------------------------

_ALREADY = {
    "max_bypass_freq": "%.1f",
    "min_bypass_freq": "%.1f",
    "max_bypass_volt": "%.0f",
    "min_bypass_volt": "%.0f",
    "battery_number": "%.0f",
}


def setvar_command(item: Item, value: str, s: Session) -> str | None:
    """A setting's command from its value (``voltronic_process_setvar``)."""
    if not value:
        return None
    val = strtod(value)
    if item.name == "ups.delay.start":
        return "%.0f" % (val - int(val) % 60)
    if item.name == "ups.delay.shutdown":
        return "%.0f" % (val - (int(val) % 6 if val < 60 else int(val) % 60))
    if item.name in _ALREADY:
        current = s.memo.get(item.name)
        if current is not None and float(current) == val:
            s.log(f"{item.name} is already set to {_ALREADY[item.name] % val}")
            return None
    return (item.command or "") % val


def _offdelay(seconds: int) -> str:
    return f".{seconds // 6}" if seconds < 60 else f"{seconds // 60:02d}"


def command(item: Item, value: str, s: Session) -> str | None:
    """The instant commands that take the delays or a value (``voltronic_process_command``)."""
    template = item.command or ""
    if item.name == "shutdown.return":
        off = strtol(s.getinfo("ups.delay.shutdown"))
        on = strtol(s.getinfo("ups.delay.start")) // 60
        arg = _offdelay(off) if on == 0 else f"{_offdelay(off)}R{on:04d}"
    elif item.name == "shutdown.stayoff":
        arg = _offdelay(strtol(s.getinfo("ups.delay.shutdown")))
    elif item.name == "test.battery.start":
        if not value.isdigit() and value:
            s.log(f"{item.name}: non numerical value [{value}]")
            return None
        seconds = int(value) if value else 600
        if seconds < 12 or seconds > 5940:
            s.log(f"{item.name}: battery test time '{seconds}' out of range [12..5940] seconds")
            return None
        arg = _offdelay(seconds)
    elif item.name == "beeper.toggle":
        beeper = s.getinfo("ups.beeper.status") or ""
        arg = ""
        if "alarm_control" in s.memo:
            if beeper == "enabled":
                arg = "OFF"
            elif beeper == "muted":
                arg = "ON"
            else:
                s.log("The beeper is already disabled")
                return None
        elif beeper == "enabled":
            arg = "OFF"
        elif beeper == "disabled":
            arg = "ON"
    else:
        return None
    return template % arg


# -- the table ------------------------------------------------------------------------------


def items() -> tuple[Item, ...]:
    """NUT's ``voltronic_qx2nut``, in its order."""
    out: list[Item] = []
    ss, st = QxFlag.SEMI_STATIC, QxFlag.STATIC
    skip, nonut = QxFlag.SKIP, QxFlag.NONUT

    def q(
        name: str,
        command: str,
        length: int,
        start: int,
        end: int,
        fmt: str | None,
        flags: QxFlag = QxFlag.NONE,
        *,
        leading: str = "(",
        handle: Handle | None = None,
        rw: tuple[str, ...] = (),
        rw_fn: RwList | None = None,
        info_flags: Flag = _NO_FLAGS,
    ) -> None:
        out.append(
            Item(
                name=name,
                command=command,
                answer_len=length,
                leading=leading,
                start=start,
                end=end,
                fmt=fmt,
                flags=flags,
                handle=handle,
                rw=rw,
                rw_fn=rw_fn,
                info_flags=info_flags,
            )
        )

    def order(
        name: str,
        command: str,
        flags: QxFlag,
        *,
        make: Make | None = None,
        rw: tuple[str, ...] = (),
        rw_fn: RwList | None = None,
    ) -> None:
        out.append(
            Item(
                name=name,
                command=command,
                answer_len=5,
                leading="(",
                start=1,
                end=3,
                flags=flags,
                make=make,
                rw=rw,
                rw_fn=rw_fn,
            )
        )

    rw_flag = Flag.RW
    q("ups.firmware.aux", "QPI\r", 6, 1, 4, "%s", st, handle=protocol_number)
    for name, a, b, fmt, flags in (
        ("output.voltage.nominal", 1, 5, "%.1f", st),
        ("output.current.nominal", 7, 9, "%.0f", st),
        ("battery.voltage.nominal", 11, 15, "%.1f", ss),
        ("output.frequency.nominal", 17, 20, "%.1f", st),
    ):
        q(name, "QRI\r", 22, a, b, fmt, flags)
    q("device.model", "QMD\r", 48, 1, 15, "%s", st | QxFlag.TRIM)
    q("ups.power.nominal", "QMD\r", 48, 17, 23, "%s", st | QxFlag.TRIM)
    q("output.powerfactor", "QMD\r", 48, 25, 26, "%.1f", st, handle=powerfactor)
    q("input.phases", "QMD\r", 48, 28, 28, "%.0f", st)
    q("output.phases", "QMD\r", 48, 30, 30, "%.0f", st)
    q("input.voltage.nominal", "QMD\r", 48, 32, 34, "%.1f", st)
    q("output.voltage.nominal", "QMD\r", 48, 36, 38, "%.1f", st)
    for name, a, b, fmt in (
        ("input.voltage.nominal", 1, 5, "%.1f"),
        ("input.current.nominal", 7, 9, "%.1f"),
        ("battery.voltage.nominal", 11, 15, "%.1f"),
        ("input.frequency.nominal", 17, 20, "%.1f"),
    ):
        q(name, "F\r", 22, a, b, fmt, st, leading="#")
    q("device.mfr", "QMF\r", 2, 1, 0, "%s", st | QxFlag.TRIM)
    q("ups.firmware", "QVFW\r", 16, 7, 14, "%s", st)
    q("device.serial", "QID\r", 2, 1, 0, "%s", st, handle=serial_number)
    for name, a, b in (("device.mfr", 1, 15), ("device.model", 17, 26), ("ups.firmware", 28, 37)):
        q(name, "I\r", 39, a, b, "%s", st | QxFlag.TRIM, leading="#")
    for name, a, b, fmt in (
        ("input.voltage", 1, 5, "%.1f"),
        ("input.frequency", 7, 10, "%.1f"),
        ("output.voltage", 12, 16, "%.1f"),
        ("output.frequency", 18, 21, "%.1f"),
        ("output.current", 23, 27, "%.1f"),
        ("ups.load", 29, 31, "%.0f"),
        ("battery.voltage", 45, 49, "%.2f"),
        ("ups.temperature", 57, 61, "%.1f"),
    ):
        q(name, "QGS\r", 76, a, b, fmt)
    quick = QxFlag.QUICK_POLL
    q("ups.type", "QGS\r", 76, 63, 64, "%s", ss, handle=status)
    q("ups.status", "QGS\r", 76, 65, 65, "%s", quick, handle=status)
    q("ups.status", "QGS\r", 76, 66, 66, "%s", quick, handle=status)
    q("ups.status", "QGS\r", 76, 67, 67, "%s", quick, handle=status)
    q("ups.alarm", "QGS\r", 76, 67, 67, "%s", handle=status)
    q("ups.alarm", "QGS\r", 76, 68, 68, "%s", handle=status)
    q("ups.status", "QGS\r", 76, 70, 70, "%s", quick, handle=status)
    q("ups.status", "QGS\r", 76, 71, 71, "%s", quick, handle=status)
    q("ups.beeper.status", "QGS\r", 76, 72, 72, "%s", handle=status)
    q("ups.alarm", "QMOD\r", 3, 1, 1, "%s", handle=mode)
    q("ups.status", "QMOD\r", 3, 1, 1, "%s", handle=mode)
    q("ups.alarm", "QFS\r", 4, 1, 2, "%s", skip, handle=fault)
    q("ups.alarm", "QWS\r", 66, 1, 64, "%s", handle=warning)
    range_rw = ss | QxFlag.RANGE
    q("battery.voltage", "QBV\r", 21, 1, 5, "%.2f")
    q(
        "battery_number",
        "QBV\r",
        21,
        7,
        9,
        "%d",
        range_rw | nonut,
        handle=battery_number,
        rw=("1", "9"),
        info_flags=rw_flag,
    )
    q("battery.packs", "QBV\r", 21, 10, 11, "%.0f", range_rw, rw=("1", "99"), info_flags=rw_flag)
    q("battery.charge", "QBV\r", 21, 13, 15, "%.0f")
    q("battery.runtime", "QBV\r", 21, 17, 19, "%.0f", handle=battery_runtime)
    q("output.power.minimum.percent", "QLDL\r", 9, 1, 3, "%.0f")
    q("output.power.maximum.percent", "QLDL\r", 9, 5, 7, "%.0f")
    six = ("L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L1-L3")
    for i, pair in enumerate(six):
        q(f"input.{pair}.voltage", "Q3PV\r", 37, 1 + 6 * i, 5 + 6 * i, "%.1f", skip)
    for i in range(3):
        q(f"input.L{i + 1}.current", "Q3PC\r", 13, 1 + 4 * i, 3 + 4 * i, "%.0f", skip)
    for i, pair in enumerate(six):
        q(f"output.{pair}.voltage", "Q3OV\r", 37, 1 + 6 * i, 5 + 6 * i, "%.1f", skip)
    for i in range(3):
        q(f"output.L{i + 1}.current", "Q3OC\r", 13, 1 + 4 * i, 3 + 4 * i, "%.0f", skip)
    for i in range(3):
        q(f"output.L{i + 1}.power.percent", "Q3LD\r", 13, 1 + 4 * i, 3 + 4 * i, "%.0f", skip)
    for i in range(3):
        q(f"output.bypass.L{i + 1}-N.voltage", "Q3YV\r", 37, 1 + 6 * i, 5 + 6 * i, "%.1f", skip)
    for i in range(2):
        q(f"output.bypass.L{i + 1}-N.voltage", "Q3YV\r", 19, 1 + 6 * i, 5 + 6 * i, "%.1f", skip)
    for i, pair in enumerate(("L1-L2", "L2-L3", "L1-L3")):
        q(f"output.bypass.{pair}.voltage", "Q3YV\r", 37, 19 + 6 * i, 23 + 6 * i, "%.1f", skip)
    cap = ss | QxFlag.ENUM
    for name in _CAP_NUT:
        q(
            name,
            "QFLAG\r",
            4,
            1,
            0,
            "%s",
            cap,
            handle=capability,
            rw=("no", "yes"),
            info_flags=rw_flag,
        )
    for name in _CAP_NONUT:
        q(name, "QFLAG\r", 4, 1, 0, "%s", ss | nonut, handle=capability)
    setenum = QxFlag.SETVAR | QxFlag.ENUM | skip
    for name, letter in (
        ("ups.start.auto", "R"),
        ("battery.protection", "S"),
        ("battery.energysave", "G"),
        ("ups.start.battery", "C"),
        ("outlet.0.switchable", "J"),
    ):
        order(name, f"P%s{letter}\r", setenum, make=capability_set, rw=("no", "yes"))
    order("reset_to_default", "PF\r", QxFlag.SETVAR | nonut | skip, make=capability_reset)
    for name, (_, letter) in _CAP_NONUT.items():
        order(
            name,
            f"P%s{letter}\r",
            setenum | nonut,
            make=capability_set_nonut,
            rw=("enabled", "disabled"),
        )
    for n in range(1, 5):
        q(f"outlet.{n}.switchable", f"QSK{n}\r", 3, 1, 1, "%s", ss | skip, handle=outlet)
        q(f"outlet.{n}.status", f"QSK{n}\r", 3, 1, 1, "%s", ss | skip, handle=outlet)
    delay_rw = ("0", "59940")
    for n in range(1, 5):
        q(
            f"outlet.{n}.delay.shutdown",
            f"QSKT{n}\r",
            5,
            1,
            3,
            "%.0f",
            range_rw | skip,
            handle=outlet_delay,
            rw=delay_rw,
            info_flags=rw_flag,
        )
    setrange = QxFlag.SETVAR | QxFlag.RANGE | skip
    for n in range(1, 5):
        order(
            f"outlet.{n}.delay.shutdown",
            f"PSK{n}%03d\r",
            setrange,
            make=outlet_delay_set,
            rw=delay_rw,
        )
    high_rw, low_rw = _eco_volt_rw("input.transfer.high"), _eco_volt_rw("input.transfer.low")
    q(
        "input.transfer.high",
        "QHE\r",
        9,
        1,
        3,
        "%.0f",
        range_rw | skip,
        handle=eco_volt,
        rw_fn=high_rw,
        info_flags=rw_flag,
    )
    q(
        "input.transfer.low",
        "QHE\r",
        9,
        5,
        7,
        "%.0f",
        range_rw | skip,
        handle=eco_volt,
        rw_fn=low_rw,
        info_flags=rw_flag,
    )
    q("input.transfer.low.min", "QHE\r", 9, 5, 7, "%.0f", ss | skip, handle=eco_volt_range)
    q("input.transfer.low.max", "QHE\r", 9, 5, 7, "%.0f", ss | skip, handle=eco_volt_range)
    q("input.transfer.high.min", "QHE\r", 9, 1, 3, "%.0f", ss | skip, handle=eco_volt_range)
    q("input.transfer.high.max", "QHE\r", 9, 1, 3, "%.0f", ss | skip, handle=eco_volt_range)
    order("input.transfer.high", "HEH%03.0f\r", setrange, make=setvar_command, rw_fn=high_rw)
    order("input.transfer.low", "HEL%03.0f\r", setrange, make=setvar_command, rw_fn=low_rw)
    fhigh, flow = _eco_freq_rw(_ECO_FREQ_HIGH), _eco_freq_rw(_ECO_FREQ_LOW)
    q(
        "input.frequency.high",
        "QFRE\r",
        11,
        1,
        4,
        "%.1f",
        range_rw | skip,
        handle=eco_freq,
        rw_fn=fhigh,
        info_flags=rw_flag,
    )
    q(
        "input.frequency.low",
        "QFRE\r",
        11,
        6,
        9,
        "%.1f",
        range_rw | skip,
        handle=eco_freq,
        rw_fn=flow,
        info_flags=rw_flag,
    )
    order("input.frequency.high", "FREH%04.1f\r", setrange, make=setvar_command, rw_fn=fhigh)
    order("input.frequency.low", "FREL%04.1f\r", setrange, make=setvar_command, rw_fn=flow)
    bypass = range_rw | nonut | skip
    q("max_bypass_volt", "QBYV\r", 9, 1, 3, "%.0f", bypass, handle=bypass_limit, info_flags=rw_flag)
    q("min_bypass_volt", "QBYV\r", 9, 5, 7, "%.0f", bypass, handle=bypass_limit, info_flags=rw_flag)
    order("max_bypass_volt", "PHV%03.0f\r", setrange | nonut, make=setvar_command)
    order("min_bypass_volt", "PLV%03.0f\r", setrange | nonut, make=setvar_command)
    q(
        "max_bypass_freq",
        "QBYF\r",
        11,
        1,
        4,
        "%.1f",
        bypass,
        handle=bypass_limit,
        info_flags=rw_flag,
    )
    q(
        "min_bypass_freq",
        "QBYF\r",
        11,
        6,
        9,
        "%.1f",
        bypass,
        handle=bypass_limit,
        info_flags=rw_flag,
    )
    order("max_bypass_freq", "PGF%04.1f\r", setrange | nonut, make=setvar_command)
    order("min_bypass_freq", "PSF%04.1f\r", setrange | nonut, make=setvar_command)
    order(
        "battery_number",
        "BATN%1.0f\r",
        QxFlag.SETVAR | QxFlag.RANGE | nonut,
        make=setvar_command,
        rw=("1", "9"),
    )
    order(
        "battery.packs",
        "BATGN%02.0f\r",
        QxFlag.SETVAR | QxFlag.RANGE,
        make=setvar_command,
        rw=("1", "99"),
    )
    batt_types = ("Li", "Flooded", "AGM")
    q(
        "battery.type",
        "QBT\r",
        4,
        1,
        2,
        "%s",
        ss | QxFlag.ENUM | skip,
        handle=battery_type,
        rw=batt_types,
        info_flags=rw_flag,
    )
    order("battery.type", "PBT%02.0f\r", setenum, make=_index_setvar, rw=batt_types)
    ranges = ("Appliance", "UPS")
    q(
        "work_range_type",
        "QGR\r",
        4,
        1,
        2,
        "%s",
        ss | QxFlag.ENUM | nonut | skip,
        handle=work_range,
        rw=ranges,
        info_flags=rw_flag,
    )
    order("work_range_type", "PGR%02.0f\r", setenum | nonut, make=_index_setvar, rw=ranges)
    q(
        "battery.voltage.low",
        "RE0\r",
        3,
        1,
        2,
        "%.1f",
        range_rw,
        leading="#",
        rw_fn=_battery_low_rw,
        info_flags=rw_flag,
    )
    order(
        "battery.voltage.low",
        "W0E%02.0f\r",
        QxFlag.SETVAR | QxFlag.RANGE,
        make=setvar_command,
        rw_fn=_battery_low_rw,
    )
    angles = ("000", "120", "180", "240")
    q("input_phase_angle", "QPD\r", 9, 1, 3, "%03d", ss | nonut, handle=phase)
    q(
        "output_phase_angle",
        "QPD\r",
        9,
        5,
        7,
        "%03d",
        ss | QxFlag.ENUM | nonut,
        handle=phase,
        rw=angles,
        info_flags=rw_flag,
    )
    order("output_phase_angle", "PPD%03.0f\r", setenum | nonut, make=_index_setvar, rw=angles)
    q("voltronic_parallel", "QPAR\r", 5, 1, 3, "%s", st | nonut, handle=parallel)
    q("unknown.7", "QBDR\r", 5, 1, 0, "%s", st | nonut | skip)
    cmd = QxFlag.CMD
    order("load.off", "SOFF\r", cmd)
    order("load.on", "SON\r", cmd)
    order("shutdown.return", "S%s\r", cmd, make=command)
    order("shutdown.stayoff", "S%sR0000\r", cmd, make=command)
    order("shutdown.stop", "CS\r", cmd)
    order("test.battery.start", "T%s\r", cmd, make=command)
    order("test.battery.start.deep", "TL\r", cmd)
    order("test.battery.start.quick", "T\r", cmd)
    order("test.battery.stop", "CT\r", cmd)
    order("beeper.toggle", "BZ%s\r", cmd, make=command)
    order("beeper.enable", "PEA\r", cmd | skip)
    order("beeper.disable", "PDA\r", cmd | skip)
    for n in range(1, 5):
        order(f"outlet.{n}.load.off", f"SKOFF{n}\r", cmd | skip)
        order(f"outlet.{n}.load.on", f"SKON{n}\r", cmd | skip)
    order("bypass.start", "PEE\r", cmd | skip)
    order("bypass.stop", "PDE\r", cmd | skip)
    absent = QxFlag.ABSENT | QxFlag.SETVAR | QxFlag.RANGE
    for name, default, rw in (
        ("ups.delay.start", _DEFAULT_ONDELAY, ("0", "599940")),
        ("ups.delay.shutdown", _DEFAULT_OFFDELAY, ("12", "5940")),
    ):
        out.append(
            Item(
                name=name,
                fmt=default,
                flags=absent,
                info_flags=rw_flag,
                rw=rw,
                make=setvar_command,
            )
        )
    return tuple(out)
