"""The driver socket protocol (NUT ``docs/sock-protocol.txt``), both directions.

Strategy
--------
A driver serves a Unix socket; upsd (or ``upsdrvctl``, or a sibling driver)
connects to it.  Lines are tokenized by parseconf on both ends, so a message
here is just the word tuple of one logical line (``words.Words.args``) given
a name and types.  Each message is a frozen value named as NUT names the
command; ``parse_driver_message`` / ``parse_server_message`` turn words into
messages and ``render`` turns a message back into a line.

What we take from NUT's two parsers (``server/sstate.c`` ``parse_args`` on
upsd's side, ``drivers/dstate.c`` ``sock_arg`` on the driver's side):

* command words are matched without regard to case (``strcasecmp``);
* each command needs a minimum number of words; a line with fewer is one NUT
  ignores, and here it is a ``RemoteProtocolError`` the caller logs and skips;
* words beyond the ones a driver command uses are ignored, as upsd ignores
  them (``SETINFO ups.model Smart UPS`` sets ``Smart``: the driver forgot the
  quotes).  Server commands are checked as strictly as ``sock_arg`` checks
  them: ``INSTCMD`` and ``SET`` only accept ``TRACKING <id>`` in its place;
* numbers (ranges, aux, tracking status) must be decimal integers where NUT
  would silently read garbage as 0: a driver sending ``SETAUX x abc`` is
  broken, and we would rather say so than invent a value.

Rendering quotes values the way NUT's own senders do (``SETINFO x "v"``,
with ``pconf_encode`` escaping) and leaves names bare; anything that could
not survive the trip (a name with a blank, a control character) is refused
when the message is built, with ``LocalProtocolError``.  Lines are returned
without their newline; the caller adds ``"\\n"`` when it writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias, TypeVar

from powerdown.protocol.errors import LocalProtocolError, RemoteProtocolError
from powerdown.protocol.words import join_words, quote
from powerdown.state.tree import DeviceState, parse_flags

__all__ = [
    "TrackingStatus",
    # driver -> server
    "SetInfo",
    "DelInfo",
    "AddEnum",
    "DelEnum",
    "AddRange",
    "DelRange",
    "SetAux",
    "SetFlags",
    "AddCmd",
    "DelCmd",
    "DumpDone",
    "Pong",
    "DataOK",
    "DataStale",
    "Tracking",
    "Pid",
    "Goodbye",
    "DriverMessage",
    # server -> driver
    "Ping",
    "DumpAll",
    "DumpValue",
    "DumpStatus",
    "InstCmd",
    "Set",
    "GetPid",
    "NoBroadcast",
    "Broadcast",
    "Logout",
    "ServerMessage",
    "Message",
    "parse_driver_message",
    "parse_server_message",
    "render",
    "apply",
]


class TrackingStatus(IntEnum):
    """The result codes a driver reports in ``TRACKING <id> <status>``.

    ``drivers/upshandler.h`` (``STAT_INSTCMD_*`` and ``STAT_SET_*`` share the
    numbers) plus upsd's ``STAT_PENDING`` for a request with no answer yet.
    """

    PENDING = -1
    HANDLED = 0
    UNKNOWN = 1
    INVALID = 2
    FAILED = 3


# A word that goes on the wire bare: what a name, command or tracking id is.
_BARE_WORD = re.compile(r"[\x21-\x7e]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _check_word(what: str, value: str) -> None:
    if not isinstance(value, str) or not _BARE_WORD.fullmatch(value):
        raise LocalProtocolError(f"{what} must be a non-empty word of printable ASCII: {value!r}")


def _check_text(what: str, value: str) -> None:
    if not isinstance(value, str):
        raise LocalProtocolError(f"{what} must be a string: {value!r}")


def _check_int(what: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LocalProtocolError(f"{what} must be an integer: {value!r}")


# -- driver -> server -------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SetInfo:
    """``SETINFO <varname> "<value>"``: create or update a variable."""

    name: str
    value: str

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_text("value", self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class DelInfo:
    """``DELINFO <varname>``."""

    name: str

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddEnum:
    """``ADDENUM <varname> "<value>"``: one more value a RW variable accepts."""

    name: str
    value: str

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_text("enum value", self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class DelEnum:
    """``DELENUM <varname> "<value>"``."""

    name: str
    value: str

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_text("enum value", self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddRange:
    """``ADDRANGE <varname> <min> <max>``: a range a RW number must fall in."""

    name: str
    low: int
    high: int

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_int("range low", self.low)
        _check_int("range high", self.high)


@dataclass(frozen=True, slots=True, kw_only=True)
class DelRange:
    """``DELRANGE <varname> <min> <max>``."""

    name: str
    low: int
    high: int

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_int("range low", self.low)
        _check_int("range high", self.high)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAux:
    """``SETAUX <varname> <number>``: the maximum length of a RW string."""

    name: str
    aux: int

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_int("aux", self.aux)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetFlags:
    """``SETFLAGS <varname> <flag>...``: replaces all flags of a variable.

    The flag words are kept as sent (unknown ones included, which the tree
    ignores); NUT needs at least one, so an empty tuple is refused.
    """

    name: str
    flags: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        if not isinstance(self.flags, tuple):
            if isinstance(self.flags, str):
                raise LocalProtocolError("flags must be a sequence of words, not a string")
            object.__setattr__(self, "flags", tuple(self.flags))
        if not self.flags:
            raise LocalProtocolError("SETFLAGS needs at least one flag")
        for flag in self.flags:
            _check_word("flag", flag)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddCmd:
    """``ADDCMD <cmdname>``."""

    name: str

    def __post_init__(self) -> None:
        _check_word("command name", self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class DelCmd:
    """``DELCMD <cmdname>``."""

    name: str

    def __post_init__(self) -> None:
        _check_word("command name", self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpDone:
    """``DUMPDONE``: everything the driver knows has been sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pong:
    """``PONG``: the answer to ``PING``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DataOK:
    """``DATAOK``: the driver talks to the device; the data can be trusted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DataStale:
    """``DATASTALE``: the driver lost the device; the data must not be used."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracking:
    """``TRACKING <id> <status>``: how an INSTCMD or SET with that id ended.

    ``status`` is the driver handler's return code (see ``TrackingStatus``);
    it stays a plain int because a driver may send a code we do not know.
    """

    id: str
    status: int

    def __post_init__(self) -> None:
        _check_word("tracking id", self.id)
        _check_int("tracking status", self.status)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pid:
    """``PID <id>``: the answer to ``GETPID``; an opaque string."""

    pid: str

    def __post_init__(self) -> None:
        _check_text("pid", self.pid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Goodbye:
    """``OK Goodbye``: the answer to ``LOGOUT``."""


DriverMessage: TypeAlias = (
    SetInfo
    | DelInfo
    | AddEnum
    | DelEnum
    | AddRange
    | DelRange
    | SetAux
    | SetFlags
    | AddCmd
    | DelCmd
    | DumpDone
    | Pong
    | DataOK
    | DataStale
    | Tracking
    | Pid
    | Goodbye
)

# -- server -> driver -------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    """``PING``: say something, anything."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpAll:
    """``DUMPALL``: send everything, then ``DUMPDONE``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpValue:
    """``DUMPVALUE <varname>``: one variable with its enums, ranges and flags."""

    name: str

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpStatus:
    """``DUMPSTATUS``: same as ``DUMPVALUE ups.status``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InstCmd:
    """``INSTCMD <cmdname> [<cmdparam>] [TRACKING <id>]``."""

    name: str
    param: str | None = None
    tracking: str | None = None

    def __post_init__(self) -> None:
        _check_word("command name", self.name)
        if self.param is not None:
            _check_text("command parameter", self.param)
        if self.tracking is not None:
            _check_word("tracking id", self.tracking)


@dataclass(frozen=True, slots=True, kw_only=True)
class Set:
    """``SET <varname> "<value>" [TRACKING <id>]``."""

    name: str
    value: str
    tracking: str | None = None

    def __post_init__(self) -> None:
        _check_word("variable name", self.name)
        _check_text("value", self.value)
        if self.tracking is not None:
            _check_word("tracking id", self.tracking)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetPid:
    """``GETPID``: ask for the driver's process id (answered by ``PID``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NoBroadcast:
    """``NOBROADCAST``: do not send this connection unprompted updates."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Broadcast:
    """``BROADCAST [<n>]``: send updates again, unless ``n`` is zero or less."""

    n: int | None = None

    def __post_init__(self) -> None:
        if self.n is not None:
            _check_int("broadcast argument", self.n)


@dataclass(frozen=True, slots=True, kw_only=True)
class Logout:
    """``LOGOUT``: the driver answers ``OK Goodbye`` and hangs up."""


ServerMessage: TypeAlias = (
    Ping
    | DumpAll
    | DumpValue
    | DumpStatus
    | InstCmd
    | Set
    | GetPid
    | NoBroadcast
    | Broadcast
    | Logout
)

Message: TypeAlias = DriverMessage | ServerMessage

# -- parsing ------------------------------------------------------------------

_Args: TypeAlias = tuple[str, ...]
_M = TypeVar("_M", DriverMessage, ServerMessage)


def _need(args: _Args, n: int) -> None:
    if len(args) < n:
        raise RemoteProtocolError(f"{args[0]} needs {n - 1} argument(s), got {len(args) - 1}")


def _int(args: _Args, i: int) -> int:
    word = args[i]
    if not _INTEGER.fullmatch(word):
        raise RemoteProtocolError(f"{args[0]}: not an integer: {word!r}")
    return int(word)


def _no_more(args: _Args, n: int) -> None:
    if len(args) > n:
        raise RemoteProtocolError(f"{args[0]}: unexpected argument(s): {' '.join(args[n:])}")


def _p_setinfo(a: _Args) -> DriverMessage:
    _need(a, 3)
    return SetInfo(name=a[1], value=a[2])


def _p_delinfo(a: _Args) -> DriverMessage:
    _need(a, 2)
    return DelInfo(name=a[1])


def _p_addenum(a: _Args) -> DriverMessage:
    _need(a, 3)
    return AddEnum(name=a[1], value=a[2])


def _p_delenum(a: _Args) -> DriverMessage:
    _need(a, 3)
    return DelEnum(name=a[1], value=a[2])


def _p_addrange(a: _Args) -> DriverMessage:
    _need(a, 4)
    return AddRange(name=a[1], low=_int(a, 2), high=_int(a, 3))


def _p_delrange(a: _Args) -> DriverMessage:
    _need(a, 4)
    return DelRange(name=a[1], low=_int(a, 2), high=_int(a, 3))


def _p_setaux(a: _Args) -> DriverMessage:
    _need(a, 3)
    return SetAux(name=a[1], aux=_int(a, 2))


def _p_setflags(a: _Args) -> DriverMessage:
    _need(a, 3)
    return SetFlags(name=a[1], flags=a[2:])


def _p_addcmd(a: _Args) -> DriverMessage:
    _need(a, 2)
    return AddCmd(name=a[1])


def _p_delcmd(a: _Args) -> DriverMessage:
    _need(a, 2)
    return DelCmd(name=a[1])


def _p_tracking(a: _Args) -> DriverMessage:
    _need(a, 3)
    return Tracking(id=a[1], status=_int(a, 2))


def _p_pid(a: _Args) -> DriverMessage:
    _need(a, 2)
    return Pid(pid=a[1])


def _p_ok(a: _Args) -> DriverMessage:
    # "OK Goodbye" is the only OK a driver sends.
    _need(a, 2)
    if a[1].lower() != "goodbye":
        raise RemoteProtocolError(f"unexpected OK from driver: {' '.join(a)}")
    return Goodbye()


_DRIVER_PARSERS: dict[str, Callable[[_Args], DriverMessage]] = {
    "SETINFO": _p_setinfo,
    "DELINFO": _p_delinfo,
    "ADDENUM": _p_addenum,
    "DELENUM": _p_delenum,
    "ADDRANGE": _p_addrange,
    "DELRANGE": _p_delrange,
    "SETAUX": _p_setaux,
    "SETFLAGS": _p_setflags,
    "ADDCMD": _p_addcmd,
    "DELCMD": _p_delcmd,
    "DUMPDONE": lambda a: DumpDone(),
    "PONG": lambda a: Pong(),
    "DATAOK": lambda a: DataOK(),
    "DATASTALE": lambda a: DataStale(),
    "TRACKING": _p_tracking,
    "PID": _p_pid,
    "OK": _p_ok,
}


def _p_dumpvalue(a: _Args) -> ServerMessage:
    _need(a, 2)
    _no_more(a, 2)
    return DumpValue(name=a[1])


def _p_instcmd(a: _Args) -> ServerMessage:
    # The shapes dstate.c's sock_arg accepts, and nothing else.
    _need(a, 2)
    n = len(a)
    if n == 2:
        return InstCmd(name=a[1])
    if n == 3:
        return InstCmd(name=a[1], param=a[2])
    if n == 4 and a[2].upper() == "TRACKING":
        return InstCmd(name=a[1], tracking=a[3])
    if n == 5 and a[3].upper() == "TRACKING":
        return InstCmd(name=a[1], param=a[2], tracking=a[4])
    raise RemoteProtocolError(f"malformed INSTCMD: {' '.join(a)}")


def _p_set(a: _Args) -> ServerMessage:
    _need(a, 3)
    n = len(a)
    if n == 3:
        return Set(name=a[1], value=a[2])
    if n == 5 and a[3].upper() == "TRACKING":
        return Set(name=a[1], value=a[2], tracking=a[4])
    raise RemoteProtocolError(f"malformed SET: {' '.join(a)}")


def _p_broadcast(a: _Args) -> ServerMessage:
    _no_more(a, 2)
    return Broadcast(n=_int(a, 1) if len(a) > 1 else None)


def _bare(message: ServerMessage) -> Callable[[_Args], ServerMessage]:
    def parse(a: _Args) -> ServerMessage:
        _no_more(a, 1)
        return message

    return parse


_SERVER_PARSERS: dict[str, Callable[[_Args], ServerMessage]] = {
    "PING": _bare(Ping()),
    "DUMPALL": _bare(DumpAll()),
    "DUMPVALUE": _p_dumpvalue,
    "DUMPSTATUS": _bare(DumpStatus()),
    "INSTCMD": _p_instcmd,
    "SET": _p_set,
    "GETPID": _bare(GetPid()),
    "NOBROADCAST": _bare(NoBroadcast()),
    "BROADCAST": _p_broadcast,
    "LOGOUT": _bare(Logout()),
}


def _parse(table: dict[str, Callable[[_Args], _M]], args: _Args, side: str) -> _M:
    if not args:
        raise RemoteProtocolError("empty line")
    parser = table.get(args[0].upper())
    if parser is None:
        raise RemoteProtocolError(f"unknown {side} command: {args[0]!r}")
    try:
        return parser(args)
    except LocalProtocolError as exc:
        # A word that cannot be a name (a quoted blank, an empty string).
        raise RemoteProtocolError(f"{args[0]}: {exc}") from None


def parse_driver_message(args: tuple[str, ...]) -> DriverMessage:
    """The message a driver sent, from the words of one line.

    Args:
        args: one tokenized line (``Words.args``).

    Returns:
        The message.

    Raises:
        RemoteProtocolError: unknown command, missing or malformed arguments.
            Nothing else is ever raised, whatever the words.
    """
    return _parse(_DRIVER_PARSERS, args, "driver")


def parse_server_message(args: tuple[str, ...]) -> ServerMessage:
    """The request upsd (or another socket client) sent a driver.

    Raises:
        RemoteProtocolError: unknown command, missing, extra or malformed
            arguments.  Nothing else is ever raised.
    """
    return _parse(_SERVER_PARSERS, args, "server")


# -- rendering ----------------------------------------------------------------

_KEYWORDS: dict[type, str] = {
    DumpDone: "DUMPDONE",
    Pong: "PONG",
    DataOK: "DATAOK",
    DataStale: "DATASTALE",
    Goodbye: "OK Goodbye",
    Ping: "PING",
    DumpAll: "DUMPALL",
    DumpStatus: "DUMPSTATUS",
    GetPid: "GETPID",
    NoBroadcast: "NOBROADCAST",
    Logout: "LOGOUT",
}


def _w(word: str) -> str:
    # Names are bare on the wire; one with a quote, backslash, "#" or "="
    # (possible only if a peer quoted it to us) is quoted so it survives.
    return join_words(word)


_UNSENDABLE = re.compile(r"[^\x20-\x7f]")


def _arg(text: str) -> str:
    # Free text that NUT sends bare when it can (an INSTCMD parameter, a PID):
    # drop what the tokenizer would drop, then quote only if needed.
    return join_words(_UNSENDABLE.sub("", text))


def render(msg: Message) -> str:
    """The line that carries ``msg``, without its newline.

    Values are quoted and escaped as NUT's senders do; characters the
    tokenizer would drop (controls, non-ASCII) are dropped here.
    """
    keyword = _KEYWORDS.get(type(msg))
    if keyword is not None:
        return keyword
    match msg:
        case SetInfo(name=name, value=value):
            return f"SETINFO {_w(name)} {quote(value)}"
        case DelInfo(name=name):
            return f"DELINFO {_w(name)}"
        case AddEnum(name=name, value=value):
            return f"ADDENUM {_w(name)} {quote(value)}"
        case DelEnum(name=name, value=value):
            return f"DELENUM {_w(name)} {quote(value)}"
        case AddRange(name=name, low=low, high=high):
            return f"ADDRANGE {_w(name)} {low} {high}"
        case DelRange(name=name, low=low, high=high):
            return f"DELRANGE {_w(name)} {low} {high}"
        case SetAux(name=name, aux=aux):
            return f"SETAUX {_w(name)} {aux}"
        case SetFlags(name=name, flags=flags):
            return "SETFLAGS " + join_words(name, *flags)
        case AddCmd(name=name):
            return f"ADDCMD {_w(name)}"
        case DelCmd(name=name):
            return f"DELCMD {_w(name)}"
        case Tracking(id=id_, status=status):
            return f"TRACKING {_w(id_)} {status}"
        case Pid(pid=pid):
            return f"PID {_arg(pid)}"
        case DumpValue(name=name):
            return f"DUMPVALUE {_w(name)}"
        case InstCmd(name=name, param=param, tracking=tracking):
            line = f"INSTCMD {_w(name)}"
            if param is not None:
                line += " " + _arg(param)
            if tracking is not None:
                line += f" TRACKING {_w(tracking)}"
            return line
        case Set(name=name, value=value, tracking=tracking):
            line = f"SET {_w(name)} {quote(value)}"
            if tracking is not None:
                line += f" TRACKING {_w(tracking)}"
            return line
        case Broadcast(n=n):
            return "BROADCAST" if n is None else f"BROADCAST {n}"
    raise LocalProtocolError(f"not a socket protocol message: {msg!r}")


# -- applying -----------------------------------------------------------------


def apply(state: DeviceState, msg: DriverMessage) -> bool:
    """Apply a driver's update to ``state``, as upsd applies it to its copy.

    Returns:
        True when the tree changed; messages that carry no data (``PONG``,
        ``DUMPDONE``, ``TRACKING`` ...) never change it.
    """
    match msg:
        case SetInfo(name=name, value=value):
            return state.set_info(name, value)
        case DelInfo(name=name):
            return state.del_info(name)
        case AddEnum(name=name, value=value):
            return state.add_enum(name, value)
        case DelEnum(name=name, value=value):
            return state.del_enum(name, value)
        case AddRange(name=name, low=low, high=high):
            return state.add_range(name, low, high)
        case DelRange(name=name, low=low, high=high):
            return state.del_range(name, low, high)
        case SetAux(name=name, aux=aux):
            return state.set_aux(name, aux)
        case SetFlags(name=name, flags=flags):
            return state.set_flags(name, parse_flags(flags))
        case AddCmd(name=name):
            return state.add_cmd(name)
        case DelCmd(name=name):
            return state.del_cmd(name)
    return False
