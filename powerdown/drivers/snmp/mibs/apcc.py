"""APC PowerNet-MIB (enterprises.318), the ``upsBasic``/``upsAdv``/``upsHighPrec`` UPS groups.

As NUT's ``apcc`` subdriver (``apc-mib.c``, version 1.6 in NUT 2.8.0)
maps them.  Most readings come three ways: ``upsHighPrec*`` (tenths,
newer cards), ``upsAdv*`` (whole units); the high-precision row is
``SU_FLAG_UNIQUE``: once it answers, the coarser rows of the same name are
never read.  ``ups.status`` is composed from four OIDs: upsBasicOutputStatus
(power), upsBasicBatteryStatus, upsAdvTestCalibrationResults and
upsAdvBatteryReplaceIndicator.

NUT's own quirks are kept, since ``upsc`` users compare the two drivers:
``ups.delay.shutdown``/``ups.delay.start`` are TimeTicks read in seconds
and multiplied by the row's length (3), which NUT uses as a multiplier
for every non-string row.
"""

from __future__ import annotations

from powerdown.drivers.snmp.mib import INFOSIZE, Mib2Nut, SnmpInfo, Su, info, pairs
from powerdown.state.tree import Flag

__all__ = ["APCC"]

S = Flag.STRING
RW = Flag.RW
N = Flag.NONE
OK = Su.FLAG_OK
NEG = Su.FLAG_NEGINVALID
UNIQ = Su.FLAG_UNIQUE
STATIC = Su.FLAG_STATIC

UPS = ".1.3.6.1.4.1.318.1.1.1."
MODEL_OID = UPS + "1.1.1.0"  # upsBasicIdentModel

#: upsBasicBatteryStatus
BATTERY = pairs((1, ""), (2, ""), (3, "LB"))
#: upsBasicOutputStatus
POWER = pairs(
    (1, ""),
    (2, "OL"),
    (3, "OB"),
    (4, "OL BOOST"),
    (5, "OFF"),
    (6, "OFF"),
    (7, "OFF"),
    (8, ""),
    (9, "BYPASS"),
    (10, "BYPASS"),
    (11, "OFF"),
    (12, "OL TRIM"),
)
#: upsAdvTestCalibrationResults
CALIBRATION = pairs((1, ""), (2, ""), (3, "CAL"))
#: upsAdvBatteryReplaceIndicator
REPLACE = pairs((1, ""), (2, "RB"))
#: upsAdvTestDiagnosticsResults
TEST_RESULTS = pairs((1, "Ok"), (2, "Failed"), (3, "InvalidTest"), (4, "TestInProgress"))
#: upsAdvConfigSensitivity
SENSITIVITY = pairs((1, "auto"), (2, "low"), (3, "medium"), (4, "high"))
#: upsAdvInputLineFailCause
TRANSFER_REASON = pairs(
    (1, "noTransfer"),
    (2, "highLineVoltage"),
    (3, "brownout"),
    (4, "blackout"),
    (5, "smallMomentarySag"),
    (6, "deepMomentarySag"),
    (7, "smallMomentarySpike"),
    (8, "largeMomentarySpike"),
    (9, "selfTest"),
    (10, "rateOfVoltageChange"),
)


def _three_phase(prefix: str, table: str, columns: dict[str, tuple[int, float]]) -> list[SnmpInfo]:
    """upsPhase{Input,Output}Voltage/Current tables: rows per phase 1..3, invalid when < 0."""
    rows = []
    for name, (column, mult) in columns.items():
        for phase, label in ((1, "L1"), (2, "L2"), (3, "L3")):
            if "voltage" in name:
                label = ("L1-L2", "L2-L3", "L3-L1")[phase - 1]
            rows.append(
                info(
                    f"{prefix}.{label}.{name}",
                    N,
                    mult,
                    f"{UPS}9.{table}.1.{column}.1.1.{phase}",
                    "",
                    OK | NEG,
                )
            )
    return rows


TABLE: tuple[SnmpInfo, ...] = (
    info("device.description", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.1.0", None, OK),
    info("device.contact", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.4.0", None, OK),
    info("device.location", S | RW, INFOSIZE, ".1.3.6.1.2.1.1.6.0", None, OK),
    info("ups.mfr", S, INFOSIZE, None, "APC", STATIC | Su.FLAG_ABSENT | OK),
    info("ups.model", S, INFOSIZE, MODEL_OID, "Generic Powernet SNMP device", STATIC | OK),
    info("ups.serial", S, INFOSIZE, UPS + "1.2.3.0", "", STATIC | OK),
    info("ups.mfr.date", S, INFOSIZE, UPS + "1.2.2.0", "", OK | STATIC),
    info("input.voltage", N, 0.1, UPS + "3.3.1.0", "", OK | NEG | UNIQ),
    info("input.voltage.maximum", N, 0.1, UPS + "3.3.2.0", "", OK | NEG | UNIQ),
    info("input.voltage.minimum", N, 0.1, UPS + "3.3.3.0", "", OK | NEG | UNIQ),
    info("input.voltage", N, 1, UPS + "3.2.1.0", "", OK),
    info("input.voltage.maximum", N, 1, UPS + "3.2.2.0", "", OK),
    info("input.voltage.minimum", N, 1, UPS + "3.2.3.0", "", OK),
    info("input.phases", S, 2, UPS + "9.2.2.1.2.1", "", STATIC | OK),
    *_three_phase(
        "input",
        "2.3",
        {
            "voltage": (3, 1),
            "voltage.maximum": (4, 1),
            "voltage.minimum": (5, 1),
            "current": (6, 0.1),
            "current.maximum": (7, 0.1),
            "current.minimum": (8, 0.1),
        },
    ),
    info("input.frequency", N, 0.1, UPS + "9.2.2.1.4.1", "", OK | NEG | UNIQ),
    info("input.frequency", N, 0.1, UPS + "3.3.4.0", "", OK | NEG | UNIQ),
    info("input.frequency", N, 1, UPS + "3.2.4.0", "", OK),
    info("input.transfer.low", S | RW, 3, UPS + "5.2.3.0", "", Su.TYPE_INT | OK),
    info("input.transfer.high", S | RW, 3, UPS + "5.2.2.0", "", Su.TYPE_INT | OK),
    info(
        "input.transfer.reason",
        S,
        1,
        "1.3.6.1.4.1.318.1.1.1.3.2.5.0",
        "",
        Su.TYPE_INT | OK,
        TRANSFER_REASON,
    ),
    info("input.sensitivity", S | RW, 1, UPS + "5.2.7.0", "", Su.TYPE_INT | OK, SENSITIVITY),
    info("ups.power", N, 1, UPS + "4.2.9.0", "", OK),
    info("ups.realpower", N, 1, UPS + "4.2.8.0", "", OK),
    info("ups.status", S, INFOSIZE, UPS + "4.1.1.0", "OFF", OK | Su.STATUS_PWR, POWER),
    info("ups.status", S, INFOSIZE, UPS + "2.1.1.0", "", OK | Su.STATUS_BATT, BATTERY),
    info("ups.status", S, INFOSIZE, UPS + "7.2.6.0", "", OK | Su.STATUS_CAL, CALIBRATION),
    info("ups.status", S, INFOSIZE, UPS + "2.2.4.0", "", OK | Su.STATUS_RB, REPLACE),
    info("ups.temperature", N, 0.1, UPS + "2.3.2.0", "", OK | UNIQ),
    info("ups.temperature", N, 1, UPS + "2.2.2.0", "", OK),
    info("ups.load", N, 0.1, UPS + "4.3.3.0", "", OK | NEG | UNIQ),
    info("ups.load", N, 1, UPS + "4.2.3.0", "", OK),
    info("ups.firmware", S, 16, UPS + "1.2.1.0", "", STATIC | OK),
    info("ups.delay.shutdown", RW, 3, UPS + "5.2.10.0", "", Su.TYPE_TIME | OK),
    info("ups.delay.start", RW, 3, UPS + "5.2.9.0", "", Su.TYPE_TIME | OK),
    info("battery.charge", N, 0.1, UPS + "2.3.1.0", "", OK | NEG | UNIQ),
    info("battery.charge", N, 1, UPS + "2.2.1.0", "", OK),
    info("battery.charge.restart", S | RW, 3, UPS + "5.2.6.0", "", Su.TYPE_INT | OK),
    info("battery.runtime", N, 1, UPS + "2.2.3.0", "", OK),
    info("battery.runtime.low", S | RW, 3, UPS + "5.2.8.0", "", OK),
    info("battery.voltage", N, 0.1, UPS + "2.3.4.0", "", OK | NEG | UNIQ),
    info("battery.voltage", N, 1, UPS + "2.2.8.0", "", OK),
    info("battery.voltage.nominal", N, 1, UPS + "2.2.7.0", "", OK),
    info("battery.current", N, 0.1, UPS + "2.3.5.0", "", OK | UNIQ),
    info("battery.current", N, 1, UPS + "2.2.9.0", "", OK),
    info("battery.current.total", N, 0.1, UPS + "2.3.6.0", "", OK),
    info("battery.packs", N, 1, UPS + "2.2.5.0", "", OK),
    info("battery.packs.bad", N, 1, UPS + "2.2.6.0", "", OK),
    info("battery.date", S | RW, 8, UPS + "2.1.3.0", "", OK | STATIC),
    info("ups.id", S | RW, 8, UPS + "1.1.2.0", "", OK | STATIC),
    info("ups.test.result", S, INFOSIZE, UPS + "7.2.3.0", "", OK, TEST_RESULTS),
    info("ups.test.date", S | RW, 8, UPS + "7.2.4.0", "", OK | STATIC),
    info("output.voltage", N, 0.1, UPS + "4.3.1.0", "", OK | UNIQ),
    info("output.voltage", N, 1, UPS + "4.2.1.0", "", OK),
    info("output.phases", S, 2, UPS + "9.3.2.1.2.1", "", STATIC | OK),
    info("output.frequency", N, 0.1, UPS + "9.3.2.1.4.1", "", OK | NEG | UNIQ),
    info("output.frequency", N, 0.1, UPS + "4.3.2.0", "", OK | NEG | UNIQ),
    info("output.frequency", N, 1, UPS + "4.2.2.0", "", OK),
    info("output.current", N, 0.1, UPS + "4.3.4.0", "", OK | NEG | UNIQ),
    info("output.current", N, 1, UPS + "4.2.4.0", "", OK),
    *_three_phase(
        "output",
        "3.3",
        {
            "voltage": (3, 1),
            "current": (4, 0.1),
            "current.maximum": (5, 0.1),
            "current.minimum": (6, 0.1),
            "power": (7, 1),
            "power.maximum": (8, 1),
            "power.minimum": (9, 1),
            "power.percent": (10, 1),
            "power.maximum.percent": (11, 1),
            "power.minimum.percent": (12, 1),
        },
    ),
    info("output.voltage.nominal", S | RW, 3, UPS + "5.2.1.0", "", Su.TYPE_INT | OK),
    # Environmental: the card's probe, then the Integrated Environmental Monitor.
    info("ambient.temperature", N, 1, ".1.3.6.1.4.1.318.1.1.2.1.1.0", "", OK),
    info("ambient.1.temperature.alarm.high", N, 1, ".1.3.6.1.4.1.318.1.1.10.1.2.2.1.3.1", "", OK),
    info("ambient.1.temperature.alarm.low", N, 1, ".1.3.6.1.4.1.318.1.1.10.1.2.2.1.4.1", "", OK),
    info("ambient.humidity", N, 1, ".1.3.6.1.4.1.318.1.1.2.1.2.0", "", OK),
    info("ambient.1.humidity.alarm.high", N, 1, ".1.3.6.1.4.1.318.1.1.10.1.2.2.1.6.1", "", OK),
    info("ambient.1.humidity.alarm.low", N, 1, ".1.3.6.1.4.1.318.1.1.10.1.2.2.1.7.1", "", OK),
    info("ambient.temperature", N, 1, ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1", "", OK),
    info("ambient.humidity", N, 1, ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.6.1", "", OK),
    # Commands: upsBasicControlConserveBattery, upsAdvControl*, upsAdvTest*.
    info("load.off", N, 1, UPS + "6.2.1.0", "2", Su.TYPE_CMD | OK),
    info("load.on", N, 1, UPS + "6.2.6.0", "2", Su.TYPE_CMD | OK),
    info("shutdown.stayoff", N, 1, UPS + "6.2.1.0", "3", Su.TYPE_CMD | OK),
    info("shutdown.return", N, 1, UPS + "6.1.1.0", "2", Su.TYPE_CMD | OK),
    info("test.failure.start", N, 1, UPS + "6.2.4.0", "2", Su.TYPE_CMD | OK),
    info("test.panel.start", N, 1, UPS + "6.2.5.0", "2", Su.TYPE_CMD | OK),
    info("bypass.start", N, 1, UPS + "6.2.7.0", "2", Su.TYPE_CMD | OK),
    info("bypass.stop", N, 1, UPS + "6.2.7.0", "3", Su.TYPE_CMD | OK),
    info("test.battery.start", N, 1, UPS + "7.2.2.0", "2", Su.TYPE_CMD | OK),
    info("calibrate.start", N, 1, UPS + "7.2.5.0", "2", Su.TYPE_CMD | OK),
    info("calibrate.stop", N, 1, UPS + "7.2.5.0", "3", Su.TYPE_CMD | OK),
    info("reset.input.minmax", N, 1, UPS + "9.1.1.0", "2", Su.TYPE_CMD | OK),
)

APCC = Mib2Nut(
    name="apcc",
    version="1.6",
    power_status_oid=UPS + "4.1.1.0",
    auto_check_oid=MODEL_OID,
    table=TABLE,
    # NUT 2.8.0 gives the model OID here, which no agent reports as its
    # sysObjectID: APC devices are found by the model probe, in table order.
    sysoid=MODEL_OID,
)
