"""upsd's verb table: one handler per verb of ``docs/net-protocol.txt``.

Strategy
--------
``dispatch`` looks the first word up (case-insensitively, as upsd does),
checks the "needs a user" flag (NUT's ``FLAG_USER``), and calls the handler
with the remaining words.  Handlers return the reply text and may queue
effects on the session; they never write anything themselves.  The order of
the checks inside each handler is NUT's, because it decides which ``ERR`` a
client sees when several things are wrong at once (for example an unknown
UPS is reported before a missing permission).

Replies echo the UPS and variable names as the client spelled them, as
upsd does; lookups ignore case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from powerdown.protocol.errors import ErrToken, LocalProtocolError
from powerdown.protocol.net import HELP_TEXT, NETVER, NUT_VERSION, list_frame, ver_text
from powerdown.protocol.sock import InstCmd, Set
from powerdown.protocol.words import encode
from powerdown.server.effects import Close, StartTLS, ToDriver
from powerdown.state.tree import Flag

if TYPE_CHECKING:
    from powerdown.server.session import ClientSession
    from powerdown.server.state import Ups

__all__ = ["dispatch", "VERBS", "Verb"]

Args = tuple[str, ...]
Handler = Callable[["ClientSession", Args, float], str]


@dataclass(frozen=True, slots=True)
class Verb:
    handler: Handler
    needs_user: bool = False


def _err(token: ErrToken) -> str:
    return f"ERR {token.value}\n"


_UNKNOWN_UPS = _err(ErrToken.UNKNOWN_UPS)
_INVALID_ARGUMENT = _err(ErrToken.INVALID_ARGUMENT)
_VAR_NOT_SUPPORTED = _err(ErrToken.VAR_NOT_SUPPORTED)
_ACCESS_DENIED = _err(ErrToken.ACCESS_DENIED)
_DRIVER_NOT_CONNECTED = _err(ErrToken.DRIVER_NOT_CONNECTED)
_DATA_STALE = _err(ErrToken.DATA_STALE)
_UNKNOWN_COMMAND = _err(ErrToken.UNKNOWN_COMMAND)


def dispatch(session: ClientSession, args: Args, now: float) -> str:
    if not args:
        return _UNKNOWN_COMMAND
    verb = VERBS.get(args[0].upper())
    if verb is None:
        return _UNKNOWN_COMMAND
    if verb.needs_user:
        missing = session.missing_credentials()
        if missing is not None:
            return _err(missing)
    return verb.handler(session, args[1:], now)


def _unavailable(ups: Ups, now: float) -> str | None:
    """NUT's ``ups_available``: the error to send, or None when data is usable."""
    problem = ups.link.availability(now)
    if problem is None:
        return None
    return _DRIVER_NOT_CONNECTED if problem is ErrToken.DRIVER_NOT_CONNECTED else _DATA_STALE


# -- VER, NETVER/PROTVER, HELP ---------------------------------------------------


def handle_VER(session: ClientSession, args: Args, now: float) -> str:
    if args:
        return _INVALID_ARGUMENT
    return ver_text(session.server.product) + "\n"


def handle_NETVER(session: ClientSession, args: Args, now: float) -> str:
    if args:
        return _INVALID_ARGUMENT
    return NETVER + "\n"


def handle_HELP(session: ClientSession, args: Args, now: float) -> str:
    if args:
        return _INVALID_ARGUMENT
    return HELP_TEXT + "\n"


def handle_STARTTLS(session: ClientSession, args: Args, now: float) -> str:
    if session.tls:
        return _err(ErrToken.ALREADY_SSL_MODE)
    if not session.server.tls_configured:
        return _err(ErrToken.FEATURE_NOT_CONFIGURED)
    session.effects.append(StartTLS())
    return "OK STARTTLS\n"


# -- GET ---------------------------------------------------------------------------


def _server_var(upsname: str, var: str, product: str) -> str:
    low = var.lower()
    if low == "server.info":
        return f'VAR {upsname} server.info "{encode(ver_text(product))}"\n'
    if low == "server.version":
        return f'VAR {upsname} server.version "{NUT_VERSION}"\n'
    return _VAR_NOT_SUPPORTED


def get_var(session: ClientSession, upsname: str, var: str, now: float) -> str:
    if var[:7].lower() == "server.":
        return _server_var(upsname, var, session.server.product)
    ups = session.server.ups(upsname)
    if ups is None:
        return _UNKNOWN_UPS
    problem = _unavailable(ups, now)
    if problem:
        return problem
    node = ups.link.device.get(var)
    if node is None:
        return _VAR_NOT_SUPPORTED
    value = encode(node.value)
    if ups.fsd and var.lower() == "ups.status":
        value = "FSD " + value
    return f'VAR {upsname} {var} "{value}"\n'


def get_type(ups: Ups, upsname: str, var: str) -> str:
    node = ups.link.device.get(var)
    if node is None:
        return _VAR_NOT_SUPPORTED
    words = [f"TYPE {upsname} {var}"]
    if node.flags & Flag.RW:
        words.append("RW")
    if node.enums:
        words.append("ENUM")
    if node.ranges:
        words.append("RANGE")
    if node.flags & Flag.STRING:
        words.append(f"STRING:{node.aux}")
    else:
        words.append("NUMBER")
    return " ".join(words) + "\n"


def _description(session: ClientSession, kind: str, name: str) -> str:
    desc = session.server.describe(kind, name)
    return encode(desc) if desc is not None else "Description unavailable"


def handle_GET(session: ClientSession, args: Args, now: float) -> str:
    n = len(args)
    if n < 1:
        return _INVALID_ARGUMENT
    sub = args[0].upper()
    if sub == "VAR" and n >= 3:  # the hot path first
        return get_var(session, args[1], args[2], now)
    if sub == "TRACKING":
        if n < 2:
            return "ON\n" if session.tracking else "OFF\n"
        if not session.tracking:
            return _err(ErrToken.FEATURE_NOT_CONFIGURED)
        return session.server.tracking.reply(args[1]) + "\n"
    if n < 2:
        return _INVALID_ARGUMENT
    upsname = args[1]
    if sub == "UPSDESC":
        ups = session.server.ups(upsname)
        if ups is None:
            return _UNKNOWN_UPS
        desc = encode(ups.desc) if ups.desc is not None else "Unavailable"
        return f'UPSDESC {upsname} "{desc}"\n'
    if sub == "NUMLOGINS":
        ups = session.server.ups(upsname)
        if ups is None:
            return _UNKNOWN_UPS
        return _unavailable(ups, now) or f"NUMLOGINS {upsname} {ups.numlogins}\n"
    if n < 3 or sub not in ("TYPE", "DESC", "CMDDESC"):
        return _INVALID_ARGUMENT
    name = args[2]
    ups = session.server.ups(upsname)
    if ups is None:
        return _UNKNOWN_UPS
    problem = _unavailable(ups, now)
    if problem:
        return problem
    if sub == "TYPE":
        return get_type(ups, upsname, name)
    if sub == "DESC":
        return f'DESC {upsname} {name} "{_description(session, "VAR", name)}"\n'
    return f'CMDDESC {upsname} {name} "{_description(session, "CMD", name)}"\n'


# -- LIST --------------------------------------------------------------------------


def list_ups(session: ClientSession) -> str:
    lines = []
    for ups in session.server.upses():
        desc = encode(ups.desc) if ups.desc is not None else "Description unavailable"
        lines.append(f'UPS {ups.name} "{desc}"\n')
    return list_frame("UPS", lines)


def list_var(ups: Ups, upsname: str, rw_only: bool) -> str:
    kind = "RW" if rw_only else "VAR"
    prefix = f"{kind} {upsname} "
    lines = []
    for node in ups.link.device.vars():
        if rw_only and not node.flags & Flag.RW:
            continue
        value = encode(node.value)
        if ups.fsd and not rw_only and node.name.lower() == "ups.status":
            value = "FSD " + value
        lines.append(f'{prefix}{node.name} "{value}"\n')
    return list_frame(f"{kind} {upsname}", lines)


def list_clients(session: ClientSession, ups: Ups, upsname: str) -> str:
    lines = [f"CLIENT {ups.name} {s.addr}\n" for s in session.server.sessions if s.login_ups is ups]
    return list_frame(f"CLIENT {upsname}", lines)


def handle_LIST(session: ClientSession, args: Args, now: float) -> str:
    n = len(args)
    if n < 1:
        return _INVALID_ARGUMENT
    sub = args[0].upper()
    if sub == "UPS":
        return list_ups(session)
    if n < 2:
        return _INVALID_ARGUMENT
    upsname = args[1]
    if sub not in ("VAR", "RW", "CMD", "CLIENT") and (n < 3 or sub not in ("ENUM", "RANGE")):
        return _INVALID_ARGUMENT
    ups = session.server.ups(upsname)
    if ups is None:
        return _UNKNOWN_UPS
    if sub == "CLIENT":  # upsd lists clients even while the driver is away
        return list_clients(session, ups, upsname)
    problem = _unavailable(ups, now)
    if problem:
        return problem
    if sub == "VAR" or sub == "RW":
        return list_var(ups, upsname, sub == "RW")
    state = ups.link.device
    if sub == "CMD":
        return list_frame(f"CMD {upsname}", [f"CMD {upsname} {c}\n" for c in state.cmds()])
    var = args[2]
    node = state.get(var)
    if node is None:
        return _VAR_NOT_SUPPORTED
    query = f"{sub} {upsname} {var}"
    if sub == "ENUM":
        lines = [f'ENUM {upsname} {var} "{encode(v)}"\n' for v in node.enums]
    else:
        lines = [f'RANGE {upsname} {var} "{lo}" "{hi}"\n' for lo, hi in node.ranges]
    return list_frame(query, lines)


# -- USERNAME, PASSWORD, LOGIN, LOGOUT, PRIMARY/MASTER, FSD ---------------------------


def handle_USERNAME(session: ClientSession, args: Args, now: float) -> str:
    if len(args) != 1:
        return _INVALID_ARGUMENT
    if session.username is not None:
        return _err(ErrToken.ALREADY_SET_USERNAME)
    session.username = args[0]
    return "OK\n"


def handle_PASSWORD(session: ClientSession, args: Args, now: float) -> str:
    if len(args) != 1:
        return _INVALID_ARGUMENT
    if session.password is not None:
        return _err(ErrToken.ALREADY_SET_PASSWORD)
    session.password = args[0]
    return "OK\n"


def handle_LOGIN(session: ClientSession, args: Args, now: float) -> str:
    if len(args) != 1:
        return _INVALID_ARGUMENT
    if session.login_ups is not None:
        return _err(ErrToken.ALREADY_LOGGED_IN)
    ups = session.server.ups(args[0])
    if ups is None:
        return _UNKNOWN_UPS
    if not session.may("LOGIN"):
        return _ACCESS_DENIED
    ups.numlogins += 1
    session.login_ups = ups
    return "OK\n"


def handle_LOGOUT(session: ClientSession, args: Args, now: float) -> str:
    if args:
        return _INVALID_ARGUMENT
    session.effects.append(Close())
    return "OK Goodbye\n"


def _primary(session: ClientSession, args: Args, granted: str) -> str:
    if len(args) != 1:
        return _INVALID_ARGUMENT
    if session.server.ups(args[0]) is None:
        return _UNKNOWN_UPS
    if not (session.may("PRIMARY") or session.may("MASTER")):
        return _ACCESS_DENIED
    return f"OK {granted}\n"


def handle_PRIMARY(session: ClientSession, args: Args, now: float) -> str:
    return _primary(session, args, "PRIMARY-GRANTED")


def handle_MASTER(session: ClientSession, args: Args, now: float) -> str:
    return _primary(session, args, "MASTER-GRANTED")


def handle_FSD(session: ClientSession, args: Args, now: float) -> str:
    if len(args) != 1:
        return _INVALID_ARGUMENT
    ups = session.server.ups(args[0])
    if ups is None:
        return _UNKNOWN_UPS
    if not session.may("FSD"):
        return _ACCESS_DENIED
    ups.fsd = True
    return "OK FSD-SET\n"


# -- SET, INSTCMD ------------------------------------------------------------------


def _atoi(text: str) -> int:
    """C's atoi: optional blanks and sign, then digits; anything else is 0."""
    s = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = 0
    for ch in s:
        if not "0" <= ch <= "9":
            break
        digits += 1
    return sign * int(s[:digits]) if digits else 0


def _forward(session: ClientSession, ups: Ups, request: InstCmd | Set, now: float) -> str:
    """Queue the request for the driver, with a tracking id when the client asked."""
    if session.tracking:
        tracking_id = session.server.new_tracking_id()
        session.server.tracking.add(tracking_id, now)
        request = dataclasses.replace(request, tracking=tracking_id)
        session.effects.append(ToDriver(ups=ups, request=request))
        return f"OK TRACKING {tracking_id}\n"
    session.effects.append(ToDriver(ups=ups, request=request))
    return "OK\n"


def set_var(session: ClientSession, upsname: str, var: str, value: str, now: float) -> str:
    ups = session.server.ups(upsname)
    if ups is None:
        return _UNKNOWN_UPS
    problem = _unavailable(ups, now)
    if problem:
        return problem
    if not session.may("SET"):
        return _ACCESS_DENIED
    node = ups.link.device.get(var)
    if node is None:
        return _VAR_NOT_SUPPORTED
    if not node.flags & Flag.RW:
        return _err(ErrToken.READONLY)
    if node.flags & Flag.STRING:
        if node.aux < 1:
            return _err(ErrToken.SET_FAILED)
        if len(value) > node.aux:
            return _err(ErrToken.TOO_LONG)
    if node.enums and value not in node.enums:
        return _err(ErrToken.INVALID_VALUE)
    if node.ranges:
        number = _atoi(value)
        if not any(lo <= number <= hi for lo, hi in node.ranges):
            return _err(ErrToken.INVALID_VALUE)
    try:
        request = Set(name=var, value=value)
    except LocalProtocolError:
        return _err(ErrToken.INVALID_VALUE)
    return _forward(session, ups, request, now)


def handle_SET(session: ClientSession, args: Args, now: float) -> str:
    if len(args) < 2:
        return _INVALID_ARGUMENT
    sub = args[0].upper()
    if sub == "VAR":
        if len(args) < 4:
            return _INVALID_ARGUMENT
        return set_var(session, args[1], args[2], args[3], now)
    if sub == "TRACKING":
        mode = args[1].upper()
        if mode not in ("ON", "OFF"):
            return _INVALID_ARGUMENT
        session.tracking = mode == "ON"
        return "OK\n"
    return _INVALID_ARGUMENT


def handle_INSTCMD(session: ClientSession, args: Args, now: float) -> str:
    if len(args) < 2:
        return _INVALID_ARGUMENT
    upsname, cmd = args[0], args[1]
    param = args[2] if len(args) == 3 else None
    ups = session.server.ups(upsname)
    if ups is None:
        return _UNKNOWN_UPS
    problem = _unavailable(ups, now)
    if problem:
        return problem
    if not ups.link.device.has_cmd(cmd):
        return _err(ErrToken.CMD_NOT_SUPPORTED)
    if not session.may_instcmd(cmd):
        return _ACCESS_DENIED
    try:
        request = InstCmd(name=cmd, param=param)
    except LocalProtocolError:
        return _INVALID_ARGUMENT
    return _forward(session, ups, request, now)


VERBS: dict[str, Verb] = {
    "VER": Verb(handle_VER),
    "NETVER": Verb(handle_NETVER),
    "PROTVER": Verb(handle_NETVER),
    "HELP": Verb(handle_HELP),
    "STARTTLS": Verb(handle_STARTTLS),
    "GET": Verb(handle_GET),
    "LIST": Verb(handle_LIST),
    "USERNAME": Verb(handle_USERNAME),
    "PASSWORD": Verb(handle_PASSWORD),
    "LOGIN": Verb(handle_LOGIN, needs_user=True),
    "LOGOUT": Verb(handle_LOGOUT),
    "PRIMARY": Verb(handle_PRIMARY, needs_user=True),
    "MASTER": Verb(handle_MASTER, needs_user=True),
    "FSD": Verb(handle_FSD, needs_user=True),
    "SET": Verb(handle_SET, needs_user=True),
    "INSTCMD": Verb(handle_INSTCMD, needs_user=True),
}
