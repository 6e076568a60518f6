"""upsmon's decisions: from what each UPS reports and the clock, what to do.

Strategy (NUT's ``clients/upsmon.c`` and upsmon(8), at HEAD where it differs
from 2.8.0): the daemon polls every monitored UPS, feeds each answer here
(``status`` or ``gone``), then calls ``tick``. Every input returns the
actions to carry out, in order; nothing here reads a clock, sleeps, logs or
touches a socket. Time is ``now`` (monotonic seconds) on every call.

Per UPS we keep NUT's flags (OL, OB, LB, FSD, CAL, OFF, BYPASS, ECO, ALARM,
OVER, TRIM, BOOST) and its edge trackers (``commstate``/``linestate`` start
"unknown" so the first COMMOK/ONLINE at start-up is not announced).
``tick`` is NUT's ``recalc``: a UPS last seen on battery and silent past
DEADTIME is promoted to low battery; a UPS is critical when FSD is set, when
it is OB LB (for a secondary only once the primary has had HOSTSYNC seconds
to raise FSD), or when it stopped talking while in a state NUT treats as
volatile (ALARM with ALARMCRITICAL, CAL, BYPASS, OFF, OVER past
OVERDURATION). Critical UPSes stop counting; when the sum of the other power
values drops below MINSUPPLIES the shutdown sequence starts and never turns
back (upsmon(8): once FSD is raised, we go all the way):

  MONITORING -> (primary) SYNC_SECONDARIES: FSD on every UPS we are primary
  for, then count logins until only we remain or HOSTSYNC passes
  -> FINAL_DELAY: SHUTDOWN announced, FINALDELAY seconds
  -> SHUTDOWN_CALLED: POWERDOWNFLAG and SHUTDOWNCMD (the privileged side),
  then exit at once, after SHUTDOWNEXIT seconds, or never.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum, Flag, StrEnum, auto

from powerdown.monitor.notify import NotifyType

__all__ = [
    "Settings",
    "Supply",
    "St",
    "Phase",
    "Action",
    "Notify",
    "Wall",
    "Log",
    "SetFsd",
    "CountLogins",
    "KeepAlive",
    "CallShutdown",
    "Exit",
    "UpsTrack",
    "Upsmon",
    "LOG_INFO",
    "LOG_NOTICE",
    "LOG_WARNING",
    "LOG_CRIT",
]

LOG_CRIT = 2
LOG_WARNING = 4
LOG_NOTICE = 5
LOG_INFO = 6

# How often the primary re-counts logins while it waits for secondaries
# (NUT: usleep(250000) in sync_secondaries), and how often a lingering
# upsmon (SHUTDOWNEXIT) touches upsd so it is not taken for dead.
SYNC_INTERVAL = 0.25
LINGER_INTERVAL = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The upsmon.conf values the policy reads (seconds, NUT's defaults)."""

    minsupplies: int = 1
    pollfreq: float = 5.0
    pollfreqalert: float = 5.0
    hostsync: float = 15.0
    deadtime: float = 15.0
    finaldelay: float = 5.0
    rbwarntime: float = 43200.0
    nocommwarntime: float = 300.0
    offduration: float = 30.0
    overduration: float = -1.0
    oblbduration: float = 0.0
    alarmcritical: bool = True
    shutdownexit: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Supply:
    """One MONITOR line: the UPS as written, its power value and our role."""

    name: str
    powervalue: int
    primary: bool


class St(Flag):
    """NUT's per-UPS status bits (clients/upsmon.h ST_*) that the policy keeps."""

    NONE = 0
    ONLINE = auto()
    ONBATT = auto()
    LOWBATT = auto()
    FSD = auto()
    CAL = auto()
    OFF = auto()
    BYPASS = auto()
    ECO = auto()
    ALARM = auto()
    OVER = auto()
    TRIM = auto()
    BOOST = auto()


class Phase(StrEnum):
    MONITORING = "MONITORING"
    SYNC_SECONDARIES = "SYNC_SECONDARIES"
    FINAL_DELAY = "FINAL_DELAY"
    SHUTDOWN_CALLED = "SHUTDOWN_CALLED"
    EXITED = "EXITED"


# ---------------------------------------------------------------------------
# Actions: what the daemon must do, in the order given.


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    """Deliver a notify event (syslog / wall / NOTIFYCMD per NOTIFYFLAG)."""

    ntype: NotifyType
    ups: str | None = None
    extra: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Wall:
    """upsmon's own broadcast when the shutdown begins (sent if SHUTDOWN has WALL)."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Log:
    level: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetFsd:
    """Send ``FSD <ups>`` on that UPS's session; report back with ``fsd_result``."""

    ups: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CountLogins:
    """Ask NUMLOGINS on every UPS we are primary for; report the highest with ``logins``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepAlive:
    """Touch every session (a NUMLOGINS) so upsd keeps counting us while we linger."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallShutdown:
    """Have the privileged side write POWERDOWNFLAG and run SHUTDOWNCMD."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Exit:
    """Log out of every session and end the monitor."""


Action = Notify | Wall | Log | SetFsd | CountLogins | KeepAlive | CallShutdown | Exit


class _Edge(Enum):
    """NUT's commstate/linestate: -1 before the first answer, then 0 or 1."""

    UNKNOWN = -1
    DOWN = 0
    UP = 1


# Status words upsmon knows but does not act on (docs/new-drivers.txt).
_IGNORED_WORDS = frozenset({"HB", "CHRG", "DISCHRG"})

# Bits that make upsmon poll at POLLFREQALERT rather than POLLFREQ (the
# ups_is_* handlers that bump sleepval; CAL, TRIM, BOOST and ECO do not).
_ALERT_BITS = St.ONBATT | St.OFF | St.BYPASS | St.ALARM | St.OVER


@dataclass(slots=True)
class UpsTrack:
    """What upsmon remembers about one UPS between polls (utype_t)."""

    supply: Supply
    st: St = St.NONE
    commstate: _Edge = _Edge.UNKNOWN
    linestate: _Edge = _Edge.UNKNOWN
    offstate: bool = False
    bypassstate: bool = False
    ecostate: bool = False
    alarmstate: bool = False
    overstate: bool = False
    lastpoll: float | None = None
    lastnoncrit: float | None = None
    lastrbwarn: float | None = None
    lastncwarn: float | None = None
    lastfsdnotify: float | None = None
    offsince: float | None = None
    oblbsince: float | None = None
    oversince: float | None = None
    alarm_text: str | None = None
    other_words: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.supply.name

    @property
    def communicating(self) -> bool:
        return self.commstate is _Edge.UP


@dataclass(slots=True)
class Upsmon:
    """The whole upsmon decision machine for one upsmon.conf."""

    settings: Settings
    supplies: Sequence[Supply]
    phase: Phase = Phase.MONITORING
    tracks: dict[str, UpsTrack] = field(init=False)
    _user_fsd: bool = field(init=False, default=False)
    _sync_start: float = field(init=False, default=0.0)
    _sync_rounds: int = field(init=False, default=0)
    _next_count: float = field(init=False, default=0.0)
    _final_at: float = field(init=False, default=0.0)
    _linger_until: float | None = field(init=False, default=None)
    _next_keepalive: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tracks = {s.name: UpsTrack(s) for s in self.supplies}

    # ------------------------------------------------------------------
    # Inputs while monitoring

    def status(
        self, ups: str, now: float, status: str, *, alarm: str | None = None
    ) -> list[Action]:
        """A poll answered ``ups.status`` (and ``ups.alarm`` when ALARM is set).

        An empty status counts as no answer, as in NUT.
        """
        if self.phase is not Phase.MONITORING:
            return []
        track = self.tracks[ups]
        words = status.split()
        if not words:
            return self._gone(track, now)
        out: list[Action] = []
        self._alive(track, now, out)
        upper = [w.upper() for w in words]
        present = set(upper)
        if "LB" not in present:
            track.st &= ~St.LOWBATT
        if "FSD" not in present:
            track.st &= ~St.FSD
            track.lastfsdnotify = None
        # Conditions that ended are announced before new ones (NUT's order).
        if "CAL" not in present:
            self._clear(track, St.CAL, NotifyType.NOTCAL, out)
        if "OFF" not in present:
            track.offsince = None
            track.offstate = False
            self._clear(track, St.OFF, NotifyType.NOTOFF, out)
        if "BYPASS" not in present:
            track.bypassstate = False
            self._clear(track, St.BYPASS, NotifyType.NOTBYPASS, out)
        if "ALARM" not in present:
            track.alarmstate = False
            self._clear(track, St.ALARM, NotifyType.NOTALARM, out)
        if "OVER" not in present:
            track.oversince = None
            track.overstate = False
            self._clear(track, St.OVER, NotifyType.NOTOVER, out)
        if "TRIM" not in present:
            self._clear(track, St.TRIM, NotifyType.NOTTRIM, out)
        if "BOOST" not in present:
            self._clear(track, St.BOOST, NotifyType.NOTBOOST, out)
        if "ECO" not in present:
            track.ecostate = False
            self._clear(track, St.ECO, NotifyType.NOTECO, out)

        others: list[str] = []
        for word, up in zip(words, upper, strict=True):
            handler = _WORD_HANDLERS.get(up)
            if handler is not None:
                handler(self, track, now, alarm, out)
            elif up not in _IGNORED_WORDS and word not in others:
                others.append(word)
            self._update_crittimer(track, now)
        new_others = tuple(others)
        if set(new_others) != set(track.other_words):
            if new_others:
                out.append(Notify(ntype=NotifyType.OTHER, ups=ups, extra=" ".join(new_others)))
            else:
                out.append(Notify(ntype=NotifyType.NOTOTHER, ups=ups))
        track.other_words = new_others
        return out

    def gone(self, ups: str, now: float) -> list[Action]:
        """A poll got no usable answer (connect failed, ERR, timeout, empty)."""
        if self.phase is not Phase.MONITORING:
            return []
        return self._gone(self.tracks[ups], now)

    def dropped(self, ups: str) -> None:
        """The session to this UPS is closed; the next good poll says COMMOK."""
        self.tracks[ups].commstate = _Edge.DOWN

    def request_fsd(self) -> None:
        """``upsmon -c fsd`` (SIGUSR1): shut down at the next tick, whatever the power."""
        self._user_fsd = True

    def resumed(self, now: float) -> list[Action]:
        """The host slept: what we knew of each UPS is obsolete, so forget it.

        As NUT does on wake-up, the status bits go (a UPS last seen OB
        must not be taken for dead-on-battery because the sleep outlasted
        DEADTIME) and every timer restarts; the line-state edge stays, so
        the next OL is announced as ONLINE again.
        """
        for track in self.tracks.values():
            track.st = St.NONE
            track.lastpoll = now
            track.lastnoncrit = now
            track.oblbsince = None
            track.offsince = None
            track.offstate = False
            track.oversince = None
            track.overstate = False
            track.bypassstate = False
            track.alarmstate = False
        return [Notify(ntype=NotifyType.SUSPEND_FINISHED)]

    def reconfigure(self, settings: Settings, supplies: Sequence[Supply]) -> list[Action]:
        """A reload: keep what we know about UPSes that stay, forget the rest."""
        old = self.tracks
        self.settings = settings
        self.supplies = tuple(supplies)
        tracks: dict[str, UpsTrack] = {}
        out: list[Action] = []
        for supply in self.supplies:
            track = old.get(supply.name)
            if track is None:
                track = UpsTrack(supply)
            else:
                track.supply = supply
            tracks[supply.name] = track
        for name in old:
            if name not in tracks:
                out.append(Log(level=LOG_NOTICE, message=f"No longer monitoring UPS [{name}]"))
        self.tracks = tracks
        return out

    # ------------------------------------------------------------------
    # The loop

    def tick(self, now: float) -> list[Action]:
        """Evaluate after a round of polls, or when ``next_wakeup`` has come."""
        if self.phase is Phase.MONITORING:
            if self._user_fsd:
                return self._forceshutdown(
                    now, reason="Got an FSD signal, initiating forced shutdown"
                )
            return self._recalc(now)
        if self.phase is Phase.SYNC_SECONDARIES:
            if now >= self._next_count:
                return [CountLogins()]
            return []
        if self.phase is Phase.FINAL_DELAY:
            if now >= self._final_at:
                return self._call_shutdown(now)
            return []
        if self.phase is Phase.SHUTDOWN_CALLED:
            if self._linger_until is not None and now > self._linger_until:
                self.phase = Phase.EXITED
                return [Exit()]
            if now >= self._next_keepalive:
                self._next_keepalive = now + LINGER_INTERVAL
                return [KeepAlive()]
        return []

    def next_wakeup(self, now: float) -> float:
        """When ``tick`` has something to do next (monotonic seconds)."""
        if self.phase is Phase.MONITORING:
            return now + self.poll_interval(now)
        if self.phase is Phase.SYNC_SECONDARIES:
            return self._next_count
        if self.phase is Phase.FINAL_DELAY:
            return self._final_at
        if self.phase is Phase.SHUTDOWN_CALLED:
            if self._linger_until is not None:
                return min(self._linger_until, self._next_keepalive)
            return self._next_keepalive
        return math.inf

    def poll_interval(self, now: float) -> float:
        """POLLFREQ, or POLLFREQALERT while any UPS is in a worrying state.

        While an OB LB is being debounced (OBLBDURATION) we also wake when
        that delay ends, so it takes effect on time.
        """
        s = self.settings
        interval = s.pollfreq
        for track in self.tracks.values():
            alert = track.st & _ALERT_BITS
            if alert == St.OVER and s.overduration < 0:
                alert = St.NONE
            if alert:
                interval = min(interval, s.pollfreqalert)
            if track.oblbsince is not None and s.oblbduration > 0:
                left = track.oblbsince + s.oblbduration - now
                interval = min(interval, max(left, 0.0) + 0.001)
        return interval

    def fsd_result(self, ups: str, now: float, ok: bool) -> list[Action]:
        """upsd answered our ``FSD``: announce it once (HEAD's setfsd)."""
        track = self.tracks[ups]
        if not ok:
            return []
        if track.lastfsdnotify is not None:
            return []
        track.lastfsdnotify = now
        return [Notify(ntype=NotifyType.FSD, ups=ups)]

    def logins(self, now: float, maxlogins: int) -> list[Action]:
        """The highest NUMLOGINS among our primary UPSes (0 when none answered)."""
        if self.phase is not Phase.SYNC_SECONDARIES:
            return []
        self._sync_rounds += 1
        if maxlogins <= 1:
            return self._doshutdown(now)
        if now - self._sync_start > self.settings.hostsync:
            return [
                Log(level=LOG_INFO, message="Host sync timer expired, forcing shutdown"),
                *self._doshutdown(now),
            ]
        self._next_count = now + SYNC_INTERVAL
        if self._sync_rounds == 1:
            return [Notify(ntype=NotifyType.SHUTDOWN_HOSTSYNC)]
        return []

    # ------------------------------------------------------------------
    # Read-only views for the daemon, the dashboard and the tests

    def power_value(self, now: float) -> int:
        """The current power value, without acting on it."""
        return sum(t.supply.powervalue for t in self.tracks.values() if not self._peek_crit(t, now))

    def critical(self, now: float) -> list[str]:
        """Names of the UPSes that would not count right now."""
        return [t.name for t in self.tracks.values() if self._peek_crit(t, now)]

    def is_primary(self) -> bool:
        return any(t.supply.primary for t in self.tracks.values())

    # ------------------------------------------------------------------
    # Status words

    def _alive(self, track: UpsTrack, now: float, out: list[Action]) -> None:
        track.lastpoll = now
        if track.commstate is _Edge.DOWN:
            out.append(Notify(ntype=NotifyType.COMMOK, ups=track.name))
        track.commstate = _Edge.UP

    def _gone(self, track: UpsTrack, now: float) -> list[Action]:
        if track.commstate is not _Edge.DOWN:
            track.commstate = _Edge.DOWN
            return [Notify(ntype=NotifyType.COMMBAD, ups=track.name)]
        nocomm = self.settings.nocommwarntime
        if track.lastpoll is not None and now - track.lastpoll < nocomm:
            return []
        if track.lastncwarn is None or now - track.lastncwarn > nocomm:
            track.lastncwarn = now
            return [Notify(ntype=NotifyType.NOCOMM, ups=track.name)]
        return []

    @staticmethod
    def _clear(track: UpsTrack, bit: St, ntype: NotifyType, out: list[Action]) -> None:
        if track.st & bit:
            track.st &= ~bit
            out.append(Notify(ntype=ntype, ups=track.name))

    @staticmethod
    def _set(track: UpsTrack, bit: St, ntype: NotifyType, out: list[Action]) -> bool:
        if track.st & bit:
            return False
        track.st |= bit
        out.append(Notify(ntype=ntype, ups=track.name))
        return True

    def _on_line(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.st & St.ONLINE:
            return
        if t.linestate is not _Edge.UNKNOWN:
            out.append(Notify(ntype=NotifyType.ONLINE, ups=t.name))
        t.linestate = _Edge.UP
        t.st = (t.st | St.ONLINE) & ~St.ONBATT

    def _on_batt(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.st & St.ONBATT:
            return
        t.linestate = _Edge.DOWN
        out.append(Notify(ntype=NotifyType.ONBATT, ups=t.name))
        t.st = (t.st | St.ONBATT) & ~St.ONLINE

    def _low_batt(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        self._set(t, St.LOWBATT, NotifyType.LOWBATT, out)

    def _replbatt(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.lastrbwarn is None or now - t.lastrbwarn > self.settings.rbwarntime:
            out.append(Notify(ntype=NotifyType.REPLBATT, ups=t.name))
            t.lastrbwarn = now

    def _cal(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        self._set(t, St.CAL, NotifyType.CAL, out)

    def _off(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        duration = self.settings.offduration
        if t.st & St.OFF:
            if t.offsince is None:
                t.offsince = now
            elif duration > 0 and now - t.offsince > duration:
                t.offstate = True
            return
        t.offsince = now
        if duration == 0:
            t.offstate = True
        self._set(t, St.OFF, NotifyType.OFF, out)

    def _bypass(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if self._set(t, St.BYPASS, NotifyType.BYPASS, out):
            t.bypassstate = True

    def _eco(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if self._set(t, St.ECO, NotifyType.ECO, out):
            t.ecostate = True

    def _alarm(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.st & St.ALARM:
            # A new ups.alarm text is a new alarm; an unreadable one is not.
            if alarm is not None and alarm != t.alarm_text:
                t.alarm_text = alarm
                out.append(Notify(ntype=NotifyType.ALARM, ups=t.name, extra=alarm))
            return
        t.alarmstate = True
        t.alarm_text = alarm if alarm is not None else ""
        out.append(
            Notify(ntype=NotifyType.ALARM, ups=t.name, extra=alarm if alarm is not None else "n/a")
        )
        t.st |= St.ALARM

    def _over(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.st & St.OVER:
            if t.oversince is None:
                t.oversince = now
            return
        t.oversince = now
        t.overstate = True
        self._set(t, St.OVER, NotifyType.OVER, out)

    def _trim(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        self._set(t, St.TRIM, NotifyType.TRIM, out)

    def _boost(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        self._set(t, St.BOOST, NotifyType.BOOST, out)

    def _fsd(self, t: UpsTrack, now: float, alarm: str | None, out: list[Action]) -> None:
        if t.st & St.FSD:
            return
        if t.lastfsdnotify is None:
            t.lastfsdnotify = now
            out.append(Notify(ntype=NotifyType.FSD, ups=t.name))
        t.st |= St.FSD

    @staticmethod
    def _update_crittimer(t: UpsTrack, now: float) -> None:
        ob_lb = St.ONBATT | St.LOWBATT
        if (t.st & ob_lb) != ob_lb or t.st & St.CAL:
            t.lastnoncrit = now

    # ------------------------------------------------------------------
    # recalc and the critical test

    def _recalc(self, now: float) -> list[Action]:
        out: list[Action] = []
        value = 0
        for track in self.tracks.values():
            if (track.lastpoll is None or now - track.lastpoll > self.settings.deadtime) and (
                track.st & St.ONBATT and not track.st & St.LOWBATT
            ):
                # NUT only says this at debug level ("Promoting dead UPS").
                track.st |= St.LOWBATT
            if not self._is_critical(track, now, out):
                value += track.supply.powervalue
        minimum = self.settings.minsupplies
        if value < minimum:
            out.extend(
                self._forceshutdown(
                    now,
                    reason=f"Too few UPS(es) are healthy ({value}<{minimum}), "
                    "initiating forced shutdown",
                )
            )
        return out

    def _peek_crit(self, track: UpsTrack, now: float) -> bool:
        """``_is_critical`` without changing any tracker (for views)."""
        saved = track.oblbsince
        crit = self._is_critical(track, now, [])
        track.oblbsince = saved
        return crit

    def _is_critical(self, t: UpsTrack, now: float, out: list[Action]) -> bool:
        s = self.settings
        if t.st & St.FSD:
            return True
        if t.commstate is _Edge.DOWN:
            if t.overstate or t.st & St.OVER:
                since = t.oversince if t.oversince is not None else now
                if s.overduration >= 0 and now - since >= s.overduration:
                    out.append(
                        Log(
                            level=LOG_WARNING,
                            message=f"UPS [{t.name}] was last known to be overloaded for longer "
                            f"than the set threshold of {s.overduration:g} sec and is still "
                            "not communicating, assuming dead",
                        )
                    )
                    return True
            if (t.alarmstate or t.st & St.ALARM) and s.alarmcritical:
                out.append(
                    Log(
                        level=LOG_WARNING,
                        message=f"UPS [{t.name}] was last known to be in an ALARM state and "
                        "currently is not communicating, assuming dead",
                    )
                )
                return True
            for bit, word in ((St.CAL, "calibrating"), (St.BYPASS, "on BYPASS")):
                if t.st & bit or (bit is St.BYPASS and t.bypassstate):
                    out.append(
                        Log(
                            level=LOG_WARNING,
                            message=f"UPS [{t.name}] was last known to be {word} and "
                            "currently is not communicating, assuming dead",
                        )
                    )
                    return True
            if t.offstate or (s.offduration >= 0 and t.st & St.OFF):
                out.append(
                    Log(
                        level=LOG_WARNING,
                        message=f"UPS [{t.name}] was last known to be (administratively) OFF "
                        "and currently is not communicating, assuming dead",
                    )
                )
                return True
        if t.st & St.OFF and s.offduration >= 0 and t.offstate:
            out.append(
                Log(
                    level=LOG_WARNING,
                    message=f"UPS [{t.name}] is reported as (administratively) OFF",
                )
            )
            return True
        ob_lb = St.ONBATT | St.LOWBATT
        if (t.st & ob_lb) != ob_lb:
            t.oblbsince = None
            return False
        if t.st & St.CAL:
            return False
        if s.oblbduration > 0:
            if t.oblbsince is None:
                t.oblbsince = now
                return False
            if now - t.oblbsince < s.oblbduration:
                return False
        if t.supply.primary:
            return True
        last = t.lastnoncrit if t.lastnoncrit is not None else now
        if now - last > s.hostsync:
            out.append(
                Log(
                    level=LOG_WARNING,
                    message=f"Giving up on the primary for UPS [{t.name}] after "
                    f"{now - last:.0f} sec since last comms",
                )
            )
            return True
        return False

    # ------------------------------------------------------------------
    # The shutdown sequence

    def _forceshutdown(self, now: float, reason: str | None) -> list[Action]:
        out: list[Action] = []
        if reason is not None:
            out.append(Log(level=LOG_WARNING, message=reason))
        primaries = [t.name for t in self.tracks.values() if t.supply.primary]
        out.extend(SetFsd(ups=name) for name in primaries)
        if not primaries:
            out.extend(self._doshutdown(now))
            return out
        self.phase = Phase.SYNC_SECONDARIES
        self._sync_start = now
        self._sync_rounds = 0
        self._next_count = now
        out.append(CountLogins())
        return out

    def _doshutdown(self, now: float) -> list[Action]:
        self.phase = Phase.FINAL_DELAY
        self._final_at = now + self.settings.finaldelay
        text = "Executing automatic power-fail shutdown"
        return [
            Log(level=LOG_CRIT, message=text),
            Wall(text=text),
            Notify(ntype=NotifyType.SHUTDOWN),
        ]

    def _call_shutdown(self, now: float) -> list[Action]:
        out: list[Action] = [CallShutdown()]
        delay = self.settings.shutdownexit
        self.phase = Phase.SHUTDOWN_CALLED
        if delay == 0:
            self.phase = Phase.EXITED
            out.append(Exit())
        elif delay > 0:
            self._linger_until = now + delay
            out.append(
                Log(
                    level=LOG_WARNING,
                    message=f"Configured to only exit upsmon SHUTDOWNEXIT={delay:g} sec "
                    "after initiating shutdown",
                )
            )
        else:
            out.append(
                Log(
                    level=LOG_WARNING,
                    message="Configured to not exit upsmon after initiating shutdown",
                )
            )
        if delay != 0:
            # NUT's linger loop touches upsd first, then sleeps.
            self._next_keepalive = now + LINGER_INTERVAL
            out.append(KeepAlive())
        return out


_WORD_HANDLERS = {
    "OL": Upsmon._on_line,
    "OB": Upsmon._on_batt,
    "LB": Upsmon._low_batt,
    "RB": Upsmon._replbatt,
    "CAL": Upsmon._cal,
    "OFF": Upsmon._off,
    "BYPASS": Upsmon._bypass,
    "ECO": Upsmon._eco,
    "ALARM": Upsmon._alarm,
    "OVER": Upsmon._over,
    "TRIM": Upsmon._trim,
    "BOOST": Upsmon._boost,
    "FSD": Upsmon._fsd,
}
