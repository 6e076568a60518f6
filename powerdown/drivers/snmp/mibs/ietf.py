"""RFC 1628 UPS-MIB (``upsMIB``, 1.3.6.1.2.1.33), as NUT's ``ietf`` subdriver maps it.

The OIDs and enumerations are the RFC's (upsIdent, upsBattery, upsInput,
upsOutput, upsBypass, upsAlarm, upsTest, upsControl, upsConfig); which
NUT variable each feeds, with which multiplier and flags, follows NUT's
``ietf-mib.c`` (version 1.54, as in NUT 2.8.0), so both drivers publish
the same names for the same agent.  The RFC's tables are indexed from 1
(``upsInputLineIndex``), and the three-phase rows are kept apart from the
single-phase ones by the ``SU_INPUT_*``/``SU_OUTPUT_*`` flags.
"""

from __future__ import annotations

from powerdown.drivers.snmp.mib import INFOSIZE, Mib2Nut, Su, info, pairs
from powerdown.state.tree import Flag

__all__ = ["IETF", "TRIPPLITE"]

S = Flag.STRING
RW = Flag.RW
N = Flag.NONE

#: upsBatteryStatus
BATTERY_STATUS = pairs((1, ""), (2, ""), (3, "LB"), (4, "LB"))
#: upsOutputSource
POWER_SOURCE = pairs(
    (1, ""), (2, "OFF"), (3, "OL"), (4, "OL BYPASS"), (5, "OB"), (6, "OL BOOST"), (7, "OL TRIM")
)
#: upsAlarmOutputOverload (the alarm's row is there: any value)
OVERLOAD = pairs((1, "OVER"))
#: upsTestId, by the last arc of the test's OID (upsTestNoTestsInitiated = .1 ...)
TEST_ACTIVE = pairs((1, ""), (2, ""), (3, "TEST"), (4, "TEST"), (5, "CAL"))
#: upsTestResultsSummary
TEST_RESULT = pairs(
    (1, "done and passed"),
    (2, "done and warning"),
    (3, "done and error"),
    (4, "aborted"),
    (5, "in progress"),
    (6, "no test initiated"),
)
YES_NO = pairs((1, "yes"), (2, "no"))
#: upsConfigAudibleStatus
BEEPER_STATUS = pairs((1, "disabled"), (2, "enabled"), (3, "muted"))

TABLE = (
    info("device.description", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.1.0", None, Su.FLAG_OK, None),
    info("device.contact", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.4.0", None, Su.FLAG_OK, None),
    info("device.location", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.6.0", None, Su.FLAG_OK, None),
    info("ups.mfr", S, INFOSIZE, "1.3.6.1.2.1.33.1.1.1.0", "Generic", Su.FLAG_STATIC, None),
    info(
        "ups.model", S, INFOSIZE, "1.3.6.1.2.1.33.1.1.2.0", "Generic SNMP UPS", Su.FLAG_STATIC, None
    ),
    info("ups.firmware", S, INFOSIZE, "1.3.6.1.2.1.33.1.1.3.0", "", Su.FLAG_STATIC, None),
    info("ups.firmware.aux", S, INFOSIZE, "1.3.6.1.2.1.33.1.1.4.0", "", Su.FLAG_STATIC, None),
    info("ups.status", S, INFOSIZE, "1.3.6.1.2.1.33.1.2.1.0", "", Su.STATUS_BATT, BATTERY_STATUS),
    info("battery.runtime", N, 60.0, "1.3.6.1.2.1.33.1.2.3.0", "", Su.NONE, None),
    info("battery.charge", N, 1, "1.3.6.1.2.1.33.1.2.4.0", "", Su.NONE, None),
    info("battery.voltage", N, 0.1, "1.3.6.1.2.1.33.1.2.5.0", "", Su.NONE, None),
    info("battery.current", N, 0.1, "1.3.6.1.2.1.33.1.2.6.0", "", Su.NONE, None),
    info("battery.temperature", N, 1.0, "1.3.6.1.2.1.33.1.2.7.0", "", Su.NONE, None),
    info("input.phases", N, 1.0, "1.3.6.1.2.1.33.1.3.2.0", "", Su.NONE, None),
    info("input.frequency", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.2.1", "", Su.INPUT_1, None),
    info("input.L1.frequency", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.2.1", "", Su.INPUT_3, None),
    info("input.L2.frequency", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.2.2", "", Su.INPUT_3, None),
    info("input.L3.frequency", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.2.3", "", Su.INPUT_3, None),
    info("input.voltage", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.3.1", "", Su.INPUT_1, None),
    info("input.L1-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.3.1", "", Su.INPUT_3, None),
    info("input.L2-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.3.2", "", Su.INPUT_3, None),
    info("input.L3-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.3.3", "", Su.INPUT_3, None),
    info("input.current", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.4.1", "", Su.INPUT_1, None),
    info("input.L1.current", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.4.1", "", Su.INPUT_3, None),
    info("input.L2.current", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.4.2", "", Su.INPUT_3, None),
    info("input.L3.current", N, 0.1, "1.3.6.1.2.1.33.1.3.3.1.4.3", "", Su.INPUT_3, None),
    info("input.realpower", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.5.1", "", Su.INPUT_1, None),
    info("input.L1.realpower", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.5.1", "", Su.INPUT_3, None),
    info("input.L2.realpower", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.5.2", "", Su.INPUT_3, None),
    info("input.L3.realpower", N, 1.0, "1.3.6.1.2.1.33.1.3.3.1.5.3", "", Su.INPUT_3, None),
    info("ups.status", S, INFOSIZE, "1.3.6.1.2.1.33.1.4.1.0", "", Su.STATUS_PWR, POWER_SOURCE),
    info("output.frequency", N, 0.1, "1.3.6.1.2.1.33.1.4.2.0", "", Su.NONE, None),
    info("output.phases", N, 1.0, "1.3.6.1.2.1.33.1.4.3.0", "", Su.NONE, None),
    info("output.voltage", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.2.1", "", Su.OUTPUT_1, None),
    info("output.L1-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.2.1", "", Su.OUTPUT_3, None),
    info("output.L2-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.2.2", "", Su.OUTPUT_3, None),
    info("output.L3-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.2.3", "", Su.OUTPUT_3, None),
    info("output.current", N, 0.1, "1.3.6.1.2.1.33.1.4.4.1.3.1", "", Su.OUTPUT_1, None),
    info("output.L1.current", N, 0.1, "1.3.6.1.2.1.33.1.4.4.1.3.1", "", Su.OUTPUT_3, None),
    info("output.L2.current", N, 0.1, "1.3.6.1.2.1.33.1.4.4.1.3.2", "", Su.OUTPUT_3, None),
    info("output.L3.current", N, 0.1, "1.3.6.1.2.1.33.1.4.4.1.3.3", "", Su.OUTPUT_3, None),
    info("output.realpower", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.4.1", "", Su.OUTPUT_1, None),
    info("output.L1.realpower", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.4.1", "", Su.OUTPUT_3, None),
    info("output.L2.realpower", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.4.2", "", Su.OUTPUT_3, None),
    info("output.L3.realpower", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.4.3", "", Su.OUTPUT_3, None),
    info("ups.load", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.5.1", "", Su.OUTPUT_1, None),
    info("output.L1.power.percent", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.5.1", "", Su.OUTPUT_3, None),
    info("output.L2.power.percent", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.5.2", "", Su.OUTPUT_3, None),
    info("output.L3.power.percent", N, 1.0, "1.3.6.1.2.1.33.1.4.4.1.5.3", "", Su.OUTPUT_3, None),
    info("input.bypass.phases", N, 1.0, "1.3.6.1.2.1.33.1.5.2.0", "", Su.NONE, None),
    info(
        "input.bypass.frequency",
        N,
        0.1,
        "1.3.6.1.2.1.33.1.5.1.0",
        "",
        Su.BYPASS_1 | Su.BYPASS_3,
        None,
    ),
    info("input.bypass.voltage", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.2.1", "", Su.BYPASS_1, None),
    info("input.bypass.L1-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.2.1", "", Su.BYPASS_3, None),
    info("input.bypass.L2-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.2.2", "", Su.BYPASS_3, None),
    info("input.bypass.L3-N.voltage", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.2.3", "", Su.BYPASS_3, None),
    info("input.bypass.current", N, 0.1, "1.3.6.1.2.1.33.1.5.3.1.3.1", "", Su.BYPASS_1, None),
    info("input.bypass.L1.current", N, 0.1, "1.3.6.1.2.1.33.1.5.3.1.3.1", "", Su.BYPASS_3, None),
    info("input.bypass.L2.current", N, 0.1, "1.3.6.1.2.1.33.1.5.3.1.3.2", "", Su.BYPASS_3, None),
    info("input.bypass.L3.current", N, 0.1, "1.3.6.1.2.1.33.1.5.3.1.3.3", "", Su.BYPASS_3, None),
    info("input.bypass.realpower", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.4.1", "", Su.BYPASS_1, None),
    info("input.bypass.L1.realpower", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.4.1", "", Su.BYPASS_3, None),
    info("input.bypass.L2.realpower", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.4.2", "", Su.BYPASS_3, None),
    info("input.bypass.L3.realpower", N, 1.0, "1.3.6.1.2.1.33.1.5.3.1.4.3", "", Su.BYPASS_3, None),
    info("ups.status", S, INFOSIZE, "1.3.6.1.2.1.33.1.6.3.8", "", Su.NONE, OVERLOAD),
    info("ups.status", S, INFOSIZE, "1.3.6.1.2.1.33.1.7.1.0", "", Su.NONE, TEST_ACTIVE),
    info("test.battery.stop", N, 1, "1.3.6.1.2.1.33.1.7.1.0", "0", Su.TYPE_CMD, None),
    info("test.battery.start", N, 1, "1.3.6.1.2.1.33.1.7.1.0", "0", Su.TYPE_CMD, None),
    info("test.battery.start.quick", N, 1, "1.3.6.1.2.1.33.1.7.1.0", "0", Su.TYPE_CMD, None),
    info("test.battery.start.deep", N, 1, "1.3.6.1.2.1.33.1.7.1.0", "0", Su.TYPE_CMD, None),
    info("ups.test.result", S, INFOSIZE, "1.3.6.1.2.1.33.1.7.3.0", "", Su.NONE, TEST_RESULT),
    info("ups.timer.shutdown", S | RW, 8, "1.3.6.1.2.1.33.1.8.2.0", "", Su.NONE, None),
    info("load.off", N, 1, "1.3.6.1.2.1.33.1.8.2.0", "0", Su.TYPE_CMD, None),
    info("ups.timer.start", S | RW, 8, "1.3.6.1.2.1.33.1.8.3.0", "", Su.NONE, None),
    info("load.on", N, 1, "1.3.6.1.2.1.33.1.8.3.0", "0", Su.TYPE_CMD, None),
    info("ups.timer.reboot", S | RW, 8, "1.3.6.1.2.1.33.1.8.4.0", "", Su.NONE, None),
    info("ups.start.auto", S, INFOSIZE, "1.3.6.1.2.1.33.1.8.5.0", "", Su.NONE, YES_NO),
    info("input.voltage.nominal", N, 1.0, "1.3.6.1.2.1.33.1.9.1.0", "", Su.NONE, None),
    info("input.frequency.nominal", N, 0.1, "1.3.6.1.2.1.33.1.9.2.0", "", Su.NONE, None),
    info("output.voltage.nominal", N, 1.0, "1.3.6.1.2.1.33.1.9.3.0", "", Su.NONE, None),
    info("output.frequency.nominal", N, 0.1, "1.3.6.1.2.1.33.1.9.4.0", "", Su.NONE, None),
    info("output.power.nominal", N, 1.0, "1.3.6.1.2.1.33.1.9.5.0", "", Su.NONE, None),
    info("output.realpower.nominal", N, 1.0, "1.3.6.1.2.1.33.1.9.6.0", "", Su.NONE, None),
    info("battery.runtime.low", N, 60.0, "1.3.6.1.2.1.33.1.9.7.0", "", Su.NONE, None),
    info("ups.beeper.status", S, INFOSIZE, "1.3.6.1.2.1.33.1.9.8.0", "", Su.NONE, BEEPER_STATUS),
    info("beeper.disable", N, 1, "1.3.6.1.2.1.33.1.9.8.0", "1", Su.TYPE_CMD, None),
    info("beeper.enable", N, 1, "1.3.6.1.2.1.33.1.9.8.0", "2", Su.TYPE_CMD, None),
    info("beeper.mute", N, 1, "1.3.6.1.2.1.33.1.9.8.0", "3", Su.TYPE_CMD, None),
    info("input.transfer.low", N, 1.0, "1.3.6.1.2.1.33.1.9.9.0", "", Su.NONE, None),
    info("input.transfer.high", N, 1.0, "1.3.6.1.2.1.33.1.9.10.0", "", Su.NONE, None),
)

IETF = Mib2Nut(
    name="ietf",
    version="1.54",
    power_status_oid="1.3.6.1.2.1.33.1.4.1.0",
    auto_check_oid="1.3.6.1.2.1.33.1.1.1.0",
    table=TABLE,
    sysoid=".1.3.6.1.2.1.33",
)

#: Tripp Lite cards answer the UPS-MIB under their own sysObjectID.
TRIPPLITE = Mib2Nut(
    name="tripplite",
    version="1.54",
    power_status_oid=None,
    auto_check_oid=None,
    table=TABLE,
    sysoid=".1.3.6.1.4.1.850.1",
)
