"""upsd's side of one driver socket, without the socket (NUT ``server/sstate.c``).

Strategy
--------
upsd connects to every driver's Unix socket, asks for ``DUMPALL`` and keeps
a full copy of the driver's variable tree, which it serves to clients.  This
module is that link with the I/O taken out, in the style of h11: the shell
tells it what happened (``connected``, ``receive``, ``disconnected``) and
lets time pass (``tick``); it answers with lines to write and events to log
or act on.  ``now`` is always an argument (a monotonic clock reading, in
seconds); nothing here reads a clock.

The link is in one of three states::

    DISCONNECTED --connected()--> DUMPING --DUMPDONE--> LIVE
         ^                           |                    |
         +-------disconnected()------+--------------------+

Facts from NUT 2.8.0 this follows (``sstate.c``, ``upsd.c``):

* on connecting, upsd sends ``DUMPALL``, starts a fresh tree holding only
  ``ups.status = WAIT`` (replaced once the dump brings the real status) and
  counts the connection as news (``last_heard``);
* only a line upsd understands counts as news; a malformed line is logged
  and skipped and never ends the link;
* the data is stale (clients get ``ERR DATA-STALE``) when the driver said
  ``DATASTALE`` after its dump was done, or when nothing was heard for more
  than MAXAGE seconds.  Before ``DUMPDONE``, DATAOK/DATASTALE are not
  consulted, so a link still dumping is *not* stale: clients see what has
  arrived so far, with ``ups.status`` WAIT.  Without a connection the answer
  is ``ERR DRIVER-NOT-CONNECTED`` instead;
* when nothing was heard for a third of MAXAGE, upsd sends ``PING`` (again
  at most every third of MAXAGE) so a quiet driver has time to answer;
* a lost connection throws the whole tree away: the next connection starts
  again from ``DUMPALL`` (sock-protocol.txt, "Re-establishing
  communications");
* tracking results (``TRACKING <id> <status>``) go into one table that upsd
  keeps for all drivers; entries are found without regard to case and are
  dropped TRACKINGDELAY seconds after the request.

upsd only logs the change between stale and fresh (``ups_data_stale`` and
``ups_data_ok``), so ``tick`` reports those changes, not the condition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Literal, TypeAlias

from powerdown.protocol import sock
from powerdown.protocol.errors import ErrToken, LocalProtocolError, RemoteProtocolError
from powerdown.protocol.words import Tokenizer
from powerdown.state.tree import DeviceState

__all__ = [
    "MAXAGE",
    "TRACKINGDELAY",
    "LinkState",
    "Received",
    "DumpCompleted",
    "Malformed",
    "Send",
    "UpsDataStale",
    "UpsDataOk",
    "LinkEvent",
    "DriverLink",
    "TrackingTable",
]

#: upsd.conf defaults.
MAXAGE = 15.0
TRACKINGDELAY = 3600.0


class LinkState(Enum):
    DISCONNECTED = "DISCONNECTED"
    DUMPING = "DUMPING"
    LIVE = "LIVE"


# Every transition the link makes, and so every one it allows: (state, what
# happened) -> next state.  A pair missing here is the caller's mistake.
_TRANSITIONS: dict[tuple[LinkState, str], LinkState] = {
    (LinkState.DISCONNECTED, "connected"): LinkState.DUMPING,
    (LinkState.DUMPING, "data"): LinkState.DUMPING,
    (LinkState.DUMPING, "DUMPDONE"): LinkState.LIVE,
    (LinkState.DUMPING, "disconnected"): LinkState.DISCONNECTED,
    (LinkState.LIVE, "data"): LinkState.LIVE,
    (LinkState.LIVE, "DUMPDONE"): LinkState.LIVE,  # the end of a DUMPVALUE answer
    (LinkState.LIVE, "disconnected"): LinkState.DISCONNECTED,
    (LinkState.DISCONNECTED, "disconnected"): LinkState.DISCONNECTED,
}


# -- events (what receive/tick return) ------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """The driver sent ``message``; ``changed`` says whether the tree changed."""

    message: sock.DriverMessage
    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpCompleted:
    """``DUMPDONE`` arrived: the copy of the tree is complete (DUMPING -> LIVE)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Malformed:
    """A line that was skipped; worth a log line, never a reason to hang up."""

    args: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Send:
    """Write ``line`` (plus a newline) to the driver."""

    line: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsDataStale:
    """The data just became stale (NUT: "Data for UPS [x] is stale - check driver")."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsDataOk:
    """The data is fresh again (NUT: "UPS [x] data is no longer stale")."""


LinkEvent: TypeAlias = Received | DumpCompleted | Malformed | Send | UpsDataStale | UpsDataOk


# -- tracking -----------------------------------------------------------------

TrackingResult: TypeAlias = Literal["PENDING", "SUCCESS"] | ErrToken

_RESULTS: dict[int, TrackingResult] = {
    sock.TrackingStatus.PENDING: "PENDING",
    sock.TrackingStatus.HANDLED: "SUCCESS",
    sock.TrackingStatus.UNKNOWN: ErrToken.UNKNOWN,
    sock.TrackingStatus.INVALID: ErrToken.INVALID_ARGUMENT,
    sock.TrackingStatus.FAILED: ErrToken.FAILED,
}


class TrackingTable:
    """Results of INSTCMD/SET requests sent with ``TRACKING <id>`` (upsd.c).

    upsd adds an id when it forwards a tracked request, a driver's
    ``TRACKING`` line resolves it, and ``GET TRACKING <id>`` reads it.
    """

    __slots__ = ("_items",)

    def __init__(self) -> None:
        # key: id in lower case -> (status, time of the request)
        self._items: dict[str, tuple[int, float]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, id_: object) -> bool:
        return isinstance(id_, str) and id_.lower() in self._items

    def add(self, id_: str, now: float) -> None:
        """A tracked request was sent: its result is PENDING from ``now``."""
        self._items[id_.lower()] = (sock.TrackingStatus.PENDING, now)

    def resolve(self, id_: str, status: int) -> bool:
        """Record the driver's result; False when the id is not (or no longer) known."""
        item = self._items.get(id_.lower())
        if item is None:
            return False
        self._items[id_.lower()] = (status, item[1])
        return True

    def get(self, id_: str) -> TrackingResult:
        """``PENDING``, ``SUCCESS`` or the error token ``GET TRACKING`` answers.

        An id never added, already expired, or resolved with a status code
        NUT does not define, is ``ErrToken.UNKNOWN``.
        """
        item = self._items.get(id_.lower())
        if item is None:
            return ErrToken.UNKNOWN
        return _RESULTS.get(item[0], ErrToken.UNKNOWN)

    def reply(self, id_: str) -> str:
        """The ``GET TRACKING <id>`` reply line, without its newline."""
        result = self.get(id_)
        return f"ERR {result}" if isinstance(result, ErrToken) else result

    def expire(self, now: float, trackingdelay: float = TRACKINGDELAY) -> list[str]:
        """Forget requests older than ``trackingdelay`` seconds; returns their ids."""
        old = [k for k, (_, t) in self._items.items() if now - t > trackingdelay]
        for k in old:
            del self._items[k]
        return old


# -- the link -----------------------------------------------------------------


class DriverLink:
    """One driver socket as upsd sees it: the tree copy, freshness, PINGs.

    Args:
        name: the UPS name, used only in event reasons.
        maxage: upsd.conf MAXAGE, seconds without news before data is stale.
        tracking: the table that ``TRACKING`` results from this driver
            resolve (upsd has one for all drivers); None to leave that to
            the caller, who still sees every result as a ``Received`` event.
    """

    __slots__ = (
        "name",
        "maxage",
        "tracking",
        "_state",
        "_device",
        "_tokenizer",
        "_dumpdone",
        "_data_ok",
        "_last_heard",
        "_last_ping",
        "_stale_reported",
    )

    def __init__(
        self,
        name: str = "",
        *,
        maxage: float = MAXAGE,
        tracking: TrackingTable | None = None,
    ) -> None:
        if not maxage > 0:
            raise ValueError(f"maxage must be positive: {maxage!r}")
        self.name = name
        self.maxage = maxage
        self.tracking = tracking
        self._state = LinkState.DISCONNECTED
        self._device = DeviceState()
        self._tokenizer = Tokenizer()
        self._dumpdone = False
        self._data_ok = False
        self._last_heard = -math.inf
        self._last_ping = -math.inf
        self._stale_reported = False

    def __repr__(self) -> str:
        return f"<DriverLink {self.name!r} {self._state.name} vars={len(self._device)}>"

    # -- what the shell and upsd read ----------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def device(self) -> DeviceState:
        """The copy of the driver's tree.  The same object for the link's life."""
        return self._device

    @property
    def dumpdone(self) -> bool:
        return self._dumpdone

    @property
    def data_ok(self) -> bool:
        """What the driver last said: DATAOK (True) or DATASTALE (False)."""
        return self._data_ok

    @property
    def last_heard(self) -> float:
        return self._last_heard

    @property
    def is_connected(self) -> bool:
        return self._state is not LinkState.DISCONNECTED

    def stale_reason(self, now: float) -> str | None:
        """Why the data must not be served now, or None when it may be."""
        if self._state is LinkState.DISCONNECTED:
            return "driver not connected"
        if self._dumpdone and not self._data_ok:
            return "driver says data is stale"
        elapsed = now - self._last_heard
        if elapsed > self.maxage:
            return f"nothing heard from driver for {elapsed:.0f} seconds (MAXAGE {self.maxage:g})"
        return None

    def is_stale(self, now: float) -> bool:
        """True when upsd would refuse to serve this device's data."""
        return self.stale_reason(now) is not None

    def availability(self, now: float) -> ErrToken | None:
        """The error upsd answers GET/LIST/SET/INSTCMD with, or None (``ups_available``)."""
        if self._state is LinkState.DISCONNECTED:
            return ErrToken.DRIVER_NOT_CONNECTED
        if self.is_stale(now):
            return ErrToken.DATA_STALE
        return None

    # -- what happens to the link ------------------------------------------

    def connected(self, now: float) -> list[str]:
        """The socket is connected.

        Returns:
            The lines to write (``DUMPALL``), without newlines.

        Raises:
            LocalProtocolError: the link was already connected.
        """
        self._fire("connected")
        self._reset()
        self._device.set_info("ups.status", "WAIT")
        self._last_heard = now
        return [sock.render(sock.DumpAll())]

    def disconnected(self, now: float) -> None:
        """The socket is gone: forget everything (the next connection dumps again)."""
        self._fire("disconnected")
        self._reset()

    def receive(self, data: bytes, now: float) -> list[LinkEvent]:
        """Bytes read from the driver.

        Lines may be split anywhere; the result is the same however the bytes
        are cut.  An empty ``data`` does nothing (EOF is ``disconnected``).

        Returns:
            ``Received`` for every message understood (in order),
            ``DumpCompleted`` when the dump ends, ``Malformed`` for lines
            that were skipped.

        Raises:
            LocalProtocolError: the link is not connected.
        """
        self._fire("data")
        events: list[LinkEvent] = []
        for words in self._tokenizer.feed(data):
            if words.error is not None:
                events.append(Malformed(args=words.args, reason=words.error))
                continue
            if not words.args:
                continue
            try:
                msg = sock.parse_driver_message(words.args)
            except RemoteProtocolError as exc:
                events.append(Malformed(args=words.args, reason=str(exc)))
                continue
            self._last_heard = now
            changed = sock.apply(self._device, msg)
            events.append(Received(message=msg, changed=changed))
            if isinstance(msg, sock.DumpDone):
                self._dumpdone = True
                if self._fire("DUMPDONE") is LinkState.DUMPING:
                    events.append(DumpCompleted())
            elif isinstance(msg, sock.DataOK):
                self._data_ok = True
            elif isinstance(msg, sock.DataStale):
                self._data_ok = False
            elif isinstance(msg, sock.Tracking) and self.tracking is not None:
                self.tracking.resolve(msg.id, msg.status)
        return events

    def tick(self, now: float) -> list[LinkEvent]:
        """Let time pass: maybe PING the driver, maybe report a change of freshness.

        Call it every second or two (upsd's loop wakes at least every 2 s).

        Returns:
            ``Send(PING)`` when nothing was heard for a third of MAXAGE (and
            no PING went out in that time); ``UpsDataStale`` / ``UpsDataOk``
            when freshness changed since the last tick.  Nothing while
            disconnected (upsd only tries to reconnect then).
        """
        if self._state is LinkState.DISCONNECTED:
            return []
        events: list[LinkEvent] = []
        third = self.maxage / 3
        if now - self._last_heard > third and now - self._last_ping > third:
            self._last_ping = now
            events.append(Send(line=sock.render(sock.Ping())))
        reason = self.stale_reason(now)
        if reason is not None and not self._stale_reported:
            self._stale_reported = True
            events.append(UpsDataStale(reason=reason))
        elif reason is None and self._stale_reported:
            self._stale_reported = False
            events.append(UpsDataOk())
        return events

    # -- requests to the driver ------------------------------------------------

    def instcmd(self, name: str, param: str | None = None, tracking: str | None = None) -> str:
        """The ``INSTCMD`` line to write (without newline).

        Raises:
            LocalProtocolError: not connected, or a name/id that cannot be sent.
        """
        self._require_connection("INSTCMD")
        return sock.render(sock.InstCmd(name=name, param=param, tracking=tracking))

    def set_var(self, name: str, value: str, tracking: str | None = None) -> str:
        """The ``SET`` line to write (without newline).

        Raises:
            LocalProtocolError: not connected, or a name/id that cannot be sent.
        """
        self._require_connection("SET")
        return sock.render(sock.Set(name=name, value=value, tracking=tracking))

    # -- internals ---------------------------------------------------------------

    def _fire(self, what: str) -> LinkState:
        """Make the transition for ``what``; returns the state it left."""
        old = self._state
        new = _TRANSITIONS.get((old, what))
        if new is None:
            raise LocalProtocolError(f"{what} while {old.name}")
        self._state = new
        return old

    def _require_connection(self, what: str) -> None:
        if self._state is LinkState.DISCONNECTED:
            raise LocalProtocolError(f"{what}: driver not connected")

    def _reset(self) -> None:
        self._device.clear()
        self._tokenizer = Tokenizer()
        self._dumpdone = False
        self._data_ok = False
        self._last_heard = -math.inf
        self._last_ping = -math.inf
        self._stale_reported = False
