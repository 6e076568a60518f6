"""upsd's link to one driver, driven with bytes and a fake clock."""

from __future__ import annotations

import pytest

from powerdown.protocol import sock
from powerdown.protocol.errors import ErrToken, LocalProtocolError
from powerdown.server.driverlink import (
    DriverLink,
    DumpCompleted,
    LinkState,
    Malformed,
    Received,
    Send,
    TrackingTable,
    UpsDataOk,
    UpsDataStale,
)
from powerdown.state.tree import Flag

DUMP = (
    b'SETINFO ups.status "OL"\n'
    b'SETINFO ups.id "Data room"\n'
    b"SETAUX ups.id 32\n"
    b"SETFLAGS ups.id RW STRING\n"
    b'SETINFO input.transfer.low "95"\n'
    b'ADDENUM input.transfer.low "95"\n'
    b'ADDENUM input.transfer.low "98"\n'
    b"ADDCMD load.off\n"
    b"ADDCMD beeper.toggle\n"
    b"DATAOK\n"
    b"DUMPDONE\n"
)


def live_link(now: float = 0.0, **kw: object) -> DriverLink:
    link = DriverLink("ups1", **kw)  # type: ignore[arg-type]
    assert link.connected(now) == ["DUMPALL"]
    link.receive(DUMP, now)
    assert link.state is LinkState.LIVE
    return link


def kinds(events: list[object]) -> list[type]:
    return [type(e) for e in events]


def test_DriverLink_starts_disconnected_and_refuses_to_serve() -> None:
    link = DriverLink("ups1")
    assert link.state is LinkState.DISCONNECTED
    assert link.is_stale(0.0)
    assert link.availability(0.0) is ErrToken.DRIVER_NOT_CONNECTED
    assert link.tick(100.0) == []
    with pytest.raises(LocalProtocolError):
        link.receive(b"PONG\n", 0.0)
    with pytest.raises(LocalProtocolError):
        link.instcmd("load.off")
    with pytest.raises(LocalProtocolError):
        link.set_var("ups.id", "x")


def test_DriverLink_dump_then_live() -> None:
    link = DriverLink("ups1")
    assert link.connected(10.0) == ["DUMPALL"]
    assert link.state is LinkState.DUMPING
    # While the dump runs, ups.status says WAIT, as upsd shows it.
    assert link.device.value("ups.status") == "WAIT"
    events = link.receive(DUMP, 10.5)
    assert link.state is LinkState.LIVE
    assert link.dumpdone and link.data_ok
    assert kinds(events)[-2:] == [Received, DumpCompleted]
    assert [e.message for e in events if isinstance(e, Received)][:2] == [
        sock.SetInfo(name="ups.status", value="OL"),
        sock.SetInfo(name="ups.id", value="Data room"),
    ]
    dev = link.device
    assert dev.value("ups.status") == "OL"
    var = dev.get("ups.id")
    assert var is not None and var.flags == Flag.RW | Flag.STRING and var.aux == 32
    assert dev.get("input.transfer.low").enums == ["95", "98"]  # type: ignore[union-attr]
    assert dev.cmds() == ["beeper.toggle", "load.off"]
    assert not link.is_stale(10.5)
    assert link.availability(10.5) is None


def test_DriverLink_dump_is_the_same_however_bytes_are_cut() -> None:
    one = live_link()
    two = DriverLink("ups1")
    two.connected(0.0)
    events = []
    for i in range(len(DUMP)):
        events += two.receive(DUMP[i : i + 1], 0.0)
    assert two.state is LinkState.LIVE
    assert [(v.name, v.value, v.flags, v.aux, v.enums) for v in one.device] == [
        (v.name, v.value, v.flags, v.aux, v.enums) for v in two.device
    ]
    assert events.count(DumpCompleted()) == 1


def test_DriverLink_is_not_stale_while_dumping_like_upsd_2_8_0() -> None:
    """Before DUMPDONE upsd ignores DATASTALE, and serves what it has."""
    link = DriverLink("ups1")
    link.connected(0.0)
    link.receive(b'DATASTALE\nSETINFO ups.status "OB"\n', 1.0)
    assert link.state is LinkState.DUMPING
    assert not link.is_stale(1.0)
    link.receive(b"DUMPDONE\n", 2.0)
    assert link.is_stale(2.0)
    assert link.availability(2.0) is ErrToken.DATA_STALE


def test_DriverLink_DATASTALE_and_DATAOK_after_the_dump() -> None:
    link = live_link()
    assert kinds(link.tick(1.0)) == []
    link.receive(b"DATASTALE\n", 2.0)
    assert link.is_stale(2.0) and not link.data_ok
    assert link.availability(2.0) is ErrToken.DATA_STALE
    (ev,) = link.tick(2.0)
    assert isinstance(ev, UpsDataStale) and "stale" in ev.reason
    assert link.tick(3.0) == []  # reported once, like upsd's log line
    link.receive(b"DATAOK\n", 4.0)
    assert not link.is_stale(4.0)
    assert link.tick(4.0) == [UpsDataOk()]
    assert link.tick(5.0) == []


def test_DriverLink_pings_after_a_third_of_MAXAGE_and_goes_stale_after_MAXAGE() -> None:
    link = live_link(0.0, maxage=15.0)
    assert link.tick(5.0) == []  # not more than a third yet
    assert link.tick(5.5) == [Send(line="PING")]
    assert link.tick(6.0) == []  # a PING went out less than a third ago
    assert link.tick(10.4) == []
    assert link.tick(10.6) == [Send(line="PING")]
    assert not link.is_stale(15.0)
    assert link.is_stale(15.1)
    assert link.availability(15.1) is ErrToken.DATA_STALE
    events = link.tick(15.1)
    assert kinds(events) == [UpsDataStale]
    assert "MAXAGE" in events[0].reason  # type: ignore[union-attr]
    assert link.tick(16.0) == [Send(line="PING")]
    # Any understood line is news: the PONG makes the data fresh again.
    assert kinds(link.receive(b"PONG\n", 16.2)) == [Received]
    assert not link.is_stale(16.2)
    assert link.tick(16.3) == [UpsDataOk()]
    assert link.state is LinkState.LIVE  # stale is not dead: the link stays


def test_DriverLink_regular_updates_mean_no_ping() -> None:
    link = live_link(0.0, maxage=15.0)
    for t in range(1, 60):
        link.receive(f'SETINFO battery.charge "{t}"\n'.encode(), float(t))
        assert link.tick(t + 0.5) == []
    assert link.device.value("battery.charge") == "59"


def test_DriverLink_malformed_lines_are_reported_and_skipped() -> None:
    link = live_link(0.0, maxage=15.0)
    data = (
        b"GIBBERISH here\n"
        b"SETINFO\n"
        b"ADDRANGE ups.id one two\n"
        b'SETINFO ups.id "unbalanced # in quotes"\n'
        b'SETINFO ups.id "fine"\n'
    )
    events = link.receive(data, 14.0)
    assert kinds(events) == [Malformed, Malformed, Malformed, Malformed, Received]
    assert events[0] == Malformed(
        args=("GIBBERISH", "here"), reason="unknown driver command: 'GIBBERISH'"
    )
    assert link.device.value("ups.id") == "fine"
    assert link.state is LinkState.LIVE
    # Only understood lines are news (sstate.c updates last_heard for those).
    link.receive(b"NONSENSE\n", 29.5)
    assert link.is_stale(29.5)


def test_DriverLink_blank_lines_and_comments_are_nothing() -> None:
    link = live_link()
    assert link.receive(b"\n   \n# a comment\n", 1.0) == []


def test_DriverLink_updates_after_the_dump() -> None:
    link = live_link()
    events = link.receive(
        b'SETINFO ups.status "OB LB"\nSETINFO ups.status "ob lb"\nDELCMD load.off\n'
        b"DELINFO input.transfer.low\n",
        1.0,
    )
    assert [e.changed for e in events if isinstance(e, Received)] == [True, False, True, True]
    assert link.device.value("ups.status") == "OB LB"
    assert link.device.cmds() == ["beeper.toggle"]
    assert "input.transfer.low" not in link.device


def test_DriverLink_reconnect_starts_again_from_DUMPALL() -> None:
    link = live_link()
    device = link.device
    link.receive(b'SETINFO ups.status "OB', 1.0)  # half a line when the driver dies
    link.disconnected(2.0)
    assert link.state is LinkState.DISCONNECTED
    assert len(link.device) == 0 and link.device.cmds() == []
    assert link.availability(2.0) is ErrToken.DRIVER_NOT_CONNECTED
    link.disconnected(2.5)  # harmless twice
    assert link.connected(3.0) == ["DUMPALL"]
    assert link.device is device  # upsd may keep a reference
    assert link.state is LinkState.DUMPING and not link.dumpdone
    assert [v.name for v in link.device] == ["ups.status"]
    assert link.device.value("ups.status") == "WAIT"
    # The half line from the old connection is gone, not glued to the new data.
    link.receive(b'LB"\nSETINFO ups.status "OL"\nDATAOK\nDUMPDONE\n', 3.5)
    assert link.state is LinkState.LIVE
    assert link.device.value("ups.status") == "OL"
    assert len(link.device) == 1


def test_DriverLink_connected_twice_is_a_caller_error() -> None:
    link = live_link()
    with pytest.raises(LocalProtocolError):
        link.connected(1.0)


def test_DriverLink_stale_report_is_reset_by_a_new_connection() -> None:
    link = live_link(0.0, maxage=3.0)
    assert kinds(link.tick(5.0)) == [Send, UpsDataStale]
    link.disconnected(5.0)
    link.connected(6.0)
    # upsd sets its stale flag back to 0 on connect, without a log line.
    assert link.tick(6.1) == []


def test_DriverLink_renders_requests() -> None:
    link = live_link()
    assert link.instcmd("load.off") == "INSTCMD load.off"
    assert link.instcmd("load.off", "10") == "INSTCMD load.off 10"
    assert link.instcmd("load.on", "10", "abc-1") == "INSTCMD load.on 10 TRACKING abc-1"
    assert link.instcmd("x", None, "t") == "INSTCMD x TRACKING t"
    assert link.set_var("ups.id", "Data room") == 'SET ups.id "Data room"'
    assert link.set_var("ups.id", 'a"b', "t2") == 'SET ups.id "a\\"b" TRACKING t2'
    with pytest.raises(LocalProtocolError):
        link.set_var("bad name", "x")


def test_DriverLink_resolves_tracking_results_into_the_table() -> None:
    table = TrackingTable()
    link = live_link(0.0, tracking=table)
    table.add("ID-1", 1.0)
    table.add("id-2", 1.0)
    assert table.get("id-1") == "PENDING"
    events = link.receive(b"TRACKING id-1 0\nTRACKING ID-2 3\nTRACKING unknown 0\n", 2.0)
    assert [e.message for e in events if isinstance(e, Received)] == [
        sock.Tracking(id="id-1", status=0),
        sock.Tracking(id="ID-2", status=3),
        sock.Tracking(id="unknown", status=0),
    ]
    assert table.get("ID-1") == "SUCCESS"
    assert table.reply("id-2") == "ERR FAILED"
    assert "unknown" not in table


def test_TrackingTable_lifecycle_and_result_mapping() -> None:
    table = TrackingTable()
    assert table.get("nope") is ErrToken.UNKNOWN
    assert table.reply("nope") == "ERR UNKNOWN"
    assert not table.resolve("nope", 0)
    expected = {
        -1: "PENDING",
        0: "SUCCESS",
        1: "ERR UNKNOWN",
        2: "ERR INVALID-ARGUMENT",
        3: "ERR FAILED",
        4: "ERR UNKNOWN",  # a code NUT does not define
        -7: "ERR UNKNOWN",
    }
    for status, reply in expected.items():
        table.add(f"id{status}", 0.0)
        assert table.reply(f"id{status}") == "PENDING"
        assert table.resolve(f"id{status}", status)
        assert table.reply(f"id{status}") == reply
    assert len(table) == len(expected)


def test_TrackingTable_expires_after_TRACKINGDELAY_from_the_request() -> None:
    table = TrackingTable()
    table.add("old", 0.0)
    table.add("new", 50.0)
    table.resolve("old", 0)
    assert table.expire(100.0, 100.0) == []  # not *more* than 100 s yet
    assert table.expire(100.5, 100.0) == ["old"]
    assert table.get("old") is ErrToken.UNKNOWN
    assert table.get("new") == "PENDING"
    assert table.expire(151.0, 100.0) == ["new"]
    assert len(table) == 0


def test_TrackingTable_re_adding_an_id_makes_it_pending_again() -> None:
    table = TrackingTable()
    table.add("x", 0.0)
    table.resolve("x", 2)
    table.add("X", 10.0)
    assert table.get("x") == "PENDING"
    assert table.expire(105.0, 100.0) == []


def test_DriverLink_rejects_a_nonsense_maxage() -> None:
    with pytest.raises(ValueError):
        DriverLink("x", maxage=0)
