"""upssched without processes: rule matching, the wire words, the timer table.

Time is a number we pass in (a fake monotonic clock); nothing here sleeps.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerdown.config.upsschedconf import (
    AtRule,
    CancelTimer,
    Execute,
    StartTimer,
    parse_upssched_conf,
)
from powerdown.monitor.notify import NotifyType
from powerdown.monitor.upssched_timers import (
    IDLE_TIMEOUT,
    CancelRequest,
    ListRequest,
    RunScript,
    Scheduler,
    StartRequest,
    TimerTable,
    match_rules,
    parse_request,
    render_request,
)
from powerdown.protocol.words import split_line

T0 = 1000.0


def words(line: str) -> list[str]:
    return split_line(line.rstrip("\n"))


# -- matching ------------------------------------------------------------------

RULES = parse_upssched_conf(
    "CMDSCRIPT /x\nPIPEFN /p\nLOCKFN /l\n"
    "AT ONBATT * START-TIMER onbatt 30\n"
    "AT ONBATT ups1 EXECUTE ups1-on-battery\n"
    "AT ONLINE * CANCEL-TIMER onbatt\n"
    "AT ONBATT * EXECUTE any-on-battery\n"
    "AT ONBATT ups2 START-TIMER-SHARED two 5\n"
    "AT onbatt * CANCEL-TIMER-MATCHED other cmd\n",
    "/etc/nut/upssched.conf",
).rules


def test_match_rules_wildcard_and_exact_ups_in_file_order():
    assert match_rules(RULES, "ONBATT", "ups1") == [
        StartTimer(name="onbatt", interval=30),
        Execute(command="ups1-on-battery"),
        Execute(command="any-on-battery"),
        CancelTimer(name="other", cmd="cmd", matched=True),
    ]
    assert match_rules(RULES, "ONBATT", "ups2") == [
        StartTimer(name="onbatt", interval=30),
        Execute(command="any-on-battery"),
        StartTimer(name="two", interval=5, shared=True),
        CancelTimer(name="other", cmd="cmd", matched=True),
    ]


def test_match_rules_type_in_any_case_ups_exactly():
    assert match_rules(RULES, "online", "UPS1") == [CancelTimer(name="onbatt")]
    # The UPS name is compared exactly: "UPS1" is not "ups1".
    assert Execute(command="ups1-on-battery") not in match_rules(RULES, "ONBATT", "UPS1")


def test_match_rules_nothing_for_other_events():
    assert match_rules(RULES, "LOWBATT", "ups1") == []
    assert match_rules(RULES, "NOSUCHTYPE", "ups1") == []
    assert match_rules((), "ONBATT", "ups1") == []


def test_match_rules_same_rule_twice_acts_twice():
    rule = AtRule(notifytype=NotifyType.FSD, upsname="*", action=Execute(command="x"))
    assert match_rules([rule, rule], "FSD", "u") == [Execute(command="x")] * 2


# -- the wire ------------------------------------------------------------------


def test_render_request_is_NUT_HEADs_line():
    start = StartRequest(
        name="onbatt",
        interval="30",
        notifytype="ONBATT",
        upsname="ups1@h",
        notifymsg="UPS ups1@h on battery",
    )
    assert (
        render_request(start) == 'START "onbatt" "30" "ONBATT" "ups1@h" "UPS ups1@h on battery"\n'
    )
    shared = StartRequest(name="t", interval="5", shared=True)
    assert render_request(shared) == 'START-SHARED "t" "5" "" "" ""\n'
    cancel = CancelRequest(name="t", notifytype="ONLINE", upsname="u")
    assert render_request(cancel) == 'CANCEL "t" "" "ONLINE" "u" ""\n'
    matched = CancelRequest(name="t", cmd="c", matched=True)
    assert render_request(matched) == 'CANCEL-MATCHED "t" "c" "" "" ""\n'
    assert render_request(ListRequest()) == 'LIST-TIMERS "" "" "" "" ""\n'


def test_render_request_escapes_like_pconf_encode():
    req = StartRequest(name='we"ird\\#', interval="1", notifymsg="a # b")
    line = render_request(req)
    assert line == 'START "we\\"ird\\\\\\#" "1" "" "" "a \\# b"\n'
    assert parse_request(words(line)) == req


@given(
    name=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1),
    cmd=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
    msg=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
    matched=st.booleans(),
)
def test_render_then_parse_round_trips(name, cmd, msg, matched):
    req = CancelRequest(
        name=name, cmd=cmd, notifytype="ONLINE", upsname="u", notifymsg=msg, matched=matched
    )
    assert parse_request(words(render_request(req))) == req


def test_parse_request_takes_NUT_280s_short_lines():
    assert parse_request(["START", "t", "10"]) == StartRequest(name="t", interval="10")
    assert parse_request(["CANCEL", "t"]) == CancelRequest(name="t")
    assert parse_request(["CANCEL", "t", "cmd"]) == CancelRequest(name="t", cmd="cmd")


@pytest.mark.parametrize(
    "args",
    [[], ["START"], ["START", "t"], ["CANCEL"], ["STOP", "t", "1"], ["start", "t", "1"]],
)
def test_parse_request_unknown(args):
    assert parse_request(args) is None


# -- the timer table --------------------------------------------------------------


def test_TimerTable_start_and_fire_at_the_deadline():
    table = TimerTable(T0)
    assert table.start("t", 10, T0, notifytype="ONBATT", upsname="u", notifymsg="m")
    assert len(table) == 1 and table.next_deadline() == T0 + 10
    assert table.due(T0 + 9.999) == []
    [fired] = table.due(T0 + 10)
    assert fired.name == "t" and fired.deadline == T0 + 10
    assert dict(fired.env()) == {"UPSNAME": "u", "NOTIFYTYPE": "ONBATT", "NOTIFYMSG": "m"}
    assert len(table) == 0 and table.next_deadline() is None
    assert table.due(T0 + 100) == []


def test_TimerTable_zero_interval_is_due_at_once_negative_is_refused():
    table = TimerTable(T0)
    assert table.start("now", 0, T0)
    assert not table.start("past", -1, T0)  # NUT: "bogus offset for timer, ignoring"
    assert [t.name for t in table.due(T0)] == ["now"]


def test_TimerTable_same_name_again_is_an_independent_timer():
    """HEAD: each START adds a timer, even under a running name (2.8.0 did the same)."""
    table = TimerTable(T0)
    table.start("t", 10, T0, upsname="a")
    table.start("t", 10, T0 + 3, upsname="b")
    assert [(t.name, t.deadline, t.upsnames) for t in table.timers()] == [
        ("t", T0 + 10, ("a",)),
        ("t", T0 + 13, ("b",)),
    ]
    assert [t.upsnames for t in table.due(T0 + 10)] == [("a",)]
    assert [t.upsnames for t in table.due(T0 + 13)] == [("b",)]


def test_TimerTable_shared_start_joins_the_first_timer_of_that_name():
    table = TimerTable(T0)
    table.start("t", 10, T0, notifytype="COMMBAD", upsname="a", notifymsg="lost a", shared=True)
    table.start("t", 99, T0 + 5, notifytype="COMMBAD", upsname="b", notifymsg="lost b", shared=True)
    table.start("t", 99, T0 + 6, notifytype="NOCOMM", upsname="a", notifymsg="lost a", shared=True)
    [timer] = table.timers()
    assert timer.deadline == T0 + 10  # the first start's deadline stays
    assert timer.upsnames == ("a", "b")
    assert timer.notifytypes == ("COMMBAD", "NOCOMM")
    assert timer.notifymsgs == ("lost a", "lost b")
    assert dict(timer.env()) == {
        "UPSNAME": "a,b",
        "NOTIFYTYPE": "COMMBAD,NOCOMM",
        "NOTIFYMSG": "lost a.\tlost b",
    }


def test_TimerTable_shared_start_joins_a_plain_timer_too():
    table = TimerTable(T0)
    table.start("t", 10, T0, upsname="a")
    table.start("t", 10, T0 + 1, upsname="b")
    table.start("t", 10, T0 + 2, upsname="c", shared=True)
    assert [t.upsnames for t in table.timers()] == [("a", "c"), ("b",)]


def test_TimerTable_empty_values_are_not_recorded():
    table = TimerTable(T0)
    table.start("t", 1, T0)
    [timer] = table.timers()
    assert (timer.notifytypes, timer.upsnames, timer.notifymsgs) == ((), (), ())
    assert dict(timer.env()) == {}


def test_TimerTable_cancel_removes_every_timer_of_the_name():
    """HEAD: all instances go (2.8.0 removed only the first)."""
    table = TimerTable(T0)
    table.start("t", 10, T0)
    table.start("other", 10, T0)
    table.start("t", 20, T0)
    assert table.cancel("t", T0 + 1) == 2
    assert [t.name for t in table.timers()] == ["other"]
    assert table.cancel("t", T0 + 1) == 0
    assert table.cancel("nosuch", T0 + 1) == 0


def test_TimerTable_cancel_matched_needs_the_callers_type_and_ups():
    table = TimerTable(T0)
    table.start("t", 10, T0, notifytype="ONBATT", upsname="a")
    table.start("t", 10, T0, notifytype="ONBATT", upsname="b")
    table.start("t", 10, T0, notifytype="LOWBATT", upsname="a")
    assert table.cancel("t", T0, matched=True, notifytype="ONBATT", upsname="a") == 1
    assert [(t.notifytypes, t.upsnames) for t in table.timers()] == [
        (("ONBATT",), ("b",)),
        (("LOWBATT",), ("a",)),
    ]
    # Only the UPS given: any type of that UPS goes.
    assert table.cancel("t", T0, matched=True, upsname="a") == 1
    # Nothing given: no constraint, as a plain CANCEL.
    assert table.cancel("t", T0, matched=True) == 1
    assert len(table) == 0


def test_TimerTable_due_order_is_deadline_then_start_order():
    table = TimerTable(T0)
    table.start("late", 5, T0)
    table.start("early", 2, T0)
    table.start("tie-a", 3, T0)
    table.start("tie-b", 3, T0)
    table.start("early2", 1, T0 + 1)  # also due at T0 + 2, started after "early"
    fired = table.due(T0 + 10)
    assert [t.name for t in fired] == ["early", "early2", "tie-a", "tie-b", "late"]


def test_TimerTable_many_timers():
    table = TimerTable(T0)
    for i in range(1000):
        table.start(f"t{i}", (i * 7919) % 1000, T0)
    assert table.next_deadline() == T0
    seen = []
    for step in range(0, 1001, 10):
        seen += [t.name for t in table.due(T0 + step)]
    assert sorted(seen, key=lambda n: int(n[1:])) == [f"t{i}" for i in range(1000)]
    assert seen == sorted(seen, key=lambda n: (((int(n[1:]) * 7919) % 1000), int(n[1:])))
    assert len(table) == 0


def test_TimerTable_idle_counts_from_the_last_timer_gone():
    table = TimerTable(T0)
    assert table.idle_deadline() == T0 + IDLE_TIMEOUT == T0 + 15
    assert not table.idle(T0 + 14.9) and table.idle(T0 + 15)
    table.start("t", 10, T0 + 5)
    assert table.idle_deadline() is None and not table.idle(T0 + 100)
    table.due(T0 + 15)
    assert table.idle_deadline() == T0 + 15 + IDLE_TIMEOUT
    table.start("u", 10, T0 + 20)
    table.cancel("u", T0 + 21)
    assert not table.idle(T0 + 35.9) and table.idle(T0 + 36)
    assert table.idle(T0 + 22, timeout=1)


def test_TimerTable_cancel_of_nothing_does_not_reset_idle():
    table = TimerTable(T0)
    table.cancel("nosuch", T0 + 10)
    assert table.idle(T0 + 15)


# -- the daemon's answers ---------------------------------------------------------


def test_Scheduler_start_cancel_and_fire():
    brain = Scheduler(T0)
    reply = brain.handle(words('START "t" "2" "ONBATT" "ups1" "on battery"'), T0, 5000.0)
    assert reply.lines == ("OK\n",) and reply.runs == ()
    assert brain.wake_at() == T0 + 2
    assert brain.tick(T0 + 1.9) == []
    assert brain.tick(T0 + 2) == [
        RunScript(
            arg="t", env={"UPSNAME": "ups1", "NOTIFYTYPE": "ONBATT", "NOTIFYMSG": "on battery"}
        )
    ]
    assert brain.wake_at() == T0 + 2 + IDLE_TIMEOUT
    assert not brain.should_exit(T0 + 16.9) and brain.should_exit(T0 + 17)


def test_Scheduler_cancel_with_command_runs_it_only_when_nothing_was_cancelled():
    brain = Scheduler(T0)
    brain.handle(["START", "t", "5"], T0, 0)
    reply = brain.handle(["CANCEL", "t", "was-running"], T0 + 1, 0)
    assert reply.lines == ("OK\n",) and reply.runs == ()
    reply = brain.handle(["CANCEL", "t", "was-gone"], T0 + 1, 0)
    assert reply.lines == ("OK\n",)
    assert reply.runs == (RunScript(arg="was-gone"),)
    assert dict(reply.runs[0].env) == {}  # no event variables for a cancel command
    assert brain.handle(["CANCEL", "t"], T0 + 1, 0) == brain.handle(["CANCEL", "t", ""], T0 + 1, 0)
    assert brain.handle(["CANCEL", "t"], T0 + 1, 0).runs == ()


def test_Scheduler_takes_strtol_intervals_like_NUT():
    brain = Scheduler(T0)
    brain.handle(["START", "a", "10s"], T0, 0)  # strtol stops at the "s"
    brain.handle(["START", "b", "junk"], T0, 0)  # no digits: 0
    reply = brain.handle(["START", "c", "-3"], T0, 0)  # negative: ignored, still OK
    assert reply.lines == ("OK\n",) and "bogus offset for timer, ignoring" in reply.notes
    assert [(t.name, t.deadline) for t in brain.table.timers()] == [("a", T0 + 10), ("b", T0)]


def test_Scheduler_unknown_request_is_ERR_UNKNOWN():
    brain = Scheduler(T0)
    reply = brain.handle(["HELLO", "there"], T0, 0)
    assert reply.lines == ("ERR UNKNOWN\n",)
    assert reply.notes == ("Unknown command on socket: HELLO there",)


def test_Scheduler_lists_timers_as_NUT_HEAD_does():
    brain = Scheduler(T0)
    brain.handle(words('START "t" "30" "ONBATT" "ups1" "m1"'), T0, 0)
    brain.handle(words('START-SHARED "t" "30" "ONBATT" "ups2" "m2"'), T0 + 1, 0)
    brain.handle(words('START "bare" "5"'), T0 + 2, 0)
    reply = brain.handle(words('LIST-TIMERS "" "" "" "" ""'), T0 + 2.5, 1_700_000_000.0)
    assert reply.lines == (
        "BEGIN LIST TIMERS\n",
        "t\t1700000027\t27.5\tONBATT\tups1,ups2\tm1.\tm2\n",
        'bare\t1700000004\t4.5\t""\t""\t""\n',
        "END LIST TIMERS\n",
        "OK\n",
    )
    empty = Scheduler(T0).handle(["LIST-TIMERS"], T0, 0)
    assert empty.lines == ("BEGIN LIST TIMERS\n", "END LIST TIMERS\n", "OK\n")


def test_Scheduler_idle_timeout_is_adjustable():
    brain = Scheduler(T0, idle_timeout=0.5)
    assert brain.wake_at() == T0 + 0.5
    assert brain.should_exit(T0 + 0.5)


def test_Scheduler_cancel_matched_goes_by_the_UPS_alone():
    """upssched.conf(5)'s example: ``AT ONLINE * CANCEL-TIMER-MATCHED onbattwarn``
    cancels the timer ONBATT started for that UPS, though the types differ."""
    brain = Scheduler(T0)
    brain.handle(words('START "onbattwarn" "30" "ONBATT" "ups1" ""'), T0, 0)
    brain.handle(words('START "onbattwarn" "30" "ONBATT" "ups2" ""'), T0, 0)
    reply = brain.handle(words('CANCEL-MATCHED "onbattwarn" "gone" "ONLINE" "ups1" ""'), T0, 0)
    assert reply.runs == ()
    assert [t.upsnames for t in brain.table.timers()] == [("ups2",)]
    # Nothing of that UPS left: the command runs, as for CANCEL.
    reply = brain.handle(words('CANCEL-MATCHED "onbattwarn" "gone" "ONLINE" "ups1" ""'), T0, 0)
    assert reply.runs == (RunScript(arg="gone"),)


def test_Scheduler_a_request_keeps_an_idle_daemon_a_while_longer():
    brain = Scheduler(T0, idle_timeout=1.0)
    brain.handle(["CANCEL", "nosuch"], T0 + 0.9, 0)  # starts nothing, but someone is there
    assert not brain.should_exit(T0 + 1.5)
    assert brain.wake_at() == T0 + 1.9
    assert brain.should_exit(T0 + 1.9)
