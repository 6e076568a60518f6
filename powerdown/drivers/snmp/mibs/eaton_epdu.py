"""Eaton ePDU "Marlin" (G2 Marlin, G3 Shark: EATON-EPDU-MIB, enterprises.534.6.6.7).

As NUT's ``eaton_epdu`` subdriver maps it (``eaton-pdu-marlin-mib.c``,
version 0.69, in NUT 2.8.0), found by ``sysObjectID`` .1.3.6.1.4.1.534.6.6.7.

The MIB indexes every table by the unit's place in a daisy chain first
(``unitIndex``: 0 for a unit on its own), then by input/phase, outlet or
group (from 1): the rows below carry ``%i`` for the unit, and outlet and
group templates carry two (``SU_TYPE_DAISY_1``: the unit first).  The
table has ``device.count`` rows, so NUT treats every such ePDU as a chain
(of one): it publishes ``device.count`` and reads at the unit's index.

Kept as NUT 2.8.0 has them, since ``upsc`` users compare the drivers:

* no ``SU_INPUT_*`` flags: on a one-phase unit the ``L2``/``L3`` rows are
  dropped because their OIDs do not answer, not because of the phase count;
  ``input.L1.current`` reads unit 0 whatever the chain;
* thresholds are read-write, but a SET of a non-outlet one goes to the OID
  template as written (with ``%i``), which fails (``poll.plan_set``);
* ``outlet.N.switchable``: both rows run (``SU_FLAG_UNIQUE`` does not work
  for templates), so the G2 row (any pending-off value reads "yes") wins;
* the EMP002 sensor rows (``ambient.N.*``) read temperatures in tenths
  without NUT's unit conversion helper (not exercised: the recording has
  no EMP002 sensor).
"""

from __future__ import annotations

from powerdown.drivers.snmp.mib import INFOSIZE, Lookup, Mib2Nut, SnmpInfo, Su, info, pairs
from powerdown.state.tree import Flag

__all__ = ["EATON_EPDU", "count_units"]

S = Flag.STRING
RW = Flag.RW
N = Flag.NONE
OK = Su.FLAG_OK
STATIC = Su.FLAG_STATIC
ABSENT = Su.FLAG_ABSENT
NEG = Su.FLAG_NEGINVALID
UNIQ = Su.FLAG_UNIQUE
SEMI = Su.FLAG_SEMI_STATIC
OUT = Su.OUTLET | Su.TYPE_DAISY_1
GRP = Su.OUTLET_GROUP | Su.TYPE_DAISY_1
AMB = Su.AMBIENT_TEMPLATE | Su.TYPE_DAISY_MASTER_ONLY
CMD = Su.TYPE_CMD

PDU = ".1.3.6.1.4.1.534.6.6.7."
EMP = ".1.3.6.1.4.1.534.6.8.1."
SYSOID = ".1.3.6.1.4.1.534.6.6.7"
MODEL_OID = PDU + "1.2.1.2.0"  # productName of unit 0


def count_units(units: str) -> int:
    """``unitsPresent`` ("0,3,4") to a number of units: commas, plus one unless it ends in one."""
    count = units.count(",")
    if units and not units.endswith(","):
        count += 1
    return count


OUTLET_STATUS = pairs((0, "off"), (1, "on"), (2, "pendingOff"), (3, "pendingOn"))
GROUP_STATUS = pairs((0, "off"), (1, "on"), (2, "rebooting"), (3, "mixed"))
#: G2 units: an outletControlOffCmd that answers means a switchable outlet.
G2_SWITCHABLE = pairs((-1, "yes"), (0, "yes"))
OUTLET_SWITCHABLE = pairs((1, "yes"), (2, "no"))
#: unitType: switched, advancedMonitored, managed, monitored
UNIT_SWITCHABLE = pairs((0, "no"), (1, "yes"), (2, "no"), (3, "yes"), (4, "no"))
OUTLET_TYPE = pairs(
    (0, "unknown"),
    (1, "iecC13"),
    (2, "iecC19"),
    (10, "uk"),
    (11, "french"),
    (12, "schuko"),
    (20, "nema515"),
    (21, "nema51520"),
    (22, "nema520"),
    (23, "nemaL520"),
    (24, "nemaL530"),
    (25, "nema615"),
    (26, "nema620"),
    (27, "nemaL620"),
    (28, "nemaL630"),
    (29, "nemaL715"),
    (30, "rf203p277"),
)
AMBIENT_PRESENT = pairs((-1, "unknown"), (0, "no"), (1, "yes"))
EMP002_PRESENT = pairs((0, "unknown"), (2, "yes"), (3, "no"))
THRESHOLD = pairs(
    (0, "good"), (1, "warning-low"), (2, "critical-low"), (3, "warning-high"), (4, "critical-high")
)
FREQUENCY_STATUS = pairs((0, "good"), (1, "out-of-range"))
DRY_CONTACTS = pairs((-1, "unknown"), (0, "opened"), (1, "closed"))


def _alarms(what: str) -> Lookup:
    """The threshold states as ``ups.alarm`` texts ("low voltage warning!" ...)."""
    return pairs(
        (0, ""),
        (1, f"low {what} warning!"),
        (2, f"low {what} critical!"),
        (3, f"high {what} warning!"),
        (4, f"high {what} critical!"),
    )


VOLTAGE_ALARMS = _alarms("voltage")
CURRENT_ALARMS = _alarms("current")
TEMPERATURE_ALARMS = _alarms("temperature")
HUMIDITY_ALARMS = _alarms("humidity")
FREQUENCY_ALARM = pairs((0, ""), (1, "frequency out of range!"))
GROUP_TYPE = pairs(
    (0, "unknown"),
    (1, "breaker1pole"),
    (2, "breaker2pole"),
    (3, "breaker3pole"),
    (4, "outlet-section"),
    (5, "user-defined"),
)
#: inputType: singlePhase, splitPhase, threePhaseDelta, threePhaseWye
INPUT_TYPE = pairs((1, "1"), (2, "2"), (3, "3"), (4, "3"))
GROUP_PHASE = pairs(
    (0, "unknown"), (1, "1"), (2, "1-N"), (3, "2-N"), (4, "3-N"), (5, "1-2"), (6, "2-3"), (7, "3-1")
)
TEMPERATURE_UNIT = pairs((0, "kelvin"), (1, "celsius"), (2, "fahrenheit"))
CONTACT_POLARITY = pairs((0, "normal-opened"), (1, "normal-closed"))
CONTACT_STATE = pairs((0, "inactive"), (1, "active"))
DEVICE_COUNT = Lookup(pairs=((1, "dummy"),), to_number=count_units)


def _limits(name: str, column: str, first: int, mult: float, su: Su) -> list[SnmpInfo]:
    """low.warning, low.critical, high.warning, high.critical: four columns in a row."""
    return [
        info(f"{name}.{level}", RW, mult, column.format(first + k), None, su)
        for k, level in enumerate(("low.warning", "low.critical", "high.warning", "high.critical"))
    ]


def _phase_voltage(prefix: str, alarm: str, phase: int) -> list[SnmpInfo]:
    """inputVoltageTable (3.2.1) of input 1, phase ``phase``."""
    col = PDU + "3.2.1.{}.%i.1." + str(phase)
    return [
        info(f"{prefix}", N, 0.001, col.format(3), None, Su.NONE),
        info(f"{prefix}.status", S, INFOSIZE, col.format(4), None, OK, THRESHOLD),
        info(alarm, S, INFOSIZE, col.format(4), None, OK, VOLTAGE_ALARMS),
        *_limits(prefix, col, 5, 0.001, NEG),
    ]


def _phase_current(prefix: str, alarm: str, phase: int, reading: str | None) -> list[SnmpInfo]:
    """inputCurrentTable (3.3.1) of input 1, phase ``phase``."""
    col = PDU + "3.3.1.{}.%i.1." + str(phase)
    return [
        info(prefix, N, 0.001, reading or col.format(4), None, Su.NONE),
        info(f"{prefix}.nominal", N, 0.001, col.format(3), None, Su.NONE),
        info(f"{prefix}.status", S, INFOSIZE, col.format(5), None, OK, THRESHOLD),
        info(alarm, S, INFOSIZE, col.format(5), None, OK, CURRENT_ALARMS),
        *_limits(prefix, col, 6, 0.001, NEG),
    ]


def _input_power(name: str, column: int) -> list[SnmpInfo]:
    """Power (3) or real power (4): the Shark total, Marlin's 3-phase total, phase 2, phases."""
    p = PDU + "3.4.1." + str(column) + ".%i.1."
    return [
        info(f"input.{name}", N, 1.0, PDU + f"3.5.1.{column}.%i.1", None, NEG | UNIQ | OK),
        info(f"input.{name}", N, 1.0, p + "4", None, NEG | UNIQ | OK),
        info(f"input.{name}", N, 1.0, p + "2", None, NEG | OK),
        *(info(f"input.L{k}.{name}", N, 1.0, p + str(k), None, NEG | OK) for k in (1, 2, 3)),
    ]


def _sensor_limits(name: str, table: str) -> list[SnmpInfo]:
    """EMP002 thresholds: low critical, low warning, high warning, high critical."""
    col = EMP + table + ".{}.%i.1"
    return [
        info(f"ambient.%i.{name}.{level}", RW, 0.1, col.format(c), "", AMB)
        for level, c in (
            ("low.critical", 6),
            ("low.warning", 5),
            ("high.warning", 7),
            ("high.critical", 8),
        )
    ]


def _outlet_limits(kind: str, table: str, first: int) -> list[SnmpInfo]:
    col = PDU + table + ".{}.%i.%i"
    return _limits(f"outlet.%i.{kind}", col, first, 0.001, NEG | OUT)


TABLE: tuple[SnmpInfo, ...] = (
    info("device.description", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.1.0", None, OK),
    info("device.contact", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.4.0", None, OK),
    info("device.location", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.6.0", None, OK),
    # Device collection (unitTable 1.2.1: name, part number, serial ...)
    info("device.mfr", S, INFOSIZE, None, "EATON", STATIC | ABSENT | OK),
    info("device.model", S, INFOSIZE, PDU + "1.2.1.2.%i", "Eaton Powerware ePDU", STATIC | OK),
    info("device.serial", S, INFOSIZE, PDU + "1.2.1.4.%i", "", STATIC | OK),
    info("device.type", S, INFOSIZE, None, "pdu", STATIC | ABSENT | OK),
    info("device.part", S, INFOSIZE, PDU + "1.2.1.3.%i", "", STATIC | OK),
    # ifPhysAddress of the second interface: a chain has one network port
    info("device.macaddr", S, INFOSIZE, ".1.3.6.1.2.1.2.2.1.6.2", "", STATIC | OK),
    # unitsPresent ("0,1,2"), else how many units answer with a model name
    info("device.count", N, 1, PDU + "1.1.0", "0", STATIC | UNIQ, DEVICE_COUNT),
    info("device.count", N, 1, PDU + "1.2.1.2.%i", "1", STATIC | UNIQ),
    # UPS collection, for clients that only know it
    info("ups.mfr", S, INFOSIZE, None, "EATON", STATIC | ABSENT | OK),
    info(
        "ups.model",
        S,
        INFOSIZE,
        "1.3.6.1.4.1.534.6.6.7.1.2.1.2.%i",
        "Eaton Powerware ePDU",
        STATIC | OK,
    ),
    info("ups.serial", S, INFOSIZE, PDU + "1.2.1.4.%i", "", STATIC | OK),
    info("ups.firmware", S, INFOSIZE, PDU + "1.2.1.5.%i", "", OK),
    info("ups.type", S, INFOSIZE, None, "pdu", STATIC | ABSENT | OK),
    # Input: inputTable (3.1.1) of input 1
    info("input.phases", N, 1, PDU + "3.1.1.2.%i.1", None, STATIC, INPUT_TYPE),
    info("input.frequency", N, 0.1, PDU + "3.1.1.3.%i.1", None, Su.NONE),
    info("input.frequency.status", S, INFOSIZE, PDU + "3.1.1.4.%i.1", None, OK, FREQUENCY_STATUS),
    info("ups.alarm", S, INFOSIZE, PDU + "3.1.1.4.%i.1", None, OK, FREQUENCY_ALARM),
    # inputCurrentPercentLoad, per phase (input.load is phase 1's)
    info("input.load", N, 1.0, PDU + "3.3.1.11.%i.1.1", None, NEG | OK),
    *(
        info(f"input.L{k}.load", N, 1.0, PDU + f"3.3.1.11.%i.1.{k}", None, NEG | OK)
        for k in (1, 2, 3)
    ),
    # Voltages in mV, currents in mA; the input.* ones are phase 1's
    *_phase_voltage("input.voltage", "ups.alarm", 1),
    *_phase_voltage("input.L1.voltage", "L1.alarm", 1),
    *_phase_voltage("input.L2.voltage", "L2.alarm", 2),
    *_phase_voltage("input.L3.voltage", "L3.alarm", 3),
    *_phase_current("input.current", "ups.alarm", 1, None),
    *_phase_current("input.L1.current", "L1.alarm", 1, PDU + "3.3.1.4.0.1.1"),
    *_phase_current("input.L2.current", "L2.alarm", 2, None),
    *_phase_current("input.L3.current", "L3.alarm", 3, None),
    *_input_power("realpower", 4),
    *_input_power("power", 3),
    # inputFeedName, inputFeedColor, inputPowerCapacity
    info(
        "input.feed.desc",
        S | RW,
        INFOSIZE,
        PDU + "3.1.1.10.%i.1",
        None,
        SEMI | OK | Su.TYPE_DAISY_1,
    ),
    info("input.feed.color", N, 1, PDU + "3.1.1.9.%i.1", None, SEMI | OK | Su.TYPE_DAISY_1),
    info("input.realpower.nominal", N, 1.0, PDU + "3.5.1.9.%i.1", None, NEG | OK),
    # EMP001 (legacy) environment probe: temperature (7.1.1) and humidity (7.2.1)
    info("ambient.present", S, INFOSIZE, PDU + "7.1.1.3.%i.1", None, OK, AMBIENT_PRESENT),
    info("ambient.temperature.status", S, INFOSIZE, PDU + "7.1.1.5.%i.1", None, OK, THRESHOLD),
    info("ups.alarm", S, INFOSIZE, PDU + "7.1.1.5.%i.1", None, OK, TEMPERATURE_ALARMS),
    info("ambient.temperature", N, 0.1, PDU + "7.1.1.4.%i.1", None, OK),
    info("ambient.temperature.low", RW, 0.1, PDU + "7.1.1.7.%i.1", None, NEG | OK),
    info("ambient.temperature.low.critical", RW, 0.1, PDU + "7.1.1.7.%i.1", None, NEG | OK),
    info("ambient.temperature.low.warning", RW, 0.1, PDU + "7.1.1.6.%i.1", None, NEG | OK),
    info("ambient.temperature.high", RW, 0.1, PDU + "7.1.1.9.%i.1", None, NEG | OK),
    info("ambient.temperature.high.warning", RW, 0.1, PDU + "7.1.1.8.%i.1", None, NEG | OK),
    info("ambient.temperature.high.critical", RW, 0.1, PDU + "7.1.1.9.%i.1", None, NEG | OK),
    info("ambient.humidity.status", S, INFOSIZE, PDU + "7.2.1.5.%i.1", None, OK, THRESHOLD),
    info("ups.alarm", S, INFOSIZE, PDU + "7.2.1.5.%i.1", None, OK, HUMIDITY_ALARMS),
    info("ambient.humidity", N, 0.1, PDU + "7.2.1.4.%i.1", None, OK),
    info("ambient.humidity.low", RW, 0.1, PDU + "7.2.1.7.%i.1", None, NEG | OK),
    info("ambient.humidity.low.warning", RW, 0.1, PDU + "7.2.1.6.%i.1", None, NEG | OK),
    info("ambient.humidity.low.critical", RW, 0.1, PDU + "7.2.1.7.%i.1", None, NEG | OK),
    info("ambient.humidity.high", RW, 0.1, PDU + "7.2.1.9.%i.1", None, NEG | OK),
    info("ambient.humidity.high.warning", RW, 0.1, PDU + "7.2.1.8.%i.1", None, NEG | OK),
    info("ambient.humidity.high.critical", RW, 0.1, PDU + "7.2.1.9.%i.1", None, NEG | OK),
    info("ambient.contacts.1.status", S, INFOSIZE, PDU + "7.3.1.4.%i.1", None, OK, DRY_CONTACTS),
    info("ambient.contacts.2.status", S, INFOSIZE, PDU + "7.3.1.4.%i.2", None, OK, DRY_CONTACTS),
    # EMP002 (EATON-EMP-MIB) sensors, indexed from 1, on the chain's master only
    info("ambient.count", RW, 1.0, EMP + "1.1.0", "0", Su.TYPE_DAISY_MASTER_ONLY),
    info("ambient.%i.present", S, INFOSIZE, EMP + "1.4.1.1.%i", None, AMB, EMP002_PRESENT),
    info("ambient.%i.name", S, 1.0, EMP + "1.3.1.1.%i", "", AMB),
    info("ambient.%i.mfr", S, 1.0, EMP + "1.2.1.6.%i", "", AMB),
    info("ambient.%i.model", S, 1.0, EMP + "1.2.1.7.%i", "", AMB),
    info("ambient.%i.serial", S, 1.0, EMP + "1.2.1.9.%i", "", AMB),
    info("ambient.%i.id", S, 1.0, EMP + "1.2.1.2.%i", "", AMB),
    info("ambient.%i.address", N, 1, EMP + "1.2.1.4.%i", "", AMB),
    info("ambient.%i.parent.serial", S, 1.0, EMP + "1.2.1.5.%i", "", AMB),
    info("ambient.%i.firmware", S, 1.0, EMP + "1.2.1.10.%i", "", AMB),
    info("ambient.%i.temperature.unit", N, 1.0, EMP + "2.5.0", "", AMB, TEMPERATURE_UNIT),
    info("ambient.%i.temperature", N, 0.1, EMP + "2.3.1.3.%i.1", "", AMB),
    info("ambient.%i.temperature.status", S, INFOSIZE, EMP + "2.3.1.1.%i.1", None, AMB, THRESHOLD),
    info("ups.alarm", S, INFOSIZE, EMP + "2.3.1.1.%i.1", None, AMB, TEMPERATURE_ALARMS),
    *_sensor_limits("temperature", "2.2.1"),
    info("ambient.%i.humidity", N, 0.1, EMP + "3.3.1.3.%i.1", "", AMB),
    info("ambient.%i.humidity.status", S, INFOSIZE, EMP + "3.3.1.1.%i.1", None, AMB, THRESHOLD),
    info("ups.alarm", S, INFOSIZE, EMP + "3.3.1.1.%i.1", None, AMB, HUMIDITY_ALARMS),
    *_sensor_limits("humidity", "3.2.1"),
    info("ambient.%i.contacts.1.name", S, 1.0, EMP + "4.2.1.1.%i.1", "", AMB),
    info("ambient.%i.contacts.2.name", S, 1.0, EMP + "4.2.1.1.%i.2", "", AMB),
    info(
        "ambient.%i.contacts.1.config",
        S | RW,
        INFOSIZE,
        EMP + "4.2.1.3.%i.1",
        "",
        AMB,
        CONTACT_POLARITY,
    ),
    info(
        "ambient.%i.contacts.2.config",
        S | RW,
        INFOSIZE,
        EMP + "4.2.1.3.%i.2",
        "",
        AMB,
        CONTACT_POLARITY,
    ),
    info("ambient.%i.contacts.1.status", S, 1.0, EMP + "4.3.1.3.%i.1", "", AMB, CONTACT_STATE),
    info("ambient.%i.contacts.2.status", S, 1.0, EMP + "4.3.1.3.%i.2", "", AMB, CONTACT_STATE),
    # Outlets: unitTable's outletCount, then the outlet tables (6.x), indexed from 1
    info("outlet.count", N, 1, PDU + "1.2.1.22.%i", "0", STATIC | OK),
    info("outlet.id", N, 1, None, "0", STATIC | ABSENT | OK),
    info("outlet.desc", S | RW, 20, None, "All outlets", STATIC | ABSENT | OK),
    info(
        "outlet.switchable", S, INFOSIZE, PDU + "1.2.1.10.%i", "no", STATIC | UNIQ, UNIT_SWITCHABLE
    ),
    info(
        "outlet.switchable",
        S,
        INFOSIZE,
        PDU + "6.6.1.3.%i.1",
        "no",
        STATIC | UNIQ | OK | Su.TYPE_DAISY_1,
        G2_SWITCHABLE,
    ),
    # the whole unit, as input.* (kept by NUT for older clients)
    info("outlet.frequency", N, 0.1, PDU + "3.1.1.3.%i.1", None, Su.NONE),
    info("outlet.voltage", N, 0.001, PDU + "3.2.1.3.%i.1.1", None, Su.NONE),
    info("outlet.current", N, 0.01, PDU + "3.3.1.4.%i.1.1", None, Su.NONE),
    info("outlet.realpower", N, 1.0, PDU + "3.4.1.4.%i.1.4", None, Su.NONE),
    info("outlet.power", N, 1.0, PDU + "3.4.1.3.%i.1.4", None, Su.NONE),
    # outletName (user's), outletControlStatus
    info("outlet.%i.desc", S | RW, INFOSIZE, PDU + "6.1.1.3.%i.%i", None, SEMI | OK | OUT),
    info("outlet.%i.status", S, INFOSIZE, PDU + "6.6.1.2.%i.%i", None, OK | OUT, OUTLET_STATUS),
    info("outlet.%i.id", N, 1, PDU + "6.6.1.7.%i.%i", None, STATIC | OUT),
    # outletID (older firmware), then outletDesignator ("A1")
    info("outlet.%i.name", S, INFOSIZE, PDU + "6.1.1.2.%i.%i", None, STATIC | UNIQ | OK | OUT),
    info("outlet.%i.name", S, INFOSIZE, PDU + "6.1.1.6.%i.%i", None, STATIC | UNIQ | OK | OUT),
    *(
        info(
            "outlet.%i.groupid", S, INFOSIZE, PDU + f"6.2.1.3.%i.%i.{g}", None, STATIC | UNIQ | OUT
        )
        for g in range(1, 7)
    ),
    info("outlet.%i.current", N, 0.001, PDU + "6.4.1.3.%i.%i", None, OUT),
    info("outlet.%i.current.status", S, INFOSIZE, PDU + "6.4.1.4.%i.%i", None, OUT, THRESHOLD),
    info("outlet.%i.alarm", S, INFOSIZE, PDU + "6.4.1.4.%i.%i", None, OUT, CURRENT_ALARMS),
    *_outlet_limits("current", "6.4.1", 5),
    info("outlet.%i.realpower", N, 1.0, PDU + "6.5.1.3.%i.%i", None, OUT),
    info("outlet.%i.voltage", N, 0.001, PDU + "6.3.1.2.%i.%i", None, OUT),
    info("outlet.%i.voltage.status", S, INFOSIZE, PDU + "6.3.1.3.%i.%i", None, OUT, THRESHOLD),
    info("outlet.%i.alarm", S, INFOSIZE, PDU + "6.3.1.3.%i.%i", None, OUT, VOLTAGE_ALARMS),
    *_outlet_limits("voltage", "6.3.1", 4),
    info("outlet.%i.power", N, 1.0, PDU + "6.5.1.2.%i.%i", None, OUT),
    # outletControlSwitchable, then G2's "an off command answers"
    info(
        "outlet.%i.switchable",
        S,
        INFOSIZE,
        PDU + "6.6.1.9.%i.%i",
        "no",
        UNIQ | OUT,
        OUTLET_SWITCHABLE,
    ),
    info(
        "outlet.%i.switchable",
        S,
        INFOSIZE,
        PDU + "6.6.1.3.%i.%i",
        "no",
        STATIC | UNIQ | OK | OUT,
        G2_SWITCHABLE,
    ),
    info(
        "outlet.%i.type", S, INFOSIZE, PDU + "6.1.1.5.%i.%i", "unknown", STATIC | OUT, OUTLET_TYPE
    ),
    # Outlet groups (5.x), indexed from 1
    info("outlet.group.count", N, 1, PDU + "1.2.1.21.%i", "0", STATIC | Su.TYPE_DAISY_1),
    info("outlet.group.%i.id", S, INFOSIZE, PDU + "5.1.1.2.%i.%i", None, STATIC | GRP),
    info("outlet.group.%i.desc", S | RW, INFOSIZE, PDU + "5.1.1.3.%i.%i", None, SEMI | GRP),
    info("outlet.group.%i.name", S, INFOSIZE, PDU + "5.1.1.8.%i.%i", None, STATIC | GRP),
    info("outlet.group.%i.color", S, INFOSIZE, PDU + "5.1.1.7.%i.%i", None, STATIC | GRP),
    info(
        "outlet.group.%i.type", S, INFOSIZE, PDU + "5.1.1.4.%i.%i", None, STATIC | GRP, GROUP_TYPE
    ),
    info(
        "outlet.group.%i.phase", N, INFOSIZE, PDU + "5.3.1.2.%i.%i", None, STATIC | GRP, GROUP_PHASE
    ),
    info(
        "outlet.group.%i.status", S, INFOSIZE, PDU + "5.6.1.2.%i.%i", None, OK | GRP, GROUP_STATUS
    ),
    info("outlet.group.%i.count", N, 1, PDU + "5.1.1.6.%i.%i", None, GRP),
    info("outlet.group.%i.voltage", N, 0.001, PDU + "5.3.1.3.%i.%i", None, GRP),
    info(
        "outlet.group.%i.voltage.status", S, INFOSIZE, PDU + "5.3.1.4.%i.%i", None, GRP, THRESHOLD
    ),
    info("outlet.group.%i.alarm", S, INFOSIZE, PDU + "5.3.1.4.%i.%i", None, GRP, VOLTAGE_ALARMS),
    *_limits("outlet.group.%i.voltage", PDU + "5.3.1.{}.%i.%i", 5, 0.001, NEG | GRP),
    info("outlet.group.%i.current", N, 0.001, PDU + "5.4.1.3.%i.%i", None, GRP),
    info("outlet.group.%i.current.nominal", N, 0.001, PDU + "5.4.1.2.%i.%i", None, GRP),
    info(
        "outlet.group.%i.current.status", S, INFOSIZE, PDU + "5.4.1.4.%i.%i", None, GRP, THRESHOLD
    ),
    info("outlet.group.%i.alarm", S, INFOSIZE, PDU + "5.4.1.4.%i.%i", None, GRP, CURRENT_ALARMS),
    info("outlet.group.%i.load", N, 1.0, PDU + "5.4.1.10.%i.%i", None, NEG | GRP),
    *_limits("outlet.group.%i.current", PDU + "5.4.1.{}.%i.%i", 5, 0.001, NEG | GRP),
    info("outlet.group.%i.realpower", N, 1.0, PDU + "5.5.1.3.%i.%i", None, NEG | GRP),
    info("outlet.group.%i.power", N, 1.0, PDU + "5.5.1.2.%i.%i", None, NEG | GRP),
    info("outlet.group.%i.input", N, 1, PDU + "5.1.1.9.%i.%i", None, NEG | GRP),
    # Commands: outletControl{Off,On,Reboot}Cmd take a delay in seconds (0: now)
    info("outlet.%i.load.off", N, 1, PDU + "6.6.1.3.%i.%i", "0", CMD | OUT),
    info("outlet.%i.load.on", N, 1, PDU + "6.6.1.4.%i.%i", "0", CMD | OUT),
    info("outlet.%i.load.cycle", N, 1, PDU + "6.6.1.5.%i.%i", "0", CMD | OUT),
    # outletControlShutoffDelay, outletControlSequenceDelay (settings)
    info("outlet.%i.delay.shutdown", RW, 1, PDU + "6.6.1.10.%i.%i", None, NEG | OUT),
    info("outlet.%i.delay.start", RW, 1, PDU + "6.6.1.7.%i.%i", None, NEG | OUT),
    # the same commands with the delay as the mandatory parameter
    info("outlet.%i.load.off.delay", N, 1, PDU + "6.6.1.3.%i.%i", None, CMD | OUT),
    info("outlet.%i.load.on.delay", N, 1, PDU + "6.6.1.4.%i.%i", None, CMD | OUT),
    info("outlet.%i.load.cycle.delay", N, 1, PDU + "6.6.1.5.%i.%i", None, CMD | OUT),
    # the pending command's countdown (-1: none)
    info("outlet.%i.timer.shutdown", N, 1, PDU + "6.6.1.3.%i.%i", None, OUT),
    info("outlet.%i.timer.start", N, 1, PDU + "6.6.1.4.%i.%i", None, OUT),
    # groupControl{Off,On,Reboot}Cmd
    info("outlet.group.%i.load.off", N, 1, PDU + "5.6.1.3.%i.%i", "0", CMD | GRP),
    info("outlet.group.%i.load.on", N, 1, PDU + "5.6.1.4.%i.%i", "0", CMD | GRP),
    info("outlet.group.%i.load.cycle", N, 1, PDU + "5.6.1.5.%i.%i", "0", CMD | GRP),
    info("outlet.group.%i.load.off.delay", N, 1, PDU + "5.6.1.3.%i.%i", None, CMD | GRP),
    info("outlet.group.%i.load.on.delay", N, 1, PDU + "5.6.1.4.%i.%i", None, CMD | GRP),
    info("outlet.group.%i.load.cycle.delay", N, 1, PDU + "5.6.1.5.%i.%i", None, CMD | GRP),
)

EATON_EPDU = Mib2Nut(
    name="eaton_epdu",
    version="0.69",
    power_status_oid=None,
    auto_check_oid=MODEL_OID,
    table=TABLE,
    sysoid=SYSOID,
)
