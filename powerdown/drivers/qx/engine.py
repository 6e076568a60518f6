"""The protocol-independent half of nutdrv_qx: claim, walk, commands, settings.

Strategy
--------
NUT's ``nutdrv_qx.c`` (``qx_ups_walk``, ``qx_process``, ``ups_infoval_set``,
``instcmd``, ``setvar``, ``upsdrv_updateinfo``), as generators so that no
I/O happens here: every exchange with the UPS is ``reply = yield command``.
The caller writes the command, reads one line back (or nothing, on a
timeout) and sends in the bytes: ``b""`` for "no answer", ``None`` for "the
port failed".  Whatever comes back, these generators either finish with a
result or carry on; they never raise on a bad reply.

A walk goes through the protocol's items in order.  Items that share a
command share one reply (NUT re-uses the previous item's answer).  Three
modes, as NUT: ``INIT`` reads everything once and drops what the UPS
cannot give; ``QUICK`` reads only the status bits; ``FULL`` reads all but
the static values.  A status item that cannot be read fails the walk;
``update`` counts failed walks and tells the driver when the data is
stale (after ``MAXTRIES`` + 1 failures in a row, as NUT).

Status bits collect in a set and are published in NUT's order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from typing import TypeVar

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.qx.estimate import Estimator
from powerdown.drivers.qx.items import NUMERIC, Item, QxFlag, extract, standard_value, strtol
from powerdown.drivers.qx.protocols import Protocol
from powerdown.protocol.sock import TrackingStatus

__all__ = ["Engine", "Mode", "Exchange", "Poll", "MAXTRIES", "STATUS_ORDER"]

T = TypeVar("T")
#: ``reply = yield command``: bytes out, the reply line in (b"" none, None port failed).
Exchange = Generator[bytes, "bytes | None", T]

#: NUT's retry count: for the claim, for ``-k`` and for polls before "stale".
MAXTRIES = 3

#: ``ups_status_set``: the order NUT publishes the words in (OL or OB first).
STATUS_ORDER = (
    "DISCHRG",
    "CHRG",
    "LB",
    "OVER",
    "RB",
    "TRIM",
    "BOOST",
    "BYPASS",
    "OFF",
    "CAL",
    "FSD",
)
_KNOWN = frozenset(STATUS_ORDER) | {"OL"}


class Mode(enum.Enum):
    INIT = "init"
    QUICK = "quick"
    FULL = "full"


class Poll(enum.Enum):
    """What one ``update`` came to."""

    OK = "ok"
    #: the UPS did not answer; not stale yet
    RETRY = "retry"
    STALE = "stale"


class Engine:
    """One UPS on one protocol: the items, the status bits, the retry count."""

    def __init__(
        self,
        protocol: Protocol,
        dstate: Dstate,
        *,
        log: Callable[[str], None] = lambda text: None,
        pollfreq: float = 30.0,
        getval: Callable[[str], str | None] = lambda name: None,
        testvar: Callable[[str], bool] = lambda name: False,
    ) -> None:
        self.protocol = protocol
        self.items = protocol.items
        self.dstate = dstate
        self.log = log
        self._getval = getval
        self._testvar = testvar
        #: what a subdriver keeps between items (NUT's file-scope variables)
        self.memo: dict[str, str] = {}
        self.skip: set[int] = {i for i, item in enumerate(self.items) if item.has(QxFlag.SKIP)}
        self.status: set[str] = set()
        self.estimator = Estimator(log=log)
        self.data_has_changed = False
        self.pollfreq = pollfreq
        self.lastpoll = 0.0
        self.retry = 0
        self._answer = ""

    # -- looking items up ------------------------------------------------------

    def find(self, name: str, flag: QxFlag = QxFlag.NONE, noflag: QxFlag = QxFlag.NONE) -> int:
        """NUT's ``find_nut_info``: the first item with that name and flags (-1 if none)."""
        for i, item in enumerate(self.items):
            if item.name.lower() != name.lower():
                continue
            flags = (item.flags & ~QxFlag.SKIP) | (QxFlag.SKIP if i in self.skip else QxFlag.NONE)
            if flag and (flags & flag) != flag:
                continue
            if noflag and flags & noflag:
                continue
            return i
        return -1

    # -- the session the Voltronic hooks see ---------------------------------------

    def getinfo(self, name: str) -> str | None:
        return self.dstate.getinfo(name)

    def setinfo(self, name: str, value: str) -> None:
        self.dstate.setinfo(name, value)

    def getval(self, name: str) -> str | None:
        return self._getval(name)

    def testvar(self, name: str) -> bool:
        return self._testvar(name)

    def unskip(self, name: str, flag: QxFlag = QxFlag.NONE) -> bool:
        """Turn on the first item with that name and flag; False if there is none."""
        i = self.find(name, flag)
        if i < 0:
            return False
        self.skip.discard(i)
        return True

    def skip_item(self, item: Item) -> None:
        for i, candidate in enumerate(self.items):
            if candidate is item:
                self.skip.add(i)

    def unskip_where(self, wanted: Callable[[Item], bool]) -> None:
        for i, item in enumerate(self.items):
            if item.command is not None and wanted(item):
                self.skip.discard(i)

    def rw_values(self, item: Item) -> tuple[str, ...]:
        return item.rw_fn(self) if item.rw_fn is not None else item.rw

    # -- one exchange --------------------------------------------------------------

    def query(self, item: Item, command: str | None = None) -> Exchange[str | None]:
        """Send the item's command (or ``command``) and cut its value out of the reply."""
        text = command if command is not None else item.command or ""
        reply = yield text.encode("latin-1")
        self._answer = ""
        if reply is None:
            return None
        self._answer = reply.decode("latin-1")
        if item.preprocess_answer is not None:
            # the reshaped reply is what later items on the same command share;
            # an unusable one is shared by none (NUT clears it)
            reshaped = item.preprocess_answer(item, self._answer)
            if reshaped is None:
                self._answer = ""
                return None
            self._answer = reshaped
        return extract(item, self._answer, rejected=self.protocol.rejected)

    def infoval(self, item: Item, raw: str) -> int:
        """NUT's ``ups_infoval_set``: -1 bad value, 0 a status/alarm bit, 1 a variable set."""
        if item.process is not None or item.handle is not None:
            if item.handle is not None:
                value = item.handle(item, raw, self)
            else:
                assert item.process is not None
                value = item.process(item, raw, self.dstate.getinfo)
            if value is None:
                return -1
            if item.name.startswith("ups.status"):
                if value:
                    self.update_status(value)
                return 0
            if item.name.startswith("ups.alarm"):
                if value:
                    self.dstate.alarm_set(value)
                return 0
        else:
            standard = standard_value(item, raw)
            if standard is None:
                return -1
            value = standard
        if item.has(QxFlag.NONUT):
            self.log(f"{item.name}: {value}")
            return 1
        if not value:
            return -1
        self.dstate.setinfo(item.name, value)
        self.estimator.reported(item.name.lower(), value)
        return 1

    def update_status(self, word: str) -> None:
        clear = word.startswith("!")
        token = word[1:].upper() if clear else word.upper()
        if token not in _KNOWN:
            return
        if clear:
            self.status.discard(token)
        else:
            self.status.add(token)

    def set_var_info(self, item: Item) -> None:
        """Flags and ranges of a variable (``qx_set_var``)."""
        rw = self.rw_values(item)
        nonut = item.has(QxFlag.NONUT)
        if not nonut:
            self.dstate.setflags(item.name, item.info_flags)
        if item.has(QxFlag.ENUM):
            if nonut:
                self.log(f"{item.name}, settable values:{''.join(' ' + v for v in rw) or ' none'}")
            else:
                for value in rw:
                    self.dstate.addenum(item.name, value)
        if item.has(QxFlag.RANGE):
            pairs = list(zip(rw[0::2], rw[1::2], strict=False))
            for low, high in pairs:
                if nonut:
                    self.log(f"{item.name}, settable range: {low}..{high}")
                else:
                    self.dstate.addrange(item.name, strtol(low), strtol(high))
            if nonut and not pairs:
                self.log(f"{item.name}, settable range: none")

    # -- the claim -------------------------------------------------------------------

    def claim(self, *, novendor: bool = False) -> Exchange[bool]:
        """Whether the UPS speaks this protocol (``*_claim``)."""
        names = self.protocol.claim + (() if novendor else self.protocol.claim_vendor)
        done: list[str] = []
        for name in names:
            i = self.find(name)
            if i < 0:
                break
            item = self.items[i]
            raw = yield from self.query(item)
            if raw is None and self._refused_is_a_claim(name):
                # a UPS that refuses the query speaks the protocol all the same
                self.skip.add(i)
                continue
            if raw is None or self.infoval(item, raw) != 1:
                break
            done.append(item.name)
        else:
            return True
        for name in done:
            self.dstate.delinfo(name)
        return False

    def _refused_is_a_claim(self, name: str) -> bool:
        rejected = self.protocol.rejected
        return (
            name in self.protocol.claim_refused
            and rejected is not None
            and self._answer.lower() == rejected.lower()
        )

    # -- walks -----------------------------------------------------------------------

    def walk(self, mode: Mode, now: float) -> Exchange[bool]:
        """One pass over the items (``qx_ups_walk``); False if a status item failed."""
        if mode is Mode.FULL:
            self.estimator.start_full_poll()
        prev_command = ""
        prev_answer = ""
        for i, item in enumerate(self.items):
            if i in self.skip:
                continue
            if mode is Mode.INIT:
                if item.has(QxFlag.ABSENT):
                    if self.dstate.getinfo(item.name) is None:
                        self.dstate.setinfo(item.name, item.fmt or "")
                        self.set_var_info(item)
                    continue
                duplicate_ok = item.name.startswith(("ups.alarm", "ups.status"))
                if not duplicate_ok and self.dstate.getinfo(item.name) is not None:
                    continue
            elif mode is Mode.QUICK:
                if not item.has(QxFlag.QUICK_POLL):
                    continue
            else:
                if item.flags & (QxFlag.ABSENT | QxFlag.CMD | QxFlag.SETVAR | QxFlag.STATIC):
                    continue
                if item.has(QxFlag.SEMI_STATIC) and not self.data_has_changed:
                    continue
            if item.has(QxFlag.CMD):
                self.dstate.addcmd(item.name)
                continue
            if item.has(QxFlag.SETVAR):
                if item.has(QxFlag.NONUT):
                    # a one-time setting from ups.conf (NUT: ``setvar(name, NULL)``)
                    yield from self.setvar(item.name, None)
                    self.skip.add(i)
                continue
            command = item.command or ""
            if prev_command and prev_answer and prev_command.lower() == command.lower():
                self._answer = prev_answer
                raw = extract(item, prev_answer, rejected=self.protocol.rejected)
            else:
                raw = yield from self.query(item)
            prev_command, prev_answer = command, self._answer
            if raw is None:
                if item.has(QxFlag.QUICK_POLL):
                    return False
                if mode is Mode.INIT:
                    self.skip.add(i)
                continue
            result = self.infoval(item, raw)
            if result == -1:
                if item.has(QxFlag.QUICK_POLL):
                    return False
                continue
            if result and mode is Mode.INIT:
                self.set_var_info(item)
        est = self.estimator
        if mode is Mode.FULL and (est.runt_act == -1 or est.chrg_act == -1):
            est.update(self.dstate, now, online="OL" in self.status)
        return True

    def status_words(self) -> list[str]:
        words = ["OL" if "OL" in self.status else "OB"]
        words += [w for w in STATUS_ORDER if w in self.status]
        return words

    def update(self, now: float) -> Exchange[Poll]:
        """One poll (``upsdrv_updateinfo``): a full walk every ``pollfreq``, else a quick one."""
        dstate = self.dstate
        dstate.status_init()
        full = now > self.lastpoll + self.pollfreq or self.data_has_changed
        if full:
            self.status.clear()
            dstate.alarm_init()
        ok = yield from self.walk(Mode.FULL if full else Mode.QUICK, now)
        if not ok:
            if self.retry <= MAXTRIES:
                self.retry += 1
                return Poll.RETRY
            return Poll.STALE
        if full:
            self.lastpoll = now
            self.data_has_changed = False
            if "RB" in self.status:
                dstate.alarm_set("Replace battery!")
            if "FSD" in self.status:
                dstate.alarm_set("Shutdown imminent!")
            dstate.alarm_commit()
        for word in self.status_words():
            dstate.status_set(word)
        dstate.status_commit()
        if self.retry > MAXTRIES:
            self.log("Communications with the UPS re-established")
        self.retry = 0
        return Poll.OK

    # -- instant commands and settings ------------------------------------------------

    def _reply_status(self, raw: str | None) -> bool:
        """A command's reply: nothing or the protocol's "accepted" is success."""
        if raw is None:
            return False
        if raw:
            accepted = self.protocol.accepted
            return accepted is not None and raw.lower() == accepted.lower()
        return True

    def instcmd(self, name: str, param: str | None) -> Exchange[TrackingStatus]:
        """NUT's ``instcmd``: HANDLED, FAILED, or INVALID for a command we do not have."""
        low = name.lower()
        if low == "beeper.off":
            self.log("The 'beeper.off' command has been renamed to 'beeper.disable'")
            return (yield from self.instcmd("beeper.disable", None))
        if low == "beeper.on":
            self.log("The 'beeper.on' command has been renamed to 'beeper.enable'")
            return (yield from self.instcmd("beeper.enable", None))
        self.log(f"instcmd({name}, {param if param is not None else '[NULL]'})")
        i = self.find(name, QxFlag.CMD, QxFlag.SKIP)
        if i < 0:
            return TrackingStatus.INVALID
        item = self.items[i]
        value = param if param is not None else ""
        command: str | None = None
        if item.build is not None or item.make is not None:
            command = self._build(item, value)
            if command is None:
                self.log("instcmd: FAILED")
                return TrackingStatus.FAILED
        raw = yield from self.query(item, command)
        if not self._reply_status(raw):
            self.log("instcmd: FAILED")
            return TrackingStatus.FAILED
        self.log("instcmd: SUCCEED")
        self.data_has_changed = True
        return TrackingStatus.HANDLED

    def _build(self, item: Item, value: str) -> str | None:
        if item.make is not None:
            return item.make(item, value, self)
        assert item.build is not None
        return item.build(item, value, self.dstate.getinfo)

    def setvar(self, name: str, value: str | None) -> Exchange[TrackingStatus]:
        """NUT's ``setvar``; NUT answers UNKNOWN for every refusal, and so do we.

        ``value`` None is NUT's one-time setting of a variable with no NUT
        name (``QX_FLAG_NONUT``): its value comes from ``ups.conf``.
        """
        i = self.find(name, QxFlag.SETVAR, QxFlag.SKIP)
        if i < 0:
            return TrackingStatus.UNKNOWN
        item = self.items[i]
        if item.has(QxFlag.NONUT):
            if not self.testvar(item.name):
                return TrackingStatus.HANDLED
            user = self.getval(item.name)
            self.log(f"setvar({name}, {user if user is not None else '[NULL]'})")
            value = user or ""
        else:
            value = value or ""
            self.log(f"setvar({name}, {value or '[NULL]'})")
            if not value:
                return TrackingStatus.UNKNOWN
            current = self.dstate.getinfo(item.name)
            if current is not None and current.lower() == value.lower():
                return TrackingStatus.HANDLED
        rw = self.rw_values(item)
        if item.has(QxFlag.RANGE):
            if any(ch not in NUMERIC for ch in value):
                self.log(f"setvar: non numerical value [{item.name}: {value}]")
                return TrackingStatus.UNKNOWN
            if not value:
                return TrackingStatus.UNKNOWN
            n = strtol(value)
            pairs = zip(rw[0::2], rw[1::2], strict=False)
            if not any(strtol(lo) <= n <= strtol(hi) for lo, hi in pairs):
                self.log(f"setvar: value out of range [{item.name}: {value}]")
                return TrackingStatus.UNKNOWN
        elif item.has(QxFlag.ENUM):
            if value.lower() not in (v.lower() for v in rw):
                self.log(f"setvar: value out of range [{item.name}: {value}]")
                return TrackingStatus.UNKNOWN
        command: str | None = None
        if item.build is not None or item.make is not None:
            command = self._build(item, value)
            if command is None:
                self.log("setvar: FAILED")
                return TrackingStatus.UNKNOWN
        if item.has(QxFlag.ABSENT):
            self.dstate.setinfo(item.name, command or "")
            self.log("setvar: SUCCEED")
            return TrackingStatus.HANDLED
        raw = yield from self.query(item, command)
        if not self._reply_status(raw):
            self.log("setvar: FAILED")
            return TrackingStatus.UNKNOWN
        self.log("setvar: SUCCEED")
        self.data_has_changed = True
        return TrackingStatus.HANDLED


def run_sync(exchange: Exchange[T], answer: Callable[[bytes], bytes | None]) -> T:
    """Drive an exchange with a plain function (tests, the simulator)."""
    try:
        command = next(exchange)
        while True:
            command = exchange.send(answer(command))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
