"""upssched's brain: which rules fire, the wire words, the daemon's timer table.

Strategy
--------
NUT's upssched (``clients/upssched.c``) is one program in two roles.  The
client, run by upsmon with ``UPSNAME``/``NOTIFYTYPE`` and the message, finds
the ``AT`` rules that match (:func:`match_rules`), runs ``EXECUTE`` itself and
sends timer requests to a background daemon over a Unix socket.  The daemon
keeps a timer list, runs CMDSCRIPT when one expires, and exits when it has
had none for a while.  This module is both roles without any I/O: the
requests as lines (:func:`render_request`, :func:`parse_request`), the
timer list (:class:`TimerTable`) and the daemon's answers
(:class:`Scheduler`), which say what to send back and which scripts to run.
Time is an argument: ``now`` from the monotonic clock, ``wall`` (Unix time)
only for the listing.

The wire format is NUT HEAD's, which 2.8.0's daemon also accepts (it
ignores the extra words): one line of quoted words per request, answered
by ``OK`` (or ``ERR UNKNOWN``)::

    START "name" "seconds" "NOTIFYTYPE" "UPSNAME" "NOTIFYMSG"
    START-SHARED "name" "seconds" "NOTIFYTYPE" "UPSNAME" "NOTIFYMSG"
    CANCEL "name" "cmd" "NOTIFYTYPE" "UPSNAME" "NOTIFYMSG"
    CANCEL-MATCHED "name" "cmd" "NOTIFYTYPE" "UPSNAME" "NOTIFYMSG"
    LIST-TIMERS "" "" "" "" ""

A 2.8.0 client sends only ``START "name" "seconds"`` and ``CANCEL "name"
["cmd"]``; the daemon takes those too.  ``LIST-TIMERS`` is answered by
``BEGIN LIST TIMERS``, one tab-separated line per timer, ``END LIST
TIMERS`` and ``OK``.

Timer semantics are HEAD's (upssched.conf(5)): every ``START`` adds an
independent timer, even under a name already running; ``START-SHARED``
instead adds its event's UPS name, type and message to the first timer of
that name (the deadline stays); ``CANCEL`` removes every timer of the name
and, if there was none, runs ``cmd``; ``CANCEL-MATCHED`` removes only those
started for the caller's UPS (the manual also names the notify type, but
its own example cancels on ONLINE a timer started on ONBATT, so we match
the UPS alone; HEAD's client never sends it).  2.8.0 removed just the
first timer of the name.  A fired timer runs ``CMDSCRIPT name`` with ``UPSNAME`` and
``NOTIFYTYPE`` set to the comma-joined values of the events that started it
and ``NOTIFYMSG`` to their messages joined by ``".\\t"``.  NUT checks its
list once a second against whole-second deadlines; we keep exact
deadlines, so timers fire on time, due ones in deadline order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from powerdown.config.upsschedconf import Action, AtRule
from powerdown.protocol.words import quote

__all__ = [
    "IDLE_TIMEOUT",
    "match_rules",
    "StartRequest",
    "CancelRequest",
    "ListRequest",
    "Request",
    "render_request",
    "parse_request",
    "RunScript",
    "TimerInfo",
    "TimerTable",
    "Reply",
    "Scheduler",
    "LIST_BEGIN",
    "LIST_END",
]

#: Seconds the daemon lingers with no timers before it exits: NUT's
#: ``EMPTY_WAIT`` of 15 passes of a one-second loop.
IDLE_TIMEOUT = 15.0

LIST_BEGIN = "BEGIN LIST TIMERS"
LIST_END = "END LIST TIMERS"

_EMPTY: Mapping[str, str] = MappingProxyType({})


def match_rules(rules: Iterable[AtRule], notifytype: str, upsname: str) -> list[Action]:
    """The actions of every rule for this event, in file order.

    A rule matches when its UPS is ``upsname`` exactly or ``*`` and its
    notify type equals ``notifytype`` in any case (NUT uses ``strcasecmp``).
    """
    return [rule.action for rule in rules if rule.matches(notifytype, upsname)]


# -- requests on the wire ----------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRequest:
    """``START`` / ``START-SHARED``; ``interval`` is the word as sent."""

    name: str
    interval: str
    notifytype: str = ""
    upsname: str = ""
    notifymsg: str = ""
    shared: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRequest:
    """``CANCEL`` / ``CANCEL-MATCHED``; an empty ``cmd`` means none."""

    name: str
    cmd: str = ""
    notifytype: str = ""
    upsname: str = ""
    notifymsg: str = ""
    matched: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRequest:
    """``LIST-TIMERS``."""


Request = StartRequest | CancelRequest | ListRequest


def render_request(request: Request) -> str:
    """The line (with its newline) a HEAD client sends for ``request``."""
    if isinstance(request, ListRequest):
        words = ["LIST-TIMERS", "", "", "", "", ""]
    elif isinstance(request, StartRequest):
        verb = "START-SHARED" if request.shared else "START"
        words = [verb, request.name, request.interval]
        words += [request.notifytype, request.upsname, request.notifymsg]
    else:
        verb = "CANCEL-MATCHED" if request.matched else "CANCEL"
        words = [verb, request.name, request.cmd]
        words += [request.notifytype, request.upsname, request.notifymsg]
    return " ".join([words[0], *(quote(w) for w in words[1:])]) + "\n"


def parse_request(args: Sequence[str]) -> Request | None:
    """The request in one tokenized line, or ``None`` if the daemon does not know it.

    Missing trailing words are empty, so 2.8.0's shorter lines parse too;
    ``START`` needs at least a name and an interval, ``CANCEL`` a name.
    """
    if not args:
        return None
    verb, rest = args[0], list(args[1:])
    padded = rest + [""] * (5 - len(rest))
    if verb == "LIST-TIMERS":
        return ListRequest()
    if verb in ("CANCEL", "CANCEL-MATCHED") and rest:
        return CancelRequest(
            name=padded[0],
            cmd=padded[1],
            notifytype=padded[2],
            upsname=padded[3],
            notifymsg=padded[4],
            matched=verb == "CANCEL-MATCHED",
        )
    if verb in ("START", "START-SHARED") and len(rest) >= 2:
        return StartRequest(
            name=padded[0],
            interval=padded[1],
            notifytype=padded[2],
            upsname=padded[3],
            notifymsg=padded[4],
            shared=verb == "START-SHARED",
        )
    return None


def _strtol(word: str) -> int:
    """C's ``strtol(word, NULL, 10)``: leading blanks, a sign, digits; else 0."""
    text = word.lstrip(" \t\n\v\f\r")
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    digits = ""
    for ch in text:
        if not ("0" <= ch <= "9"):
            break
        digits += ch
    return sign * int(digits) if digits else 0


# -- the timer table ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RunScript:
    """Run ``CMDSCRIPT <arg>``; ``env`` holds the variables to set.

    ``UPSNAME``, ``NOTIFYTYPE`` and ``NOTIFYMSG`` not in ``env`` must be
    unset for the script: the daemon's own were those of whichever event
    happened to start it, and would mislead.
    """

    arg: str
    env: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(slots=True)
class _Timer:
    name: str
    deadline: float
    seq: int
    notifytypes: list[str]
    upsnames: list[str]
    notifymsgs: list[str]


def _add_unique(values: list[str], value: str) -> None:
    if value and value not in values:
        values.append(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerInfo:
    """A running timer as ``upssched -l`` shows it."""

    name: str
    deadline: float
    notifytypes: tuple[str, ...] = ()
    upsnames: tuple[str, ...] = ()
    notifymsgs: tuple[str, ...] = ()

    def env(self) -> Mapping[str, str]:
        """The event variables CMDSCRIPT gets when this timer fires."""
        env: dict[str, str] = {}
        if self.upsnames:
            env["UPSNAME"] = ",".join(self.upsnames)
        if self.notifytypes:
            env["NOTIFYTYPE"] = ",".join(self.notifytypes)
        if self.notifymsgs:
            env["NOTIFYMSG"] = ".\t".join(self.notifymsgs)
        return MappingProxyType(env)


class TimerTable:
    """The daemon's timers, in the order they were started.

    Every method that changes the table takes ``now`` so that the table
    knows how long it has been empty (:meth:`idle`).
    """

    __slots__ = ("_timers", "_seq", "_empty_since")

    def __init__(self, now: float) -> None:
        self._timers: list[_Timer] = []
        self._seq = 0
        self._empty_since: float | None = now

    def __len__(self) -> int:
        return len(self._timers)

    def start(
        self,
        name: str,
        interval: float,
        now: float,
        *,
        notifytype: str = "",
        upsname: str = "",
        notifymsg: str = "",
        shared: bool = False,
    ) -> bool:
        """Start a timer of ``interval`` seconds; False if the interval is negative.

        With ``shared``, an existing timer of that name (the first one) gets
        the event's values added, each once, and keeps its deadline.
        """
        if interval < 0:
            return False
        if shared:
            for timer in self._timers:
                if timer.name == name:
                    _add_unique(timer.notifytypes, notifytype)
                    _add_unique(timer.upsnames, upsname)
                    _add_unique(timer.notifymsgs, notifymsg)
                    return True
        self._seq += 1
        timer = _Timer(name, now + interval, self._seq, [], [], [])
        _add_unique(timer.notifytypes, notifytype)
        _add_unique(timer.upsnames, upsname)
        _add_unique(timer.notifymsgs, notifymsg)
        self._timers.append(timer)
        self._empty_since = None
        return True

    def cancel(
        self,
        name: str,
        now: float,
        *,
        matched: bool = False,
        notifytype: str = "",
        upsname: str = "",
    ) -> int:
        """Remove the timers called ``name``; returns how many.

        With ``matched``, a timer goes only if it lists ``notifytype`` and
        ``upsname`` among its events (an empty one is no constraint).
        """

        def goes(timer: _Timer) -> bool:
            if timer.name != name:
                return False
            if not matched:
                return True
            if notifytype and notifytype not in timer.notifytypes:
                return False
            return not upsname or upsname in timer.upsnames

        kept = [t for t in self._timers if not goes(t)]
        removed = len(self._timers) - len(kept)
        self._timers = kept
        if removed and not kept:
            self._empty_since = now
        return removed

    def due(self, now: float) -> list[TimerInfo]:
        """Remove and return the timers whose deadline has come.

        Earliest deadline first; equal deadlines in the order they started.
        """
        fired = sorted((t for t in self._timers if t.deadline <= now), key=_order)
        if fired:
            self._timers = [t for t in self._timers if t.deadline > now]
            if not self._timers:
                self._empty_since = now
        return [_info(t) for t in fired]

    def next_deadline(self) -> float | None:
        """When the next timer expires, or ``None`` with no timers."""
        return min((t.deadline for t in self._timers), default=None)

    def idle(self, now: float, timeout: float = IDLE_TIMEOUT) -> bool:
        """Whether the table has been empty for ``timeout`` seconds."""
        return self._empty_since is not None and now - self._empty_since >= timeout

    def idle_deadline(self, timeout: float = IDLE_TIMEOUT) -> float | None:
        """When :meth:`idle` turns true if nothing is started, or ``None``."""
        return None if self._empty_since is None else self._empty_since + timeout

    def timers(self) -> list[TimerInfo]:
        """Every running timer, in the order they started."""
        return [_info(t) for t in self._timers]


def _order(timer: _Timer) -> tuple[float, int]:
    return (timer.deadline, timer.seq)


def _info(timer: _Timer) -> TimerInfo:
    return TimerInfo(
        name=timer.name,
        deadline=timer.deadline,
        notifytypes=tuple(timer.notifytypes),
        upsnames=tuple(timer.upsnames),
        notifymsgs=tuple(timer.notifymsgs),
    )


# -- the daemon's answers -------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """What the daemon does for one request: run ``runs``, then send ``lines``.

    NUT runs a ``CANCEL`` command before it answers, so a client that has
    its ``OK`` knows the script has run.  ``notes`` are log messages.
    """

    lines: tuple[str, ...] = ()
    runs: tuple[RunScript, ...] = ()
    notes: tuple[str, ...] = ()


_OK = ("OK\n",)


class Scheduler:
    """The timer daemon without its socket: requests in, replies and scripts out.

    The daemon leaves once it has had no timers *and* no requests for
    ``idle_timeout`` seconds: a request that starts nothing (a listing, a
    cancel) still means someone may be about to ask again.
    """

    __slots__ = ("table", "idle_timeout", "_last_request")

    def __init__(self, now: float, *, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.table = TimerTable(now)
        self.idle_timeout = idle_timeout
        self._last_request = now

    def handle(self, args: Sequence[str], now: float, wall: float) -> Reply:
        """Answer one tokenized request line; ``wall`` is Unix time, for listings."""
        self._last_request = max(self._last_request, now)
        request = parse_request(args)
        if request is None:
            return Reply(
                lines=("ERR UNKNOWN\n",),
                notes=("Unknown command on socket: " + " ".join(args),),
            )
        if isinstance(request, ListRequest):
            return Reply(
                lines=(LIST_BEGIN + "\n", *self._listing(now, wall), LIST_END + "\n", "OK\n")
            )
        if isinstance(request, StartRequest):
            interval = _strtol(request.interval)
            ok = self.table.start(
                request.name,
                interval,
                now,
                notifytype=request.notifytype,
                upsname=request.upsname,
                notifymsg=request.notifymsg,
                shared=request.shared,
            )
            note = (
                f"New timer: {request.name} ({interval} seconds)"
                if ok
                else "bogus offset for timer, ignoring"
            )
            return Reply(lines=_OK, notes=(note,))
        # CANCEL-MATCHED: by the UPS only.  upssched.conf(5) says "UPSNAME and
        # NOTIFYTYPE", but its one example (AT ONLINE ... CANCEL-TIMER-MATCHED
        # of a timer started on ONBATT) could never match on the type, and a
        # cancel always comes from another event than the start.
        removed = self.table.cancel(
            request.name, now, matched=request.matched, upsname=request.upsname
        )
        if removed:
            return Reply(lines=_OK, notes=(f"Cancelling timer: {request.name}",))
        if request.cmd:
            return Reply(
                lines=_OK,
                runs=(RunScript(arg=request.cmd),),
                notes=(f"Cancel {request.name}, event: {request.cmd}",),
            )
        return Reply(lines=_OK)

    def tick(self, now: float) -> list[RunScript]:
        """The scripts to run for timers that expired by ``now``, in order."""
        return [RunScript(arg=t.name, env=t.env()) for t in self.table.due(now)]

    def wake_at(self) -> float | None:
        """When the daemon must look again: next deadline, or idle exit time."""
        deadline = self.table.next_deadline()
        if deadline is not None:
            return deadline
        idle = self.table.idle_deadline(self.idle_timeout)
        return None if idle is None else max(idle, self._last_request + self.idle_timeout)

    def should_exit(self, now: float) -> bool:
        """True once the daemon has had no timers and no requests for its idle timeout."""
        quiet = now - self._last_request >= self.idle_timeout
        return quiet and self.table.idle(now, self.idle_timeout)

    def _listing(self, now: float, wall: float) -> list[str]:
        rows = []
        for t in self.table.timers():
            left = t.deadline - now
            rows.append(
                "\t".join(
                    (
                        t.name,
                        str(int(wall + left)),
                        f"{left:g}",
                        ",".join(t.notifytypes) or '""',
                        ",".join(t.upsnames) or '""',
                        ".\t".join(t.notifymsgs) or '""',
                    )
                )
                + "\n"
            )
        return rows
