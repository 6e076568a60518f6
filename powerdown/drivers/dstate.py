"""What a driver publishes: its variable tree and the changes not yet sent.

Strategy
--------
NUT's ``drivers/dstate.c``: a driver sets values as often as it likes
(every poll, usually to the same values); only what actually changed goes
out to upsd, once.  Here every setter updates the tree (``state.tree``,
the same structure upsd mirrors) and, when the tree changed, queues the
socket message that carries the change.  The I/O shell takes the queue
after each poll or request (``take_changes``) and writes it to every
listening connection in one go.

``ups.status`` and ``ups.alarm`` are built word by word over a poll
(``status_init`` / ``status_set`` / ``status_commit``, the same for alarms)
and published once, on commit, so a client never sees half a status.  As
in later NUT, status words are split on blanks and kept once each; an
active alarm puts ``ALARM`` in front of the status.

``override.*`` values are immutable: the driver's own later readings are
ignored (``driver.flag.ignorelb`` and ``default.*`` are the framework's
business, see ``framework``).

Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from powerdown.protocol import sock
from powerdown.state.tree import DeviceState, Flag, Var

__all__ = ["Dstate", "flag_words"]


def flag_words(flags: Flag) -> tuple[str, ...]:
    """The SETFLAGS words of ``flags``, in NUT's order (RW, STRING, NUMBER)."""
    words = []
    if flags & Flag.RW:
        words.append("RW")
    if flags & Flag.STRING:
        words.append("STRING")
    if flags & Flag.NUMBER:
        words.append("NUMBER")
    return tuple(words)


class Dstate:
    """The driver's side of the tree, with the queue of unsent changes."""

    def __init__(self) -> None:
        self.tree = DeviceState()
        self._changes: list[sock.DriverMessage] = []
        self._stale = True
        self._status: list[str] = []
        self._alarms: list[str] = []
        self._alarm_active = False
        self.ignorelb = False

    # -- reading ------------------------------------------------------------

    def getinfo(self, name: str) -> str | None:
        return self.tree.value(name)

    @property
    def stale(self) -> bool:
        return self._stale

    # -- writing --------------------------------------------------------------

    def setinfo(self, name: str, value: str, *, immutable: bool = False) -> bool:
        """Set a variable; an immutable one (an override) keeps its value."""
        if not self.tree.set_info(name, value, immutable=immutable):
            return False
        var = self.tree.get(name)
        assert var is not None
        self._changes.append(sock.SetInfo(name=var.name, value=var.value))
        return True

    def delinfo(self, name: str) -> bool:
        var = self.tree.get(name)
        if var is None or var.flags & Flag.IMMUTABLE:
            return False
        self.tree.del_info(name)
        self._changes.append(sock.DelInfo(name=var.name))
        return True

    def setflags(self, name: str, flags: Flag) -> bool:
        if not self.tree.set_flags(name, flags):
            return False
        var = self.tree.get(name)
        assert var is not None
        words = flag_words(var.flags)
        # NUT cannot say "no flags" on the wire; a variable that loses them
        # all keeps its last flags at upsd until the next dump.
        if words:
            self._changes.append(sock.SetFlags(name=var.name, flags=words))
        return True

    def setaux(self, name: str, aux: int) -> bool:
        if not self.tree.set_aux(name, aux):
            return False
        self._changes.append(sock.SetAux(name=self._name(name), aux=aux))
        return True

    def addenum(self, name: str, value: str) -> bool:
        if not self.tree.add_enum(name, value):
            return False
        self._changes.append(sock.AddEnum(name=self._name(name), value=value))
        return True

    def delenum(self, name: str, value: str) -> bool:
        if not self.tree.del_enum(name, value):
            return False
        self._changes.append(sock.DelEnum(name=self._name(name), value=value))
        return True

    def addrange(self, name: str, low: int, high: int) -> bool:
        if not self.tree.add_range(name, low, high):
            return False
        self._changes.append(sock.AddRange(name=self._name(name), low=low, high=high))
        return True

    def delrange(self, name: str, low: int, high: int) -> bool:
        if not self.tree.del_range(name, low, high):
            return False
        self._changes.append(sock.DelRange(name=self._name(name), low=low, high=high))
        return True

    def addcmd(self, name: str) -> bool:
        if not self.tree.add_cmd(name):
            return False
        self._changes.append(sock.AddCmd(name=name))
        return True

    def delcmd(self, name: str) -> bool:
        if not self.tree.del_cmd(name):
            return False
        self._changes.append(sock.DelCmd(name=name))
        return True

    def dataok(self) -> None:
        """The device answers: clients may trust the data."""
        if self._stale:
            self._stale = False
            self._changes.append(sock.DataOK())

    def datastale(self) -> None:
        """The device stopped answering: upsd must not serve the data."""
        if not self._stale:
            self._stale = True
            self._changes.append(sock.DataStale())

    def _name(self, name: str) -> str:
        var = self.tree.get(name)
        return name if var is None else var.name

    # -- ups.status and ups.alarm, built over a poll ---------------------------

    def status_init(self) -> None:
        self._status = []

    def status_set(self, words: str) -> None:
        """Add status words (``"OB"``, or several: ``"OB LB"``)."""
        for word in words.split():
            if self.ignorelb and word.upper() == "LB":
                continue
            if word not in self._status:
                self._status.append(word)

    def status_commit(self) -> None:
        """Publish the status built since ``status_init``."""
        words = list(self._status)
        if self.ignorelb and "LB" not in words and self._below_low():
            words.append("LB")
        if self._alarm_active and "ALARM" not in words:
            words.insert(0, "ALARM")
        self.setinfo("ups.status", " ".join(words))

    def _below_low(self) -> bool:
        # With ignorelb the framework decides LB from the charge or runtime.
        for value, low in (
            ("battery.charge", "battery.charge.low"),
            ("battery.runtime", "battery.runtime.low"),
        ):
            v, lo = _number(self.getinfo(value)), _number(self.getinfo(low))
            if v is not None and lo is not None and v < lo:
                return True
        return False

    def alarm_init(self) -> None:
        self._alarms = []
        self._alarm_active = False  # NUT's alarm_init resets its counter too

    def alarm_set(self, text: str) -> None:
        if text and text not in self._alarms:
            self._alarms.append(text)

    def alarm_commit(self) -> None:
        """Publish ``ups.alarm`` (or remove it); call before ``status_commit``."""
        if self._alarms:
            self.setinfo("ups.alarm", " ".join(self._alarms))
            self._alarm_active = True
        else:
            self.delinfo("ups.alarm")
            self._alarm_active = False

    # -- what goes on the wire -------------------------------------------------

    def take_changes(self) -> list[sock.DriverMessage]:
        """The changes since the last call, in order; the queue is emptied."""
        changes, self._changes = self._changes, []
        return changes

    def dump(self) -> list[sock.DriverMessage]:
        """The answer to ``DUMPALL``: everything, then the data state and ``DUMPDONE``."""
        out: list[sock.DriverMessage] = []
        if self._stale:
            out.append(sock.DataStale())
        for var in self.tree.vars():
            out.extend(_var_messages(var))
        out.extend(sock.AddCmd(name=cmd) for cmd in self.tree.cmds())
        if not self._stale:
            out.append(sock.DataOK())
        out.append(sock.DumpDone())
        return out

    def dump_value(self, name: str) -> list[sock.DriverMessage]:
        """The answer to ``DUMPVALUE`` (and ``DUMPSTATUS``): one variable, then ``DUMPDONE``."""
        out: list[sock.DriverMessage] = []
        if self._stale:
            out.append(sock.DataStale())
        var = self.tree.get(name)
        if var is not None:
            out.extend(_var_messages(var))
        if not self._stale:
            out.append(sock.DataOK())
        out.append(sock.DumpDone())
        return out

    def upsc_lines(self) -> list[str]:
        """The tree as ``upsc`` prints it (``name: value``), for ``-d`` and ``-c dump``."""
        return [f"{var.name}: {var.value}" for var in self.tree.vars()]


def _var_messages(var: Var) -> list[sock.DriverMessage]:
    # The order of NUT's dump of one node: value, enums, ranges, aux, flags.
    out: list[sock.DriverMessage] = [sock.SetInfo(name=var.name, value=var.value)]
    out.extend(sock.AddEnum(name=var.name, value=e) for e in var.enums)
    out.extend(sock.AddRange(name=var.name, low=lo, high=hi) for lo, hi in var.ranges)
    if var.aux:
        out.append(sock.SetAux(name=var.name, aux=var.aux))
    words = flag_words(var.flags)
    if words:
        out.append(sock.SetFlags(name=var.name, flags=words))
    return out


_LOW_PAIRS = (
    ("battery.charge", "battery.charge.low"),
    ("battery.runtime", "battery.runtime.low"),
)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
