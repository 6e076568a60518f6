"""Constants and reply shapes of NUT's network protocol (``docs/net-protocol.txt``).

Strategy
--------
A request is one logical line of words (``protocol.words``); a reply is one
line, or for LIST a ``BEGIN LIST <query>`` ... ``END LIST <query>`` frame that
repeats the query, so a client can match the answer to what it asked.  This
module holds only what both ends agree on: versions, fixed texts and the
framing; the server's verbs live in ``server.verbs``, the client's parsing in
``client.session``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "NETVER",
    "NUT_VERSION",
    "DEFAULT_PORT",
    "ver_text",
    "HELP_TEXT",
    "list_frame",
]

#: Network protocol version we speak (NUT 2.8.0 speaks 1.3).
NETVER = "1.3"
#: The NUT release whose behaviour we reproduce; reported as server.version.
NUT_VERSION = "2.8.0"
DEFAULT_PORT = 3493

HELP_TEXT = "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"


def ver_text(product: str) -> str:
    """The VER banner: NUT's prefix, so scripts that look for it still match."""
    return f"Network UPS Tools upsd {NUT_VERSION} - http://www.networkupstools.org/ ({product})"


def list_frame(query: str, lines: Iterable[str]) -> str:
    """A whole LIST reply as one string, ready for a single write."""
    body = "".join(lines)
    return f"BEGIN LIST {query}\n{body}END LIST {query}\n"
