"""MGE UPS SYSTEMS MIB (MG-SNMP-UPS-MIB, enterprises.705.1): MGE and Eaton network cards.

As NUT's ``mge`` subdriver maps it (``mge-mib.c``, version 0.55 in NUT
2.8.0), found by ``sysObjectID`` .1.3.6.1.4.1.705.1.  The ``upsmg*``
objects give identity, battery, input, output and environment readings;
the beeper, test result, timers and auto-restart come from the RFC 1628
UPS-MIB the same cards also serve.

``ups.status`` is built from nine yes(1)/no(2) flags of the MGE MIB (each
row's lookup names the word for "yes"; ``upsmgOutputOnBattery`` says OL for
"no") and from the UPS-MIB's ``upsOutputSource``, whose normal(3) has no
word, so an on-line UPS is not reported OL twice.

Kept as NUT 2.8.0 has them, since ``upsc`` users compare the drivers:

* ``ups.delay.shutdown``/``ups.delay.start`` are server-side defaults (20
  and 30 s, ``SU_FLAG_ABSENT``) even though their rows name the UPS-MIB
  timers; being string rows, a SET of them writes an OCTET STRING;
* ``load.off``, ``load.on``, ``shutdown.return`` and ``shutdown.stayoff``
  are listed (the table has ``load.off.delay``/``load.on.delay``) but have
  no row of their own, so they are refused as unknown; the ``.delay``
  commands need the delay as their parameter;
* ``battery.charge.low`` is a string row (``SU_TYPE_INT``): it is SET as
  an OCTET STRING too.
"""

from __future__ import annotations

from powerdown.drivers.snmp.mib import INFOSIZE, Mib2Nut, SnmpInfo, Su, info, pairs
from powerdown.state.tree import Flag

__all__ = ["MGE"]

S = Flag.STRING
RW = Flag.RW
N = Flag.NONE
OK = Su.FLAG_OK
STATIC = Su.FLAG_STATIC
ABSENT = Su.FLAG_ABSENT
BATT = Su.STATUS_BATT
CMD = Su.TYPE_CMD

MG = ".1.3.6.1.4.1.705.1."
UPS_MIB = "1.3.6.1.2.1.33.1."
SYSOID = ".1.3.6.1.4.1.705.1"
MODEL_OID = MG + "1.1.0"  # upsmgIdentFamilyName

#: the ``upsmg*`` yes(1)/no(2) flags: the status word each one means when "yes"
LOW_BATTERY = pairs((1, "LB"), (2, ""))
ON_BATTERY = pairs((1, "OB"), (2, "OL"))
ON_BYPASS = pairs((1, "BYPASS"), (2, ""))
BOOST = pairs((1, "BOOST"), (2, ""))
TRIM = pairs((1, "TRIM"), (2, ""))
OVERLOAD = pairs((1, "OVER"), (2, ""))
REPLACE_BATTERY = pairs((1, "RB"), (2, ""))
UTILITY_OFF = pairs((1, "OFF"), (2, ""))
#: upsmgInputLineFailCause
TRANSFER_REASON = pairs(
    (1, ""),
    (2, "input voltage out of range"),
    (3, "input frequency out of range"),
    (4, "utility off"),
)
#: UPS-MIB upsTestResultsSummary
TEST_RESULT = pairs(
    (1, "done and passed"),
    (2, "done and warning"),
    (3, "done and error"),
    (4, "aborted"),
    (5, "in progress"),
    (6, "no test initiated"),
)
#: UPS-MIB upsConfigAudibleStatus
BEEPER_STATUS = pairs((1, "disabled"), (2, "enabled"), (3, "muted"))
#: UPS-MIB upsAutoRestart
YES_NO = pairs((1, "yes"), (2, "no"))
#: UPS-MIB upsOutputSource; normal(3) is left out on purpose (OL comes from the MGE flag)
POWER_SOURCE = pairs((1, ""), (2, "OFF"), (4, "BYPASS"), (5, "OB"), (6, "BOOST"), (7, "TRIM"))
#: upsmgEnvironmentInput{1,2}State
DRY_CONTACT = pairs((-1, "unknown"), (1, "closed"), (2, "opened"))

#: NUT's server-side delays (seconds), published when the table is walked
OFFDELAY = "20"
ONDELAY = "30"
#: upsmgTestBatterySchedule's "start now" value
START = "2"


def _phased(name: str, column: str, mult: float, lines: tuple[str, str, str]) -> list[SnmpInfo]:
    """A single-phase row and its three per-phase rows, kept or dropped by the phase count."""
    kind = name.split(".", 1)[0]
    one, three = (Su.INPUT_1, Su.INPUT_3) if kind == "input" else (Su.OUTPUT_1, Su.OUTPUT_3)
    rest = name.split(".", 1)[1]
    rows = [info(name, N, mult, f"{column}.1", "", one)]
    for phase, label in enumerate(lines, 1):
        rows.append(info(f"{kind}.{label}.{rest}", N, mult, f"{column}.{phase}", "", three))
    return rows


LN = ("L1-N", "L2-N", "L3-N")
L = ("L1", "L2", "L3")
INPUT = MG + "6.2.1."  # upsmgInputPhaseTable
OUTPUT = MG + "7.2.1."  # upsmgOutputPhaseTable

TABLE: tuple[SnmpInfo, ...] = (
    info("device.description", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.1.0", None, OK),
    info("device.contact", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.4.0", None, OK),
    info("device.location", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.6.0", None, OK),
    # UPS page
    info("ups.mfr", S, INFOSIZE, None, "Eaton", STATIC | ABSENT | OK),
    info("ups.model", S, INFOSIZE, MODEL_OID, "Generic SNMP UPS", STATIC | OK),
    info("ups.serial", S, INFOSIZE, MG + "1.7.0", "", STATIC | OK),
    info("ups.firmware", S, INFOSIZE, MG + "1.4.0", "", STATIC | OK),
    info("ups.firmware.aux", S, INFOSIZE, MG + "12.12.0", "", STATIC | OK),
    info("ups.load", N, 1, OUTPUT + "4.1", "", Su.OUTPUT_1),
    info("ups.beeper.status", S, INFOSIZE, UPS_MIB + "9.8.0", "", Su.NONE, BEEPER_STATUS),
    info("ups.L1.load", N, 1, OUTPUT + "4.1", "", Su.OUTPUT_3),
    info("ups.L2.load", N, 1, OUTPUT + "4.2", "", Su.OUTPUT_3),
    info("ups.L3.load", N, 1, OUTPUT + "4.3", "", Su.OUTPUT_3),
    info("ups.test.result", S, INFOSIZE, "." + UPS_MIB + "7.3.0", "", Su.NONE, TEST_RESULT),
    info("ups.delay.shutdown", S | RW, 6, UPS_MIB + "8.2.0", OFFDELAY, ABSENT | OK),
    info("ups.delay.start", S | RW, 6, UPS_MIB + "8.3.0", ONDELAY, ABSENT | OK),
    info("ups.timer.shutdown", N, 1, UPS_MIB + "8.2.0", "", OK),
    info("ups.timer.start", N, 1, UPS_MIB + "8.3.0", "", OK),
    info("ups.timer.reboot", N, 1, UPS_MIB + "8.4.0", "", OK),
    info("ups.start.auto", RW, 1, UPS_MIB + "8.5.0", "", OK, YES_NO),
    # status: upsmgBatteryReplacement, upsmgBatteryLowBattery, upsmgBatteryLowCondition,
    # upsmgOutputOnBattery, -OnByPass, -UtilityOff, -OnBoost, -OverLoad, -OnBuck
    info("ups.status", S, INFOSIZE, MG + "5.11.0", "", OK | BATT, REPLACE_BATTERY),
    info("ups.status", S, INFOSIZE, MG + "5.14.0", "", OK | BATT, LOW_BATTERY),
    info("ups.status", S, INFOSIZE, MG + "5.16.0", "", OK | BATT, LOW_BATTERY),
    info("ups.status", S, INFOSIZE, MG + "7.3.0", "", OK | BATT, ON_BATTERY),
    info("ups.status", S, INFOSIZE, MG + "7.4.0", "", OK | BATT, ON_BYPASS),
    info("ups.status", S, INFOSIZE, MG + "7.7.0", "", OK | BATT, UTILITY_OFF),
    info("ups.status", S, INFOSIZE, MG + "7.8.0", "", OK | BATT, BOOST),
    info("ups.status", S, INFOSIZE, MG + "7.10.0", "", OK | BATT, OVERLOAD),
    info("ups.status", S, INFOSIZE, MG + "7.12.0", "", OK | BATT, TRIM),
    info("ups.status", S, INFOSIZE, "." + UPS_MIB + "4.1.0", "", Su.STATUS_PWR | OK, POWER_SOURCE),
    # Input page
    info("input.phases", N, 1.0, MG + "6.1.0", "", Su.NONE),
    *_phased("input.voltage", INPUT + "2", 0.1, LN),
    *_phased("input.frequency", INPUT + "3", 0.1, L),
    *_phased("input.voltage.minimum", INPUT + "4", 0.1, LN),
    *_phased("input.voltage.maximum", INPUT + "5", 0.1, LN),
    *_phased("input.current", INPUT + "6", 0.1, L),
    info("input.transfer.reason", S, INFOSIZE, MG + "6.4.0", "", OK, TRANSFER_REASON),
    # Output page
    info("output.phases", N, 1.0, MG + "7.1.0", "", Su.NONE),
    *_phased("output.voltage", OUTPUT + "2", 0.1, LN),
    *_phased("output.frequency", OUTPUT + "3", 0.1, L),
    *_phased("output.current", OUTPUT + "5", 0.1, L),
    # Battery page
    info("battery.charge", N, 1, MG + "5.2.0", "", OK),
    info("battery.runtime", N, 1, MG + "5.1.0", "", OK),
    info("battery.runtime.low", N, 1, MG + "4.7.0", "", OK),
    info("battery.charge.low", S | RW, 2, MG + "4.8.0", "", Su.TYPE_INT | OK),
    info("battery.voltage", N, 0.1, MG + "5.5.0", "", OK),
    # Ambient page: the Environment Sensor (66 846), then its two dry contacts
    info("ambient.temperature", N, 0.1, MG + "8.1.0", "", Su.TYPE_INT | OK),
    info("ambient.humidity", N, 0.1, MG + "8.2.0", "", Su.TYPE_INT | OK),
    info(
        "ambient.contacts.1.status",
        S,
        INFOSIZE,
        MG + "8.7.1.9.1",
        "",
        Su.TYPE_INT | OK,
        DRY_CONTACT,
    ),
    info(
        "ambient.contacts.2.status",
        S,
        INFOSIZE,
        MG + "8.7.1.10.1",
        "",
        Su.TYPE_INT | OK,
        DRY_CONTACT,
    ),
    # Outlet page: the UPS's own outlet, server side
    info("outlet.id", N, 1, None, "0", STATIC | ABSENT | OK),
    info("outlet.desc", RW | S, 20, None, "Main Outlet", STATIC | ABSENT | OK),
    # Commands: upsmgTestBatterySchedule, then the UPS-MIB's
    info("test.battery.start", N, 1, MG + "10.4.0", START, CMD | OK),
    info("beeper.disable", N, 1, UPS_MIB + "9.8.0", "1", CMD),
    info("beeper.enable", N, 1, UPS_MIB + "9.8.0", "2", CMD),
    info("beeper.mute", N, 1, UPS_MIB + "9.8.0", "3", CMD),
    info("load.off.delay", N, 1, UPS_MIB + "8.2.0", None, CMD),
    info("load.on.delay", N, 1, UPS_MIB + "8.3.0", None, CMD),
)

MGE = Mib2Nut(
    name="mge",
    version="0.55",
    power_status_oid=None,
    auto_check_oid=MODEL_OID,
    table=TABLE,
    sysoid=SYSOID,
)
