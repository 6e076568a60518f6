"""``protocol = voltronic`` on the replies NUT's ``nutdrv_qx_voltronic.c`` lists.

The replies here are the answer examples in NUT 2.8.0's Voltronic table
comments and its ``voltronic_testing`` table (captures the subdriver's
author took from a real UPS): ``QGS``, ``(PI01``, ``QRI``, ``QMD``,
``(EpashcjDbroegfl``, the ``QWS`` bits, ``QHE``, ``QBYV``, the outlets.
"""

from __future__ import annotations

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.qx.engine import Engine, run_sync
from powerdown.drivers.qx.protocols import by_name
from powerdown.protocol.sock import TrackingStatus
from tests.support.qxreplies import Answer, answering, started, values

NUT_REPLIES = {
    "QGS": "(234.9 50.0 229.8 50.0 000.0 000 369.1 ---.- 026.5 ---.- 018.8 100000000001",
    "QPI": "(PI01",
    "QRI": "(230.0 004 024.0 50.0",
    "QMF": "(#####VOLTRONIC",
    "I": "#-------------   ------     VT12046Q  ",
    "F": "#220.0 000 024.0 50.0",
    "QMD": "(#######OLHVT1K0 ###1000 80 2/2 230 230 02 12.0",
    "QMOD": "(S",
    "QVFW": "(VERFW:00322.02",
    "QID": "(685653211455",
    "QBV": "(026.5 02 01 068 255",
    "QFLAG": "(EpashcjDbroegfl",
    "QWS": "(0000000000000000000000000000000000000000000000000000000001000001",
    "QHE": "(242 218",
    "QBYV": "(264 170",
    "QBYF": "(53.0 47.0",
    "QSK1": "(1",
    "QSK2": "(0",
    "QSK3": "(1",
    "QSK4": "(NAK",
    "QSKT1": "(008",
    "QSKT2": "(012",
    "QSKT3": "(NAK",
    "QSKT4": "(007",
    "RE0": "#20",
}


def _voltronic(query: str) -> bytes:
    """Voltronic's answer to what it does not know: NAK a query, ACK a command."""
    return b"(ACK\r" if not query.startswith("Q") else b"(NAK\r"


def _ups(replies: dict[str, str], sent: list[bytes] | None = None) -> Answer:
    return answering(replies, sent, _voltronic)


def test_NUTs_example_replies_read_as_NUT_variables() -> None:
    _, dstate, logs = started("voltronic", _ups(NUT_REPLIES))
    got = values(dstate)
    expected = {
        "ups.firmware.aux": "P01",
        "output.voltage.nominal": "230.0",
        "output.current.nominal": "4",
        "battery.voltage.nominal": "24.0",
        "output.frequency.nominal": "50.0",
        "device.model": "OLHVT1K0",
        "ups.power.nominal": "1000",
        "output.powerfactor": "0.8",
        "input.phases": "2",
        "output.phases": "2",
        "input.voltage.nominal": "230.0",
        "input.current.nominal": "0.0",
        "input.frequency.nominal": "50.0",
        "device.mfr": "VOLTRONIC",
        "ups.firmware": "00322.02",
        "device.serial": "685653211455",
        "input.voltage": "234.9",
        "input.frequency": "50.0",
        "output.voltage": "229.8",
        "output.frequency": "50.0",
        "output.current": "0.0",
        "ups.load": "0",
        "battery.voltage": "26.50",
        "ups.temperature": "18.8",
        "ups.type": "online",
        "battery.packs": "1",
        "battery.charge": "68",
        "battery.runtime": "15300",
        # 'a' is not in the capabilities: the beeper bit reads enabled/disabled
        "ups.beeper.status": "enabled",
        "ups.start.auto": "no",
        "battery.protection": "yes",
        "battery.energysave": "no",
        "ups.start.battery": "yes",
        "outlet.0.switchable": "yes",
        "outlet.1.switchable": "yes",
        "outlet.1.status": "on",
        "outlet.2.status": "off",
        "outlet.3.status": "on",
        "outlet.1.delay.shutdown": "480",
        "outlet.2.delay.shutdown": "720",
        # P01, 230 V nominal: ECO transfer ranges from the nominal voltage
        "input.transfer.high": "242",
        "input.transfer.high.min": "237",
        "input.transfer.high.max": "254",
        "input.transfer.low": "218",
        "input.transfer.low.min": "206",
        "input.transfer.low.max": "223",
        "battery.voltage.low": "20.0",
        "ups.delay.start": "180",
        "ups.delay.shutdown": "30",
    }
    for name, value in expected.items():
        assert got.get(name) == value, name
    assert "outlet.4.status" not in got  # (NAK
    assert "battery_number: 2" in logs
    assert "max_bypass_volt: 264" in logs
    assert "eco_mode: disabled" in logs  # "e" is after the D


def test_QWS_bits_58_and_64_as_NUT_words_them() -> None:
    engine, dstate, _ = started("voltronic", _ups(NUT_REPLIES))
    run_sync(engine.update(100.0), _ups(NUT_REPLIES))
    assert dstate.getinfo("ups.alarm") == (
        "UPS warnings: Warning!! Cover of maintain switch is open. Unknown warnings [bit: #64]"
    )
    # QMOD "(S": standby is OFF
    assert dstate.getinfo("ups.status") == "ALARM OL OFF"


def test_a_protocol_NUT_does_not_support_is_not_claimed() -> None:
    proto = by_name("voltronic")
    assert proto is not None
    for pi in ("(PI05", "(PI07", "(PI11", "(XX01"):
        dstate = Dstate()
        engine = Engine(proto, dstate)
        assert not run_sync(engine.claim(), _ups({**NUT_REPLIES, "QPI": pi}))
        assert dstate.getinfo("input.voltage") is None


def test_orders_are_NUTs_bytes() -> None:
    engine, dstate, _ = started("voltronic", _ups(NUT_REPLIES))
    sent: list[bytes] = []

    def cmd(name: str, param: str | None = None) -> TrackingStatus:
        return run_sync(engine.instcmd(name, param), _ups(NUT_REPLIES, sent))

    def rw(name: str, value: str) -> TrackingStatus:
        return run_sync(engine.setvar(name, value), _ups(NUT_REPLIES, sent))

    assert cmd("beeper.toggle") == TrackingStatus.HANDLED  # enabled -> BZOFF
    assert cmd("test.battery.start", "11") == TrackingStatus.FAILED  # under 12 s
    assert cmd("test.battery.start", "5940") == TrackingStatus.HANDLED
    assert cmd("outlet.1.load.off") == TrackingStatus.HANDLED
    assert cmd("outlet.4.load.off") == TrackingStatus.INVALID  # its QSK4 was (NAK
    assert rw("outlet.2.delay.shutdown", "300") == TrackingStatus.HANDLED
    assert rw("input.transfer.low", "205") == TrackingStatus.UNKNOWN  # out of 206..223
    assert rw("input.transfer.low", "210") == TrackingStatus.HANDLED
    assert rw("battery.voltage.low", "24") == TrackingStatus.HANDLED  # 230 V x 4 A < 1000
    assert rw("battery.voltage.low", "28") == TrackingStatus.UNKNOWN
    assert sent == [b"BZOFF\r", b"T99\r", b"SKOFF1\r", b"PSK2005\r", b"HEL210\r", b"W0E24\r"]
    assert dstate.getinfo("ups.delay.shutdown") == "30"
