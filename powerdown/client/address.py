"""``upsname[@hostname[:port]]`` as NUT's clients read it.

Strategy
--------
libupsclient's ``upscli_splitname`` / ``upscli_splitaddr`` define what users
may type, quirks included: the UPS name ends at the first ``@``, a host in
brackets is an IPv6 literal (``[::1]:3493``), anything else ends at the first
``:``, and the port is read like C's ``strtol`` (leading blanks and sign
allowed, trailing junk ignored) and must be 1-65535.  On bad input libupsclient
prints a line to stderr before the client's own error; :class:`AddressError`
carries that line (``None`` when it prints nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_PORT", "DEFAULT_HOST", "AddressError", "UpsAddress", "split_name", "split_addr"]

DEFAULT_PORT = 3493
DEFAULT_HOST = "localhost"
_SMALLBUF = 512  # libupsclient copies its argument into a buffer this size

_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")


class AddressError(ValueError):
    """The text is not ``upsname[@hostname[:port]]``; ``note`` is libupsclient's stderr line."""

    def __init__(self, note: str | None) -> None:
        self.note = note
        super().__init__(note or "invalid address")


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsAddress:
    """Where a UPS is served: ``upsname`` may be ``None`` for a bare host."""

    upsname: str | None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = f"{host}:{self.port}"
        return f"{self.upsname}@{where}" if self.upsname is not None else where


def _strtok_first(text: str, delims: str) -> str | None:
    """C ``strtok``'s first token: skip leading delimiters, stop at the next one."""
    i = 0
    while i < len(text) and text[i] in delims:
        i += 1
    if i == len(text):
        return None
    j = i
    while j < len(text) and text[j] not in delims:
        j += 1
    return text[i:j]


def split_name(text: str | None) -> UpsAddress:
    """``upsname[@hostname[:port]]``.

    Raises:
        AddressError: as ``upscli_splitname`` fails.
    """
    if text is None:
        raise AddressError(None)
    tmp = text[: _SMALLBUF - 1]
    if not tmp:
        raise AddressError("upscli_splitname: can't parse empty string")
    upsname = _strtok_first(tmp, "@")
    if upsname is None:
        # libupsclient would crash on a name of only "@"s; we refuse it.
        raise AddressError(None)
    at = tmp.find("@")
    if at < 0:
        return UpsAddress(upsname=upsname)
    host, port = _split_addr(tmp[at + 1 :])
    return UpsAddress(upsname=upsname, host=host, port=port)


def split_addr(text: str) -> UpsAddress:
    """``hostname[:port]`` (``[v6 literal][:port]``), as ``upscli_splitaddr``.

    Raises:
        AddressError: as ``upscli_splitaddr`` fails.
    """
    host, port = _split_addr(text)
    return UpsAddress(upsname=None, host=host, port=port)


def _split_addr(text: str) -> tuple[str, int]:
    tmp = text[: _SMALLBUF - 1]
    if not tmp:
        raise AddressError("upscli_splitaddr: can't parse empty string")
    if tmp.startswith("["):
        close = tmp.find("]")
        if close < 0:
            raise AddressError("upscli_splitaddr: missing closing bracket in [domain literal]")
        host = _strtok_first(tmp[1:], "]")
        if host is None:
            raise AddressError(None)  # "[]": libupsclient would crash here
        # strtok leaves the rest after the first "]" that ends the host
        start = 1 + tmp[1:].find(host) + len(host)
        rest = tmp[start + 1 :] if start < len(tmp) else ""
        if not rest.startswith(":"):
            return host, DEFAULT_PORT
        port_text = rest[1:]
    else:
        host_tok = _strtok_first(tmp, ":")
        if host_tok is None:
            raise AddressError(None)  # only ":"s: libupsclient would crash here
        colon = tmp.find(":")
        if colon < 0:
            return host_tok, DEFAULT_PORT
        host = host_tok
        port_text = tmp[colon + 1 :]
    match = _STRTOL.match(port_text)
    port = int(match.group(1)) if match else 0
    if not port_text or port < 1 or port > 65535:
        raise AddressError("upscli_splitaddr: no port specified after ':' separator")
    return host, port
