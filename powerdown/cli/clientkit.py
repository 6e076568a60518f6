"""What NUT's command line clients share: getopt, fatal exits, prompts.

Strategy
--------
upsc, upscmd and upsrw must look exactly like NUT's, down to the bytes on
stderr, so this module copies the *behaviour* of the C library calls they
rely on:

* :class:`Getopt` is POSIX ``getopt(3)`` as glibc does it with a leading
  ``+``: options stop at the first operand, ``--`` ends them, clusters such
  as ``-lL`` and attached arguments such as ``-uadmin`` work, and errors are
  glibc's ``"<argv0>: invalid option -- 'x'"`` lines.
* :class:`Fatal` carries NUT's ``fatalx`` (message, exit status); ``main``
  functions turn it into one stderr line and a return code.
* :func:`nut_getpass` reads a password like glibc's ``getpass``: from
  ``/dev/tty`` with echo off when there is one, else prompting on stderr and
  reading stdin.
* :func:`str_to_uint` is NUT's ``str_to_uint`` (``common/str.c``).
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable
from typing import IO, TextIO

from powerdown.client.address import UpsAddress
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError, strerror
from powerdown.client.session import Line
from powerdown.protocol.errors import ProtocolError
from powerdown.util.getopt import Getopt

__all__ = [
    "NUT_VERSION",
    "Fatal",
    "Getopt",
    "prog_name",
    "nut_getpass",
    "read_line",
    "str_to_uint",
    "login_name",
    "use_surrogates",
    "TRACKING_ID_LEN",
    "DEFAULT_TRACKING_TIMEOUT",
    "raw_exchange",
    "ask_username",
    "authenticate",
    "enable_tracking",
    "finish_request",
    "parse_timeout",
    "connect_plain",
    "quiet_broken_pipe",
]

#: The NUT release whose behaviour and banners we reproduce.
NUT_VERSION = "2.8.0"


class Fatal(Exception):
    """``fatalx(status, message)``: print ``message`` on stderr, exit with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        self.message = message
        self.status = status
        super().__init__(message)


def prog_name(argv0: str | None, default: str) -> str:
    """``xbasename(argv[0])``; a ``.py`` file (``python -m``) counts as ``default``."""
    if not argv0:
        return default
    base = argv0.rstrip("/").rsplit("/", 1)[-1]
    if base.endswith(".py") or base in ("-c", "-m"):
        return default
    return base


def str_to_uint(text: str) -> int:
    """NUT's ``str_to_uint(text, &n, 10)``.

    Raises:
        Fatal: never; see below.
        ValueError: with ``errno`` ``EINVAL`` or ``ERANGE`` in ``args[0]``.
    """
    stripped = text.strip(" \t\n\v\f\r")
    if not stripped or not stripped.isascii() or not stripped.isdigit():
        raise ValueError(errno.EINVAL)
    number = int(stripped)
    if number > 0xFFFFFFFF:
        raise ValueError(errno.ERANGE)
    return number


def login_name() -> str | None:
    """The user name of the real uid (``getpwuid(getuid())->pw_name``)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return None


def read_line(stream: TextIO, size: int = 512) -> str | None:
    """C ``fgets(buf, size, stream)``: at most ``size - 1`` characters, newline kept.

    ``None`` at end of input (when nothing was read).
    """
    line = stream.readline(size - 1)
    return line if line else None


def nut_getpass(prompt: str) -> str:
    """glibc ``getpass``: the controlling terminal if there is one, else stderr + stdin."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        fd = -1
    if fd < 0:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    import termios

    with os.fdopen(fd, "w+", encoding="utf-8", errors="surrogateescape") as tty:
        try:
            old = termios.tcgetattr(fd)
        except termios.error:
            old = None
        changed = False
        if old is not None:
            new = list(old)
            new[3] &= ~(termios.ECHO | termios.ISIG)
            try:
                termios.tcsetattr(fd, termios.TCSAFLUSH, new)
                changed = True
            except termios.error:
                changed = False
        try:
            tty.write(prompt)
            tty.flush()
            line = tty.readline()
            if line.endswith("\n"):
                line = line[:-1]
                if changed:
                    tty.write("\n")
                    tty.flush()
            return line
        finally:
            if changed and old is not None:
                termios.tcsetattr(fd, termios.TCSAFLUSH, old)


def use_surrogates(*streams: IO[str]) -> None:
    """Let undecodable bytes from the server pass through to our output unchanged."""
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="surrogateescape")
            except (ValueError, OSError):
                pass


# -- what upscmd and upsrw share -----------------------------------------------

#: NUT's UUID4_LEN less its NUL: the length of a tracking id.
TRACKING_ID_LEN = 36
#: DEFAULT_TRACKING_TIMEOUT, seconds.
DEFAULT_TRACKING_TIMEOUT = 10
_SMALLBUF = 512


def raw_exchange(
    client: NutClient, line: str, send_fail: str, read_fail: str, timeout: float | None = None
) -> str:
    """Send ``line`` as it is and return the reply line as it is, ``ERR`` included.

    That is ``upscli_sendline`` + ``upscli_readline``: no echo check, no error
    mapping; transport failures become ``Fatal("<send_fail|read_fail>: <why>")``.
    """
    try:
        client.send(client.session.send_line(line, raw=True))
    except ClientError as exc:
        client.close(logout=False)
        raise Fatal(f"{send_fail}: {strerror(exc)}") from None
    try:
        event = client.receive(timeout=timeout)
    except (ClientError, ProtocolError) as exc:
        client.close(logout=False)
        raise Fatal(f"{read_fail}: {strerror(exc)}") from None
    assert isinstance(event, Line)
    return event.line


def ask_username(out: TextIO, stdin: TextIO) -> str | None:
    """The ``Username (<login>): `` prompt; ``None`` when stdin is already at its end."""
    login = login_name()
    out.write(f"Username ({login}): " if login is not None else "Username: ")
    line = read_line(stdin, _SMALLBUF)
    if line is None:
        return None
    if len(line) > 1:
        return line[:-1]
    if login is None:
        raise Fatal("No username available - even tried getpwuid")
    return login


def authenticate(client: NutClient, username: str, password: str) -> None:
    """``USERNAME`` then ``PASSWORD``, replies unchecked (as upscmd/upsrw do)."""
    raw_exchange(
        client,
        f"USERNAME {username[: _SMALLBUF - 1]}",
        "Can't set username",
        "Set username failed",
    )
    raw_exchange(
        client,
        f"PASSWORD {password[: _SMALLBUF - 1]}",
        "Can't set password",
        "Set password failed",
    )


def enable_tracking(client: NutClient, what: str) -> None:
    """``SET TRACKING ON``; ``what`` is "command" or "set variable" as in NUT's messages."""
    reply = raw_exchange(
        client,
        "SET TRACKING ON",
        f"Can't enable {what} status tracking",
        f"Enabling {what} status tracking failed",
    )
    if not reply.startswith("OK"):
        raise Fatal(f"Enabling {what} status tracking failed. upsd answered: {reply}")


def finish_request(
    client: NutClient, line: str, send_fail: str, read_fail: str, tracking: bool, timeout: int
) -> str:
    """Send an ``INSTCMD``/``SET VAR`` line; the line to print on stderr at the end.

    With tracking, wait (polling ``GET TRACKING`` once a second, as NUT does)
    until the result is no longer ``PENDING``, for at most ``timeout`` seconds.
    """
    reply = raw_exchange(client, line, send_fail, read_fail)
    if not reply.startswith("OK"):
        raise Fatal(f"Unexpected response from upsd: {reply}")
    prefix = "OK TRACKING "
    if not tracking or len(reply) != len(prefix) + TRACKING_ID_LEN:
        return reply
    ident = reply[len(prefix) :]
    start = int(time.time())
    while True:
        if int(time.time()) - start >= timeout:
            raise Fatal("Can't receive status tracking information: timeout")
        result = raw_exchange(
            client,
            f"GET TRACKING {ident}",
            "Can't send status tracking request",
            "Can't receive status tracking information",
            timeout=float(timeout),
        )
        if not result.startswith("PENDING"):
            return result
        time.sleep(1)  # NUT's client polls once a second


def parse_timeout(text: str) -> int:
    """``-t``: NUT's ``str_to_uint`` or ``fatal_with_errno``."""
    try:
        return str_to_uint(text)
    except ValueError as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else errno.EINVAL
        raise Fatal(
            "Could not convert the provided value for timeout ('-t' option) "
            f"to unsigned int: {os.strerror(code)}"
        ) from None


def connect_plain(where: UpsAddress) -> NutClient:
    """``upscli_connect(…, 0)``: no TLS; failures are ``Fatal("Error: …")``."""
    try:
        return NutClient(where.host, where.port)
    except ClientError as exc:
        raise Fatal(f"Error: {strerror(exc)}") from None


def quiet_broken_pipe(out: TextIO) -> int:
    """The reader of our stdout went away (``upsc ups | head -1``).

    NUT's clients die of SIGPIPE without a word; we stay as quiet: point
    stdout at /dev/null so the interpreter's last flush cannot complain, and
    exit with 141, what a shell reports for a SIGPIPE death.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return 141


def print_out(out: TextIO, text: str) -> int:
    """Write ``text`` to stdout for a help or version screen; 0, or quiet on a closed pipe."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        return quiet_broken_pipe(out)
    return 0


def run_client(body: Callable[[], int], out: TextIO, err: TextIO) -> int:
    """Run a client's body and end as NUT's clients end.

    A :class:`Fatal` prints its message on stderr and exits with its status;
    a reader of stdout that went away ends quietly (see ``quiet_broken_pipe``).
    """
    try:
        return body()
    except Fatal as fatal:
        out.flush()
        err.write(fatal.message + "\n")
        return fatal.status
    except BrokenPipeError:
        return quiet_broken_pipe(out)
    finally:
        try:
            out.flush()
        except BrokenPipeError:
            quiet_broken_pipe(out)
