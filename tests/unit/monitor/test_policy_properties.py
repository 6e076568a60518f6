"""upsmon's policy under random timelines: never a spurious shutdown, never a late one.

Hypothesis draws a few MONITOR lines (power values 0-3, primary or not),
MINSUPPLIES up to their total, small HOSTSYNC/DEADTIME, and a timeline of
answers and failed polls; ``tick`` follows every one, as upsmon's main loop
runs ``recalc`` after its polls. A plain model of upsmon(8) says which UPSes
may be critical (it must not shut down while the others are enough) and
which certainly are (it must start the shutdown on that very tick). Once
the shutdown starts, the timeline goes on, login counts are answered at
random, and the sequence must run forward to SHUTDOWNCMD exactly once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from powerdown.monitor.notify import NotifyType as N
from powerdown.monitor.policy import (
    LOG_CRIT,
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

T0 = 500.0
OBSERVATIONS = ("OL", "OB", "OB LB", "OL LB", "OL CHRG", "OB DISCHRG", "FSD OL", "FSD OB LB", None)
SHUTDOWN_TEXT = "Executing automatic power-fail shutdown"
ANNOUNCE = [
    Log(level=LOG_CRIT, message=SHUTDOWN_TEXT),
    Wall(text=SHUTDOWN_TEXT),
    Notify(ntype=N.SHUTDOWN),
]
# The order the shutdown sequence goes through; it never goes back.
ORDER = {
    Phase.MONITORING: 0,
    Phase.SYNC_SECONDARIES: 1,
    Phase.FINAL_DELAY: 2,
    Phase.SHUTDOWN_CALLED: 3,
    Phase.EXITED: 4,
}

Event = tuple[float, int, str | None]  # (seconds since the last event, UPS index, answer)


@dataclass(frozen=True)
class Scenario:
    supplies: tuple[Supply, ...]
    settings: Settings
    events: tuple[Event, ...]
    logins: tuple[int, ...]  # NUMLOGINS answers, used in turn
    fsd_ok: tuple[bool, ...]  # upsd's answers to FSD, used in turn

    @property
    def total(self) -> int:
        return sum(s.powervalue for s in self.supplies)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 4))
    supplies = tuple(
        Supply(name=f"ups{i}", powervalue=draw(st.integers(0, 3)), primary=draw(st.booleans()))
        for i in range(n)
    )
    total = sum(s.powervalue for s in supplies)
    conf = Settings(
        minsupplies=draw(st.integers(0, total)),
        hostsync=draw(st.integers(3, 15)),
        deadtime=draw(st.integers(3, 15)),
        finaldelay=draw(st.integers(0, 5)),
        shutdownexit=draw(st.sampled_from([0, 3, -1])),
        oblbduration=0,
    )
    # Half seconds: exact in binary, so the clock lands on every boundary now and then.
    # A UPS tends to say the same thing for a while: each draw repeats 1-4 times, and
    # a timeline uses only a few of the answers, so long OB LB runs are common.
    answers = draw(st.lists(st.sampled_from(OBSERVATIONS), min_size=1, max_size=4, unique=True))
    stretch = st.tuples(
        st.integers(0, 40).map(lambda k: k / 2),
        st.integers(0, n - 1),
        st.sampled_from(answers),
        st.integers(1, 4),
    )
    events = tuple(
        (dt, i, answer)
        for dt, i, answer, times in draw(st.lists(stretch, max_size=20))
        for _ in range(times)
    )
    return Scenario(
        supplies=supplies,
        settings=conf,
        events=events,
        logins=tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=8))),
        fsd_ok=tuple(draw(st.lists(st.booleans(), min_size=1, max_size=4))),
    )


@dataclass
class Seen:
    """What upsmon(8) lets us say about one UPS from its answers alone."""

    supply: Supply
    last_good: float | None = None
    words: frozenset[str] = frozenset()
    oblb_since: float | None = None  # first answer of the current run of OB LB answers
    maybe_critical: bool = False  # ever FSD, ever OB LB, or ever dead after OB

    def answer(self, now: float, status: str) -> None:
        self.last_good = now
        self.words = frozenset(status.split())
        ob_lb = {"OB", "LB"} <= self.words
        if ob_lb:
            if self.oblb_since is None:
                self.oblb_since = now
        else:
            self.oblb_since = None
        if ob_lb or "FSD" in self.words:
            self.maybe_critical = True

    def look(self, now: float, conf: Settings) -> None:
        """DEADTIME: silent for longer than that after an OB answer."""
        if (
            self.last_good is not None
            and "OB" in self.words
            and now - self.last_good > conf.deadtime
        ):
            self.maybe_critical = True

    def certainly_critical(self, now: float, conf: Settings) -> bool:
        if "FSD" in self.words:
            return True
        if self.oblb_since is None:
            return False
        if self.supply.primary:
            return True
        return now - self.oblb_since > conf.hostsync


@dataclass
class MonitorTick:
    now: float
    maybe_pv: int  # power value of the UPSes that may be critical
    certain_pv: int  # power value of the UPSes that certainly are
    out: list[Action]
    phase: Phase


@dataclass
class Trace:
    ticks: list[MonitorTick] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)  # after every call, in order
    started: float | None = None
    gaps: list[float] = field(default_factory=list)  # between ticks once shutting down
    called: list[float] = field(default_factory=list)
    exited: list[float] = field(default_factory=list)
    keepalives: list[float] = field(default_factory=list)
    late_inputs: list[list[Action]] = field(default_factory=list)  # answers after the start


def simulate(scn: Scenario) -> Trace:
    conf = scn.settings
    m = Upsmon(settings=conf, supplies=list(scn.supplies))
    seen = [Seen(s) for s in scn.supplies]
    names = [s.name for s in scn.supplies]
    logins = itertools.cycle(scn.logins)
    fsd_ok = itertools.cycle(scn.fsd_ok)
    trace = Trace()
    t = T0

    def handle(out: list[Action], now: float) -> None:
        """Carry out what the daemon would: answer FSD and NUMLOGINS, note the rest."""
        for action in out:
            if isinstance(action, SetFsd):
                m.fsd_result(action.ups, now, next(fsd_ok))
            elif isinstance(action, CountLogins):
                handle(m.logins(now, next(logins)), now)
            elif isinstance(action, CallShutdown):
                trace.called.append(now)
            elif isinstance(action, Exit):
                trace.exited.append(now)
            elif isinstance(action, KeepAlive):
                trace.keepalives.append(now)
        trace.phases.append(m.phase)

    last_tick = t
    for dt, i, answer in scn.events:
        t += dt
        shutting = m.phase is not Phase.MONITORING
        out = m.gone(names[i], t) if answer is None else m.status(names[i], t, answer)
        if shutting:
            trace.late_inputs.append(out)
        elif answer is not None:
            seen[i].answer(t, answer)
        trace.phases.append(m.phase)
        if not shutting:
            for s in seen:
                s.look(t, conf)
            maybe = sum(s.supply.powervalue for s in seen if s.maybe_critical)
            certain = sum(s.supply.powervalue for s in seen if s.certainly_critical(t, conf))
            out = m.tick(t)
            trace.ticks.append(MonitorTick(t, maybe, certain, out, m.phase))
            if m.phase is not Phase.MONITORING:
                trace.started = t
        else:
            trace.gaps.append(t - last_tick)
            out = m.tick(t)
        last_tick = t
        handle(out, t)

    if trace.started is None:
        return trace
    # Run the sequence to its end, a quarter second at a time.
    linger = conf.shutdownexit if conf.shutdownexit > 0 else 5
    end = t + conf.hostsync + conf.finaldelay + linger + 5
    while m.phase is not Phase.EXITED and t < end:
        t += 0.25
        trace.gaps.append(t - last_tick)
        last_tick = t
        handle(m.tick(t), t)
    return trace


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(scn=scenarios())
def test_Upsmon_never_shuts_down_while_the_other_UPSes_are_enough(scn: Scenario) -> None:
    """Only FSD, OB LB or a UPS dead after OB may take a UPS out of the count."""
    trace = simulate(scn)
    minimum = scn.settings.minsupplies
    for tick in trace.ticks:
        if scn.total - tick.maybe_pv >= minimum:
            assert tick.phase is Phase.MONITORING, tick
            assert not any(isinstance(a, (SetFsd, CountLogins, CallShutdown)) for a in tick.out)


@PROPERTY
@given(scn=scenarios())
def test_Upsmon_starts_the_shutdown_on_the_tick_the_power_value_drops_too_low(
    scn: Scenario,
) -> None:
    trace = simulate(scn)
    minimum = scn.settings.minsupplies
    primaries = [SetFsd(ups=s.name) for s in scn.supplies if s.primary]
    for tick in trace.ticks:
        if scn.total - tick.certain_pv >= minimum:
            continue
        assert tick.phase is not Phase.MONITORING, tick
        acts = [a for a in tick.out if not isinstance(a, Log)]
        if primaries:
            assert acts == [*primaries, CountLogins()]
        else:
            assert tick.out[-3:] == ANNOUNCE
            assert not any(isinstance(a, (SetFsd, CountLogins)) for a in tick.out)


@PROPERTY
@given(scn=scenarios())
def test_Upsmon_shutdown_goes_forward_only_and_calls_SHUTDOWNCMD_once(scn: Scenario) -> None:
    trace = simulate(scn)
    ranks = [ORDER[p] for p in trace.phases]
    assert ranks == sorted(ranks), "the phase went back"
    assert len(trace.called) <= 1
    assert len(trace.exited) <= 1
    assert all(out == [] for out in trace.late_inputs), "answers after the start are ignored"
    if trace.started is None:
        assert not trace.called and not trace.exited
        return
    conf = scn.settings
    # Nothing stalls it: HOSTSYNC (a primary), then FINALDELAY, give or take two ticks.
    gap = max(trace.gaps, default=0.0)
    waited = conf.hostsync + 0.25 if any(s.primary for s in scn.supplies) else 0.0
    assert len(trace.called) == 1
    assert trace.called[0] <= trace.started + waited + conf.finaldelay + 2 * gap + 1e-9
    assert trace.called[0] >= trace.started + conf.finaldelay
    called = trace.called[0]
    if conf.shutdownexit == 0:
        assert trace.exited == [called]
    elif conf.shutdownexit > 0:
        assert len(trace.exited) == 1
        assert called + conf.shutdownexit <= trace.exited[0] <= called + conf.shutdownexit + gap
    else:
        assert trace.exited == []
    assert all(k >= called for k in trace.keepalives)
    assert all(k <= called + conf.shutdownexit for k in trace.keepalives if conf.shutdownexit > 0)
