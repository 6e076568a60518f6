"""upsmon's decisions (powerdown.monitor.policy) against NUT's upsmon, on a fake clock.

Each test is a timeline: answers and failed polls for named UPSes at given
seconds, ``tick`` after them as upsmon's main loop calls ``recalc``, and the
notify events, logs and shutdown steps that come out. What is asserted is
what NUT documents (upsmon(8), upsmon.conf(5)) or what its
``clients/upsmon.c`` (HEAD) does. Where policy.py does otherwise, the test
states NUT's behaviour and is marked ``xfail(strict=True)`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from powerdown.monitor.notify import NotifyType as N
from powerdown.monitor.policy import (
    LOG_CRIT,
    LOG_INFO,
    LOG_WARNING,
    Action,
    CallShutdown,
    CountLogins,
    Exit,
    KeepAlive,
    Log,
    Notify,
    Phase,
    SetFsd,
    Settings,
    Supply,
    Upsmon,
    Wall,
)

T0 = 1000.0  # what the monotonic clock reads when upsmon starts

SHUTDOWN_TEXT = "Executing automatic power-fail shutdown"
# doshutdown(): the log line, upsmon's own wall, then the SHUTDOWN notify event.
ANNOUNCE = [
    Log(level=LOG_CRIT, message=SHUTDOWN_TEXT),
    Wall(text=SHUTDOWN_TEXT),
    Notify(ntype=N.SHUTDOWN),
]


def P(name: str, pv: int = 1) -> Supply:
    """A MONITOR line as primary."""
    return Supply(name=name, powervalue=pv, primary=True)


def S(name: str, pv: int = 1) -> Supply:
    """A MONITOR line as secondary."""
    return Supply(name=name, powervalue=pv, primary=False)


def notified(actions: Iterable[Action]) -> list[tuple[N, str | None]]:
    return [(a.ntype, a.ups) for a in actions if isinstance(a, Notify)]


def messages(actions: Iterable[Action]) -> list[str]:
    return [a.message for a in actions if isinstance(a, Log)]


def without_logs(actions: Iterable[Action]) -> list[Action]:
    return [a for a in actions if not isinstance(a, Log)]


class Run:
    """One upsmon and a fake clock; ``t`` is seconds since upsmon started."""

    def __init__(self, *supplies: Supply, **settings: Any) -> None:
        self.m = Upsmon(settings=Settings(**settings), supplies=list(supplies))
        self.t = 0.0
        self.actions: list[Action] = []

    @property
    def now(self) -> float:
        return T0 + self.t

    def at(self, t: float) -> Run:
        assert t >= self.t, "the clock only goes forward"
        self.t = t
        return self

    def advance(self, dt: float) -> Run:
        return self.at(self.t + dt)

    def _keep(self, out: list[Action]) -> list[Action]:
        self.actions.extend(out)
        return out

    def feed(self, ups: str, status: str, alarm: str | None = None) -> list[Action]:
        return self._keep(self.m.status(ups, self.now, status, alarm=alarm))

    def lose(self, ups: str) -> list[Action]:
        return self._keep(self.m.gone(ups, self.now))

    def tick(self) -> list[Action]:
        return self._keep(self.m.tick(self.now))

    def logins(self, n: int) -> list[Action]:
        return self._keep(self.m.logins(self.now, n))

    def notified(self) -> list[tuple[N, str | None]]:
        return notified(self.actions)

    def critical(self) -> list[str]:
        return self.m.critical(self.now)

    def phase(self) -> Phase:
        return self.m.phase

    @property
    def shutting_down(self) -> bool:
        return self.m.phase is not Phase.MONITORING


def primary_in_sync(**settings: Any) -> Run:
    """A primary whose only UPS went OB LB: FSD asked for, logins being counted."""
    r = Run(P("a"), **settings)
    r.feed("a", "OB LB")
    out = r.tick()
    assert without_logs(out) == [SetFsd(ups="a"), CountLogins()]
    assert r.phase() is Phase.SYNC_SECONDARIES
    return r


def secondary_in_final_delay(**settings: Any) -> Run:
    """A secondary that saw FSD: SHUTDOWN announced, FINALDELAY running."""
    r = Run(S("u"), **settings)
    r.feed("u", "FSD OB LB")
    assert r.tick()[-3:] == ANNOUNCE
    assert r.phase() is Phase.FINAL_DELAY
    return r


# ---------------------------------------------------------------------------
# Line power and communications: what each answer announces


U = "u"
LINE_CASES: dict[str, list[tuple[str | None, list[N]]]] = {
    # (answer or None for a failed poll, notify events it gives), 5 s apart
    "first-OL-is-silent": [("OL", [])],
    "first-OB-says-ONBATT": [("OB", [N.ONBATT])],
    "OL-OB-OL": [("OL", []), ("OB", [N.ONBATT]), ("OL", [N.ONLINE])],
    "OB-then-OL": [("OB", [N.ONBATT]), ("OL", [N.ONLINE])],
    "OB-stays-OB": [("OB", [N.ONBATT]), ("OB", []), ("OB DISCHRG", [])],
    "OB-LB-at-once": [("OB LB", [N.ONBATT, N.LOWBATT])],
    "LOWBATT-once-per-LB-edge": [
        ("OL", []),
        ("OB", [N.ONBATT]),
        ("OB LB", [N.LOWBATT]),
        ("OB LB", []),
        ("OB", []),
        ("OB LB", [N.LOWBATT]),
    ],
    "COMMBAD-before-any-answer": [(None, [N.COMMBAD])],
    "first-answer-after-COMMBAD-is-COMMOK": [(None, [N.COMMBAD]), ("OL", [N.COMMOK])],
    "COMMBAD-once-then-COMMOK": [
        ("OL", []),
        (None, [N.COMMBAD]),
        (None, []),
        ("OL", [N.COMMOK]),
        ("OL", []),
    ],
    "lost-on-battery-back-on-line": [
        ("OB", [N.ONBATT]),
        (None, [N.COMMBAD]),
        ("OL", [N.COMMOK, N.ONLINE]),
    ],
    "empty-status-is-a-failed-poll": [("OL", []), ("", [N.COMMBAD]), ("OL", [N.COMMOK])],
    "HB-CHRG-DISCHRG-are-silent": [
        ("OL CHRG", []),
        ("OL HB", []),
        ("OB DISCHRG", [N.ONBATT]),
        ("OL CHRG HB", [N.ONLINE]),
    ],
    "words-are-case-insensitive": [("ol", []), ("Ob", [N.ONBATT]), ("oL", [N.ONLINE])],
    "lb-in-lower-case": [("OB", [N.ONBATT]), ("OB lb", [N.LOWBATT])],
}


@pytest.mark.parametrize("steps", list(LINE_CASES.values()), ids=list(LINE_CASES))
def test_Upsmon_announces_line_and_communication_changes(
    steps: list[tuple[str | None, list[N]]],
) -> None:
    r = Run(S(U, 0), minsupplies=0)
    for i, (answer, expected) in enumerate(steps):
        r.at(5.0 * i)
        out = r.lose(U) if answer is None else r.feed(U, answer)
        assert notified(out) == [(n, U) for n in expected], f"step {i}: {answer!r}"


def test_Upsmon_one_answer_says_COMMOK_then_ended_states_then_new_words_in_order() -> None:
    """parse_status: ups_is_alive, the NOT* clears, then each word as written."""
    r = Run(S(U, 0), minsupplies=0)
    assert notified(r.feed(U, "OL CAL TRIM")) == [(N.CAL, U), (N.TRIM, U)]
    r.at(5)
    assert notified(r.lose(U)) == [(N.COMMBAD, U)]
    r.at(10)
    assert notified(r.feed(U, "OB LB BOOST")) == [
        (N.COMMOK, U),
        (N.NOTCAL, U),
        (N.NOTTRIM, U),
        (N.ONBATT, U),
        (N.LOWBATT, U),
        (N.BOOST, U),
    ]


def test_Upsmon_NOCOMM_after_NOCOMMWARNTIME_without_answer_then_every_NOCOMMWARNTIME() -> None:
    r = Run(S(U, 0), minsupplies=0, nocommwarntime=300)
    r.feed(U, "OL")
    r.at(5)
    assert notified(r.lose(U)) == [(N.COMMBAD, U)]
    for t in (10, 100, 299.9):
        r.at(t)
        assert r.lose(U) == []
    r.at(300)  # ups_is_gone: quiet only while less than NOCOMMWARNTIME has passed
    assert notified(r.lose(U)) == [(N.NOCOMM, U)]
    for t in (305, 600):  # then again only once more than NOCOMMWARNTIME has passed
        r.at(t)
        assert r.lose(U) == []
    r.at(600.5)
    assert notified(r.lose(U)) == [(N.NOCOMM, U)]
    r.at(700)
    assert r.lose(U) == []
    r.at(710)
    assert notified(r.feed(U, "OL")) == [(N.COMMOK, U)]


def test_Upsmon_a_UPS_never_heard_from_is_NOCOMM_at_the_second_failed_poll() -> None:
    """NUT starts lastpoll at 0 (the epoch): no answer yet is as old as can be."""
    r = Run(S(U, 0), minsupplies=0, nocommwarntime=300)
    assert notified(r.lose(U)) == [(N.COMMBAD, U)]
    r.at(5)
    assert notified(r.lose(U)) == [(N.NOCOMM, U)]
    r.at(10)
    assert r.lose(U) == []


def test_Upsmon_dropped_session_gives_COMMOK_on_the_next_answer_and_no_COMMBAD() -> None:
    """drop_connection sets commstate 0 itself, so a later failure is no new COMMBAD."""
    r = Run(S(U, 0), minsupplies=0)
    r.feed(U, "OL")
    r.m.dropped(U)
    r.at(5)
    assert r.lose(U) == []
    r.at(10)
    assert notified(r.feed(U, "OL")) == [(N.COMMOK, U)]


# ---------------------------------------------------------------------------
# The other status words


def test_Upsmon_REPLBATT_at_once_then_only_after_RBWARNTIME() -> None:
    r = Run(S(U, 0), minsupplies=0, rbwarntime=100)
    assert notified(r.feed(U, "OL RB")) == [(N.REPLBATT, U)]
    for t in (5, 50, 100):  # upsreplbatt: now - lastrbwarn > rbwarntime
        r.at(t)
        assert r.feed(U, "OL RB") == []
    r.at(100.5)
    assert notified(r.feed(U, "OL RB")) == [(N.REPLBATT, U)]
    r.at(105)
    assert r.feed(U, "OL") == []  # there is no NOTREPLBATT
    r.at(110)
    assert r.feed(U, "OL RB") == []


PAIRS = [
    ("CAL", N.CAL, N.NOTCAL),
    ("OFF", N.OFF, N.NOTOFF),
    ("BYPASS", N.BYPASS, N.NOTBYPASS),
    ("ECO", N.ECO, N.NOTECO),
    ("TRIM", N.TRIM, N.NOTTRIM),
    ("BOOST", N.BOOST, N.NOTBOOST),
    ("OVER", N.OVER, N.NOTOVER),
]


@pytest.mark.parametrize(("word", "on", "off"), PAIRS, ids=[p[0] for p in PAIRS])
def test_Upsmon_state_words_notify_on_each_edge(word: str, on: N, off: N) -> None:
    r = Run(S(U, 0), minsupplies=0)
    # Unlike ONLINE, these are announced on the very first answer too.
    assert notified(r.feed(U, f"OL {word}")) == [(on, U)]
    r.at(5)
    assert r.feed(U, f"OL {word}") == []
    r.at(10)
    assert notified(r.feed(U, "OL")) == [(off, U)]
    r.at(15)
    assert r.feed(U, "OL") == []
    r.at(20)
    assert notified(r.feed(U, f"{word} OL")) == [(on, U)]


@pytest.mark.parametrize(("word", "on", "off"), PAIRS, ids=[p[0] for p in PAIRS])
def test_Upsmon_state_words_are_matched_case_insensitively(word: str, on: N, off: N) -> None:
    r = Run(S(U, 0), minsupplies=0)
    assert notified(r.feed(U, f"ol {word.lower()}")) == [(on, U)]


def test_Upsmon_ALARM_carries_ups_alarm_and_a_new_text_is_a_new_ALARM() -> None:
    r = Run(S(U, 0), minsupplies=0)
    assert r.feed(U, "OL ALARM", alarm="Replace battery!") == [
        Notify(ntype=N.ALARM, ups=U, extra="Replace battery!")
    ]
    r.at(5)
    assert r.feed(U, "OL ALARM", alarm="Replace battery!") == []
    r.at(10)  # ups.alarm unreadable while still ALARM: nothing new
    assert r.feed(U, "OL ALARM") == []
    r.at(15)
    assert r.feed(U, "ALARM OL", alarm="Fan failure") == [
        Notify(ntype=N.ALARM, ups=U, extra="Fan failure")
    ]
    r.at(20)
    assert r.feed(U, "OL") == [Notify(ntype=N.NOTALARM, ups=U)]
    r.at(25)
    assert r.feed(U, "OL") == []


def test_Upsmon_ALARM_without_a_readable_ups_alarm_says_n_a() -> None:
    r = Run(S(U, 0), minsupplies=0)
    assert r.feed(U, "OL ALARM") == [Notify(ntype=N.ALARM, ups=U, extra="n/a")]
    r.at(5)
    assert r.feed(U, "OL ALARM") == []
    r.at(10)
    assert r.feed(U, "OL ALARM", alarm="Overheat") == [
        Notify(ntype=N.ALARM, ups=U, extra="Overheat")
    ]


def test_Upsmon_OTHER_lists_unknown_words_in_order_and_follows_their_changes() -> None:
    r = Run(S(U, 0), minsupplies=0)
    steps: list[tuple[str, list[Action]]] = [
        ("OL FOO BAR", [Notify(ntype=N.OTHER, ups=U, extra="FOO BAR")]),
        ("OL FOO BAR", []),
        ("BAR OL FOO", []),  # the same words in another order: nothing appeared or went
        ("OL FOO", [Notify(ntype=N.OTHER, ups=U, extra="FOO")]),
        ("OL FOO BAZ", [Notify(ntype=N.OTHER, ups=U, extra="FOO BAZ")]),
        ("OL CHRG", [Notify(ntype=N.NOTOTHER, ups=U)]),
        ("OL", []),
    ]
    for i, (answer, expected) in enumerate(steps):
        r.at(5.0 * i)
        assert r.feed(U, answer) == expected, f"step {i}: {answer!r}"


# ---------------------------------------------------------------------------
# FSD


def test_Upsmon_FSD_in_status_is_announced_once_and_again_after_it_went_away() -> None:
    r = Run(S("far", 0), P("home"))  # power value 0: no shutdown to get in the way
    r.feed("home", "OL")
    assert notified(r.feed("far", "FSD OL")) == [(N.FSD, "far")]
    r.at(5)
    assert r.feed("far", "FSD OL") == []
    assert without_logs(r.tick()) == []
    r.at(10)
    assert r.feed("far", "OL") == []
    r.at(15)
    assert notified(r.feed("far", "OL FSD")) == [(N.FSD, "far")]
    assert not r.shutting_down


def test_Upsmon_secondary_seeing_FSD_shuts_down_at_the_next_tick_then_after_FINALDELAY() -> None:
    r = Run(S(U), finaldelay=5)
    r.feed(U, "OL")
    assert r.tick() == []
    r.at(5)
    assert notified(r.feed(U, "FSD OL")) == [(N.FSD, U)]
    assert not r.shutting_down  # deciding is tick's job
    out = r.tick()
    assert messages(out)[-2:] == [
        "Too few UPS(es) are healthy (0<1), initiating forced shutdown",
        SHUTDOWN_TEXT,
    ]
    assert out[-3:] == ANNOUNCE
    assert not any(isinstance(a, (SetFsd, CountLogins)) for a in out)
    assert r.phase() is Phase.FINAL_DELAY
    assert r.m.next_wakeup(r.now) == T0 + 10
    r.at(9.999)
    assert r.tick() == []
    r.at(10)  # doshutdown waits while less than FINALDELAY has passed
    assert r.tick() == [CallShutdown(), Exit()]
    assert r.phase() is Phase.EXITED
    r.at(20)
    assert r.tick() == []
    assert r.actions.count(CallShutdown()) == 1


def test_Upsmon_FINALDELAY_0_calls_SHUTDOWNCMD_without_waiting() -> None:
    r = secondary_in_final_delay(finaldelay=0)
    assert r.m.next_wakeup(r.now) == r.now
    assert r.tick() == [CallShutdown(), Exit()]


def test_Upsmon_primary_on_OB_LB_sets_FSD_on_its_primary_UPSes_only_then_counts_logins() -> None:
    r = Run(P("a"), P("b", 0), S("c", 0))
    r.feed("a", "OB LB")
    r.feed("b", "OL")
    r.feed("c", "OL")
    out = r.tick()
    assert without_logs(out) == [SetFsd(ups="a"), SetFsd(ups="b"), CountLogins()]
    assert "Too few UPS(es) are healthy (0<1), initiating forced shutdown" in messages(out)
    assert r.phase() is Phase.SYNC_SECONDARIES
    assert r.m.next_wakeup(r.now) == r.now


def test_Upsmon_FSD_we_set_is_announced_once() -> None:
    r = primary_in_sync()
    assert r.m.fsd_result("a", r.now, ok=True) == [Notify(ntype=N.FSD, ups="a")]
    assert r.m.fsd_result("a", r.now, ok=True) == []
    r.advance(0.1)
    assert r.feed("a", "FSD OB LB") == []


def test_Upsmon_FSD_refused_by_upsd_is_not_announced() -> None:
    r = primary_in_sync()
    assert r.m.fsd_result("a", r.now, ok=False) == []
    assert r.m.fsd_result("a", r.now, ok=True) == [Notify(ntype=N.FSD, ups="a")]


def test_Upsmon_latched_FSD_seen_at_start_is_not_announced_again_when_ours_is_confirmed() -> None:
    r = Run(P("a"))
    assert notified(r.feed("a", "FSD OL")) == [(N.FSD, "a")]
    assert without_logs(r.tick()) == [SetFsd(ups="a"), CountLogins()]
    assert r.m.fsd_result("a", r.now, ok=True) == []


def test_Upsmon_primary_alone_on_upsd_shuts_down_at_once() -> None:
    r = primary_in_sync()
    assert r.logins(1) == ANNOUNCE
    assert r.phase() is Phase.FINAL_DELAY
    assert (N.SHUTDOWN_HOSTSYNC, None) not in r.notified()


def test_Upsmon_primary_with_no_login_count_at_all_shuts_down_at_once() -> None:
    r = primary_in_sync()
    assert r.logins(0) == ANNOUNCE


def test_Upsmon_primary_waits_for_secondaries_counting_logins_every_quarter_second() -> None:
    r = primary_in_sync()
    start = r.t
    assert r.logins(3) == [Notify(ntype=N.SHUTDOWN_HOSTSYNC)]
    assert r.m.next_wakeup(r.now) == T0 + start + 0.25
    r.at(start + 0.1)
    assert r.tick() == []
    r.at(start + 0.25)
    assert r.tick() == [CountLogins()]
    assert r.logins(2) == []  # SHUTDOWN_HOSTSYNC only on the first round
    r.at(start + 0.5)
    assert r.tick() == [CountLogins()]
    assert r.logins(1) == ANNOUNCE
    assert r.phase() is Phase.FINAL_DELAY
    assert r.notified().count((N.SHUTDOWN_HOSTSYNC, None)) == 1


def test_Upsmon_primary_gives_up_on_a_stuck_secondary_once_more_than_HOSTSYNC_has_passed() -> None:
    r = primary_in_sync(hostsync=15)
    start = r.t
    for k in range(61):  # rounds at 0, 0.25 ... 15.0 s: not yet (sync_secondaries: > hostsync)
        r.at(start + 0.25 * k)
        if k:
            assert r.tick() == [CountLogins()]
        out = r.logins(3)
        assert out == ([Notify(ntype=N.SHUTDOWN_HOSTSYNC)] if k == 0 else []), k
        assert r.phase() is Phase.SYNC_SECONDARIES
    r.at(start + 15.25)
    assert r.tick() == [CountLogins()]
    assert r.logins(3) == [
        Log(level=LOG_INFO, message="Host sync timer expired, forcing shutdown"),
        *ANNOUNCE,
    ]
    assert r.phase() is Phase.FINAL_DELAY


def test_Upsmon_power_back_during_HOSTSYNC_or_FINALDELAY_does_not_stop_the_shutdown() -> None:
    """upsmon(8): once FSD is raised we go all the way; NUT no longer polls by then."""
    r = primary_in_sync(finaldelay=5)
    assert r.logins(3) == [Notify(ntype=N.SHUTDOWN_HOSTSYNC)]
    r.advance(0.25)
    assert r.feed("a", "OL") == []
    assert r.tick() == [CountLogins()]
    assert r.phase() is Phase.SYNC_SECONDARIES
    assert r.logins(1) == ANNOUNCE
    final = r.t + 5
    r.advance(1)
    assert r.feed("a", "OL") == []
    assert r.lose("a") == []
    assert r.tick() == []
    assert r.phase() is Phase.FINAL_DELAY
    r.at(final)
    assert r.tick() == [CallShutdown(), Exit()]


# ---------------------------------------------------------------------------
# Secondaries and HOSTSYNC


def test_Upsmon_secondary_gives_up_on_the_primary_HOSTSYNC_after_last_noncritical_poll() -> None:
    r = Run(S(U), hostsync=15)
    r.feed(U, "OL")
    r.tick()
    r.at(5)  # the first OB LB answer still counts as not critical (word by word)
    assert notified(r.feed(U, "OB LB")) == [(N.ONBATT, U), (N.LOWBATT, U)]
    for t in (5, 10, 15, 20):  # is_ups_critical: now - lastnoncrit > hostsync
        r.at(t)
        r.feed(U, "OB LB")
        assert r.tick() == []
        assert r.critical() == []
    r.at(20.5)
    r.feed(U, "OB LB")
    out = r.tick()
    assert any(m.startswith("Giving up on the primary for UPS [u] after") for m in messages(out))
    assert out[-3:] == ANNOUNCE
    assert not any(isinstance(a, SetFsd) for a in out)


def test_Upsmon_secondary_counts_HOSTSYNC_from_an_OL_LB_answer_before_OB_LB() -> None:
    """update_crittimer runs after each word: "OB" on an LB UPS is already critical."""
    r = Run(S(U), hostsync=15)
    r.feed(U, "OL LB")
    r.at(10)
    r.feed(U, "OB LB")
    assert r.tick() == []
    r.at(15)
    assert r.tick() == []
    r.at(15.5)
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_secondary_OB_LB_that_clears_within_HOSTSYNC_does_not_shut_down() -> None:
    r = Run(S(U), hostsync=15)
    r.feed(U, "OL")
    for t in (5, 10, 15):
        r.at(t)
        r.feed(U, "OB LB")
        assert r.tick() == []
    r.at(18)
    assert notified(r.feed(U, "OL")) == [(N.ONLINE, U)]
    for t in (18, 25, 60, 600):
        r.at(t)
        r.feed(U, "OL")
        assert r.tick() == []
    assert not r.shutting_down


def test_Upsmon_secondary_OB_LB_then_FSD_from_the_primary_shuts_down_at_once() -> None:
    r = Run(S(U), hostsync=15)
    r.feed(U, "OB LB")
    assert r.tick() == []
    r.at(2)
    assert notified(r.feed(U, "FSD OB LB")) == [(N.FSD, U)]
    assert r.tick()[-3:] == ANNOUNCE


# ---------------------------------------------------------------------------
# Power values and MINSUPPLIES


def test_Upsmon_MINSUPPLIES_2_of_three_survives_one_critical_UPS_but_not_two() -> None:
    r = Run(P("a"), P("b"), P("c"), minsupplies=2)
    for name in "abc":
        r.feed(name, "OL")
    assert r.tick() == []
    assert r.m.power_value(r.now) == 3
    r.at(5)
    r.feed("a", "OB LB")
    assert r.m.power_value(r.now) == 2
    assert r.critical() == ["a"]
    r.tick()
    assert not r.shutting_down
    r.at(10)
    r.feed("b", "OB LB")
    assert r.m.power_value(r.now) == 1
    out = r.tick()
    assert "Too few UPS(es) are healthy (1<2), initiating forced shutdown" in messages(out)
    assert without_logs(out) == [SetFsd(ups="a"), SetFsd(ups="b"), SetFsd(ups="c"), CountLogins()]


def test_Upsmon_HP_NetServer_beta_critical_keeps_running_and_counts_again_when_back() -> None:
    """upsmon(8) REDUNDANT POWER SUPPLIES: alpha pv 2, beta pv 1, MINSUPPLIES 2."""
    r = Run(P("alpha", 2), P("beta", 1), minsupplies=2)
    r.feed("alpha", "OL")
    r.feed("beta", "OL")
    r.tick()
    assert r.m.power_value(r.now) == 3
    r.at(5)
    r.feed("beta", "OB")
    assert r.m.power_value(r.now) == 3  # on battery still supplies power
    r.feed("beta", "OB LB")
    assert r.m.power_value(r.now) == 2
    r.tick()
    assert not r.shutting_down
    r.at(10)
    r.feed("beta", "OL")
    r.tick()
    assert r.m.power_value(r.now) == 3
    assert not r.shutting_down


def test_Upsmon_HP_NetServer_alpha_critical_shuts_down() -> None:
    r = Run(P("alpha", 2), P("beta", 1), minsupplies=2)
    r.feed("alpha", "OL")
    r.feed("beta", "OL")
    r.tick()
    r.at(5)
    r.feed("alpha", "OB")
    r.tick()
    assert not r.shutting_down
    r.at(10)
    r.feed("alpha", "OB LB")
    assert r.m.power_value(r.now) == 1
    out = r.tick()
    assert "Too few UPS(es) are healthy (1<2), initiating forced shutdown" in messages(out)
    assert r.phase() is Phase.SYNC_SECONDARIES


@pytest.mark.parametrize("status", ["OB LB", "FSD OB LB", "FSD OL"])
@pytest.mark.parametrize("primary", [True, False], ids=["primary", "secondary"])
def test_Upsmon_a_power_value_0_UPS_never_causes_a_shutdown(status: str, primary: bool) -> None:
    r = Run(Supply(name="far", powervalue=0, primary=primary), P("home"))
    r.feed("home", "OL")
    r.feed("far", status)
    r.tick()
    for t in (5, 30, 100):  # past HOSTSYNC and DEADTIME too
        r.at(t)
        r.feed("home", "OL")
        r.lose("far")
        r.tick()
    assert not r.shutting_down
    assert not any(isinstance(a, (SetFsd, CountLogins, CallShutdown)) for a in r.actions)
    assert r.m.power_value(r.now) == 1


def test_Upsmon_monitoring_only_instance_with_MINSUPPLIES_0_never_shuts_down() -> None:
    r = Run(S("x", 0), P("y", 0), minsupplies=0)
    r.feed("x", "FSD OB LB")
    r.feed("y", "OB LB")
    r.tick()
    r.at(1000)
    r.lose("x")
    r.lose("y")
    r.tick()
    assert not r.shutting_down
    assert not any(isinstance(a, SetFsd) for a in r.actions)


# ---------------------------------------------------------------------------
# Dead UPSes (DEADTIME)


def test_Upsmon_primary_UPS_last_seen_OB_is_dead_once_more_than_DEADTIME_has_passed() -> None:
    r = Run(P(U), deadtime=15)
    r.feed(U, "OB")
    r.tick()
    for t in (5, 10, 15):  # recalc: now - lastpoll > deadtime
        r.at(t)
        r.lose(U)
        assert r.tick() == []
    r.at(15.5)
    r.lose(U)
    out = r.tick()
    assert without_logs(out) == [SetFsd(ups=U), CountLogins()]


def test_Upsmon_secondary_dead_UPS_also_waits_HOSTSYNC_since_its_last_good_poll() -> None:
    r = Run(S(U), deadtime=5, hostsync=15)
    r.feed(U, "OL")
    r.at(2)
    r.feed(U, "OB")
    r.tick()
    r.at(7.5)  # promoted to LB, but the primary still has time to raise FSD
    r.lose(U)
    r.tick()
    assert not r.shutting_down
    assert r.critical() == []
    r.at(17)
    r.lose(U)
    assert r.tick() == []
    r.at(17.5)
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_UPS_last_seen_OL_is_never_critical_however_long_it_is_silent() -> None:
    r = Run(P(U), deadtime=15)
    r.feed(U, "OL")
    for t in (5, 16, 100, 10_000, 1_000_000):
        r.at(t)
        r.lose(U)
        r.tick()
        assert r.critical() == []
    assert not r.shutting_down


def test_Upsmon_UPS_never_heard_from_is_not_critical() -> None:
    """recalc: a UPS we never heard from is assumed on line."""
    r = Run(P(U), deadtime=15)
    for t in (0, 5, 100, 10_000):
        r.at(t)
        r.lose(U)
        r.tick()
    assert not r.shutting_down


def test_Upsmon_upsd_back_with_OL_before_DEADTIME_is_no_shutdown() -> None:
    r = Run(P(U), deadtime=15)
    r.feed(U, "OB")
    r.tick()
    for t in (5, 10):
        r.at(t)
        r.lose(U)
        r.tick()
    r.at(14)
    assert notified(r.feed(U, "OL")) == [(N.COMMOK, U), (N.ONLINE, U)]
    for t in (14, 30, 100):
        r.at(t)
        r.tick()
    assert not r.shutting_down


def test_Upsmon_dead_UPS_that_answers_OB_again_is_no_longer_low() -> None:
    r = Run(P(U), P("v"), deadtime=15, minsupplies=1)
    r.feed("v", "OL")
    r.feed(U, "OB")
    r.at(20)
    r.lose(U)
    r.tick()  # promoted: critical, but "v" still carries the load
    assert r.critical() == [U]
    r.at(25)
    r.feed(U, "OB")
    assert r.critical() == []


# ---------------------------------------------------------------------------
# States NUT treats as volatile when the UPS stops answering


VOLATILE = [
    # (last answer, settings, critical while answering, critical after one failed poll)
    pytest.param("OL ALARM", {"alarmcritical": True}, False, True, id="ALARM-ALARMCRITICAL-1"),
    pytest.param("OL ALARM", {"alarmcritical": False}, False, False, id="ALARM-ALARMCRITICAL-0"),
    pytest.param("OL CAL", {}, False, True, id="CAL"),
    pytest.param("OL BYPASS", {}, False, True, id="BYPASS"),
    pytest.param("OFF", {"offduration": 30}, False, True, id="OFF-OFFDURATION-30"),
    pytest.param("OFF", {"offduration": 0}, True, True, id="OFF-OFFDURATION-0"),
    pytest.param("OFF", {"offduration": -1}, False, False, id="OFF-OFFDURATION--1"),
    pytest.param("OL OVER", {"overduration": -1}, False, False, id="OVER-OVERDURATION--1"),
    pytest.param("OL OVER", {"overduration": 0}, False, True, id="OVER-OVERDURATION-0"),
    pytest.param("OL TRIM", {}, False, False, id="TRIM"),
    pytest.param("OL BOOST", {}, False, False, id="BOOST"),
    pytest.param("OL ECO", {}, False, False, id="ECO"),
    pytest.param("OB", {}, False, False, id="OB-before-DEADTIME"),
    pytest.param("OL", {}, False, False, id="OL"),
]


@pytest.mark.parametrize(("status", "settings", "talking", "silent"), VOLATILE)
def test_Upsmon_last_known_state_decides_whether_a_silent_UPS_is_critical(
    status: str, settings: dict[str, Any], talking: bool, silent: bool
) -> None:
    r = Run(S(U), **settings)
    r.feed(U, status)
    assert (r.critical() == [U]) is talking
    r.at(1)
    r.lose(U)
    assert (r.critical() == [U]) is silent
    r.tick()
    assert r.shutting_down is silent


def test_Upsmon_silent_overloaded_UPS_is_critical_once_OVERDURATION_has_elapsed() -> None:
    r = Run(S(U), overduration=10)
    r.feed(U, "OL OVER")
    for t in (5, 9.9):
        r.at(t)
        r.lose(U)
        assert r.tick() == []
    r.at(10)  # is_ups_critical: waiting only while now - oversince < OVERDURATION
    r.lose(U)
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_overloaded_UPS_that_answers_is_not_critical() -> None:
    r = Run(S(U), overduration=0)
    for t in (0, 100, 1000):
        r.at(t)
        r.feed(U, "OL OVER")
        r.tick()
    assert not r.shutting_down


# ---------------------------------------------------------------------------
# OFFDURATION, OBLBDURATION, CAL


def test_Upsmon_OFF_for_longer_than_OFFDURATION_is_critical() -> None:
    r = Run(S(U), offduration=30)
    for t in (0, 10, 20, 30):  # ups_is_off: now - offsince > offduration
        r.at(t)
        r.feed(U, "OFF")
        assert r.tick() == []
    r.at(30.5)
    r.feed(U, "OFF")
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_OFF_that_ends_starts_OFFDURATION_again() -> None:
    r = Run(S(U), offduration=30)
    r.feed(U, "OFF")
    r.at(20)
    assert notified(r.feed(U, "OL")) == [(N.NOTOFF, U)]
    r.at(25)
    assert notified(r.feed(U, "OFF")) == [(N.OFF, U)]
    r.at(55)
    r.feed(U, "OFF")
    assert r.tick() == []
    r.at(55.5)
    r.feed(U, "OFF")
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_OFFDURATION_0_makes_OFF_critical_at_once() -> None:
    r = Run(S(U), offduration=0)
    r.feed(U, "OFF")
    assert r.tick()[-3:] == ANNOUNCE


def test_Upsmon_OFFDURATION_negative_never_makes_OFF_critical() -> None:
    r = Run(S(U), offduration=-1)
    for t in (0, 30, 31, 100, 10_000):
        r.at(t)
        r.feed(U, "OFF")
        r.tick()
    assert not r.shutting_down


def test_Upsmon_OB_LB_shorter_than_OBLBDURATION_is_ignored() -> None:
    r = Run(P(U), oblbduration=10)
    steps = [(0, "OB LB"), (5, "OB LB"), (8, "OB"), (9, "OB LB"), (18, "OB LB"), (18.5, "OL")]
    for t, status in steps:  # the OB LB at 9 starts the delay again
        r.at(t)
        r.feed(U, status)
        assert r.tick() == [], t
    for t in (30, 100):
        r.at(t)
        r.feed(U, "OL")
        r.tick()
    assert not r.shutting_down


def test_Upsmon_OB_LB_lasting_OBLBDURATION_shuts_down_on_time() -> None:
    r = Run(P(U), pollfreq=30, pollfreqalert=30, oblbduration=10)
    r.feed(U, "OB LB")
    assert r.tick() == []
    # The next poll must not come after the delay ends (NUT shortens its sleep).
    assert r.m.next_wakeup(r.now) <= T0 + 10 + 0.01
    r.at(9.99)
    r.feed(U, "OB LB")
    assert r.tick() == []
    assert r.m.next_wakeup(r.now) <= T0 + 10 + 0.01
    r.at(10)
    r.feed(U, "OB LB")
    assert without_logs(r.tick()) == [SetFsd(ups=U), CountLogins()]


def test_Upsmon_calibrating_UPS_on_OB_LB_is_not_critical() -> None:
    r = Run(P(U))
    r.feed(U, "OB LB CAL")
    assert r.tick() == []
    assert r.critical() == []
    r.at(5)
    assert notified(r.feed(U, "OB LB")) == [(N.NOTCAL, U)]
    assert without_logs(r.tick()) == [SetFsd(ups=U), CountLogins()]


# ---------------------------------------------------------------------------
# upsmon -c fsd


def test_Upsmon_fsd_request_on_a_primary_sets_FSD_at_the_next_tick_whatever_the_power() -> None:
    r = Run(P("a"), S("b"))
    r.feed("a", "OL")
    r.feed("b", "OL")
    assert r.tick() == []
    r.m.request_fsd()
    assert not r.shutting_down
    assert without_logs(r.tick()) == [SetFsd(ups="a"), CountLogins()]
    assert r.phase() is Phase.SYNC_SECONDARIES


def test_Upsmon_fsd_request_on_a_secondary_shuts_down_at_the_next_tick() -> None:
    r = Run(S("b"))
    r.feed("b", "OL")
    r.m.request_fsd()
    out = r.tick()
    assert out[-3:] == ANNOUNCE
    assert not any(isinstance(a, SetFsd) for a in out)


def test_Upsmon_fsd_request_is_logged() -> None:
    r = Run(S("b"))
    r.feed("b", "OL")
    r.m.request_fsd()
    out = r.tick()
    assert Log(level=LOG_WARNING, message="Got an FSD signal, initiating forced shutdown") in out


# ---------------------------------------------------------------------------
# SHUTDOWNEXIT


def test_Upsmon_SHUTDOWNEXIT_0_exits_right_after_calling_SHUTDOWNCMD() -> None:
    r = secondary_in_final_delay(finaldelay=0, shutdownexit=0)
    assert r.tick() == [CallShutdown(), Exit()]
    assert r.phase() is Phase.EXITED
    assert r.m.next_wakeup(r.now) == float("inf")


def test_Upsmon_SHUTDOWNEXIT_5_keeps_upsd_touched_every_second_then_exits() -> None:
    r = secondary_in_final_delay(finaldelay=0, shutdownexit=5)
    out = r.tick()
    assert out[0] == CallShutdown()
    assert Exit() not in out
    assert (
        "Configured to only exit upsmon SHUTDOWNEXIT=5 sec after initiating shutdown"
        in messages(out)
    )
    assert r.phase() is Phase.SHUTDOWN_CALLED
    called = r.t
    for k in (1, 2, 3, 4):
        r.at(called + k)
        assert r.tick() == [KeepAlive()], k
    r.at(called + 4.5)
    assert r.tick() == []
    r.at(called + 5.5)
    assert Exit() in r.tick()
    assert r.phase() is Phase.EXITED
    r.at(called + 10)
    assert r.tick() == []
    assert r.actions.count(CallShutdown()) == 1


def test_Upsmon_SHUTDOWNEXIT_negative_lingers_forever() -> None:
    r = secondary_in_final_delay(finaldelay=0, shutdownexit=-1)
    out = r.tick()
    assert out[0] == CallShutdown()
    assert "Configured to not exit upsmon after initiating shutdown" in messages(out)
    called = r.t
    for k in range(1, 601):
        r.at(called + k)
        assert r.tick() == [KeepAlive()], k
    assert r.phase() is Phase.SHUTDOWN_CALLED
    assert Exit() not in r.actions


def test_Upsmon_SHUTDOWNEXIT_exits_only_once_more_than_the_delay_has_passed() -> None:
    r = secondary_in_final_delay(finaldelay=0, shutdownexit=5)
    r.tick()
    called = r.t
    r.at(called + 5)
    assert Exit() not in r.tick()


def test_Upsmon_SHUTDOWNEXIT_touches_upsd_right_after_SHUTDOWNCMD() -> None:
    r = secondary_in_final_delay(finaldelay=0, shutdownexit=5)
    out = r.tick()
    assert without_logs(out) == [CallShutdown(), KeepAlive()]


# ---------------------------------------------------------------------------
# Poll frequency


ALERT = [
    ("OL", 30),
    ("OL CHRG", 30),
    ("OB", 5),
    ("OB LB", 5),
    ("OFF", 5),
    ("OL BYPASS", 5),
    ("OL ALARM", 5),
    ("OL ECO", 30),  # ECO is deliberately not an alert state
]


@pytest.mark.parametrize(("status", "interval"), ALERT, ids=[a[0] for a in ALERT])
def test_Upsmon_poll_interval_is_POLLFREQALERT_in_alert_states(status: str, interval: int) -> None:
    r = Run(S(U, 0), minsupplies=0, pollfreq=30, pollfreqalert=5)
    r.feed(U, status)
    assert r.m.poll_interval(r.now) == interval
    assert r.m.next_wakeup(r.now) == r.now + interval


@pytest.mark.parametrize(("overduration", "interval"), [(-1, 30), (0, 5), (60, 5)])
def test_Upsmon_OVER_asks_for_POLLFREQALERT_only_when_OVERDURATION_is_used(
    overduration: int, interval: int
) -> None:
    r = Run(S(U, 0), minsupplies=0, pollfreq=30, pollfreqalert=5, overduration=overduration)
    r.feed(U, "OL OVER")
    assert r.m.poll_interval(r.now) == interval


def test_Upsmon_poll_interval_goes_back_to_POLLFREQ_when_on_line_again() -> None:
    r = Run(S(U, 0), minsupplies=0, pollfreq=30, pollfreqalert=5)
    intervals = []
    for t, status in ((0, "OL"), (30, "OB"), (35, "OB DISCHRG"), (40, "OL CHRG"), (70, "OL")):
        r.at(t)
        r.feed(U, status)
        intervals.append(r.m.poll_interval(r.now))
    assert intervals == [30, 5, 5, 30, 30]


def test_Upsmon_poll_interval_is_POLLFREQALERT_while_any_UPS_is_on_battery() -> None:
    """upsmon.conf(5) POLLFREQALERT: 'if any of its UPSes are on battery'."""
    r = Run(S("a", 0), S("b", 0), minsupplies=0, pollfreq=30, pollfreqalert=5)
    r.feed("a", "OB")
    r.feed("b", "OL")
    assert r.m.poll_interval(r.now) == 5


@pytest.mark.parametrize("word", ["CAL", "TRIM", "BOOST"])
def test_Upsmon_CAL_TRIM_BOOST_keep_the_normal_POLLFREQ(word: str) -> None:
    r = Run(S(U, 0), minsupplies=0, pollfreq=30, pollfreqalert=5)
    r.feed(U, f"OL {word}")
    assert r.m.poll_interval(r.now) == 30


# ---------------------------------------------------------------------------
# Reload and resume


def test_Upsmon_reconfigure_keeps_what_it_knows_about_UPSes_that_stay() -> None:
    r = Run(P("a"), P("b"))
    assert notified(r.feed("a", "OB")) == [(N.ONBATT, "a")]
    r.feed("b", "OL")
    out = r.m.reconfigure(Settings(), [P("a"), P("c")])
    assert "No longer monitoring UPS [b]" in messages(out)
    assert set(r.m.tracks) == {"a", "c"}
    r.at(5)
    assert r.feed("a", "OB") == []  # still on battery: no second ONBATT
    assert r.feed("c", "OL") == []  # new: its first OL is silent
    assert r.m.power_value(r.now) == 2
    assert r.tick() == []
    r.at(10)
    assert notified(r.feed("a", "OL")) == [(N.ONLINE, "a")]


def test_Upsmon_reconfigure_applies_new_MINSUPPLIES_and_power_values() -> None:
    r = Run(P("a"), P("b"), minsupplies=1)
    r.feed("a", "OB LB")
    r.feed("b", "OL")
    r.tick()
    assert not r.shutting_down
    r.m.reconfigure(Settings(minsupplies=2), [P("a"), P("b", 2)])
    assert r.m.power_value(r.now) == 2
    assert without_logs(r.tick()) == []
    r.m.reconfigure(Settings(minsupplies=2), [P("a"), P("b")])
    assert r.m.power_value(r.now) == 1
    assert SetFsd(ups="a") in r.tick()


def test_Upsmon_reconfigure_logs_a_removed_UPS_at_notice_level() -> None:
    r = Run(P("a"), P("b"))
    out = r.m.reconfigure(Settings(), [P("a")])
    assert Log(level=5, message="No longer monitoring UPS [b]") in out  # LOG_NOTICE


def test_Upsmon_resume_says_SUSPEND_FINISHED_and_an_old_poll_is_not_taken_for_dead() -> None:
    r = Run(P(U), deadtime=15)
    r.feed(U, "OB")
    r.tick()
    r.at(3600)  # the host slept for an hour
    assert r.m.resumed(r.now) == [Notify(ntype=N.SUSPEND_FINISHED)]
    assert r.tick() == []
    r.at(3605)
    r.feed(U, "OB")
    assert r.tick() == []
    assert not r.shutting_down


@pytest.mark.parametrize(
    ("supply", "status"),
    [(P(U), "OB"), (S(U), "OB LB")],
    ids=["primary-OB-then-DEADTIME", "secondary-OB-LB-then-HOSTSYNC"],
)
def test_Upsmon_resume_forgets_readings_from_before_the_sleep(supply: Supply, status: str) -> None:
    r = Run(supply, deadtime=15, hostsync=15)
    r.feed(U, status)
    r.tick()
    assert not r.shutting_down
    r.at(3600)
    r.m.resumed(r.now)
    for k in range(1, 13):  # upsd unreachable for a minute after the wake-up
        r.at(3600 + 5 * k)
        r.lose(U)
        r.tick()
    assert not r.shutting_down


def test_Upsmon_resume_announces_the_line_state_again() -> None:
    r = Run(S(U, 0), minsupplies=0)
    r.feed(U, "OB")
    r.at(5)
    r.feed(U, "OL")
    r.at(3600)
    r.m.resumed(r.now)
    r.at(3605)
    assert notified(r.feed(U, "OL")) == [(N.ONLINE, U)]


# ---------------------------------------------------------------------------
# Logging


def test_Upsmon_a_monitored_only_critical_UPS_does_not_log_on_every_tick() -> None:
    r = Run(P("far", 0), P("home"))
    r.feed("home", "OL")
    r.feed("far", "OB LB")
    for t in (0, 5, 10):
        r.at(t)
        assert r.tick() == []
