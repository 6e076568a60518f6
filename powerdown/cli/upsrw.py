"""upsrw: list a UPS's writable variables, or set one.

Prints what NUT 2.8.0's ``upsrw`` prints, on the same streams, with the same
exit codes.  Like NUT's it logs in without checking the replies, so a wrong
password shows up as the answer to ``SET VAR``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from powerdown.cli.clientkit import (
    DEFAULT_TRACKING_TIMEOUT,
    NUT_VERSION,
    Fatal,
    Getopt,
    ask_username,
    authenticate,
    connect_plain,
    enable_tracking,
    finish_request,
    login_name,
    nut_getpass,
    parse_timeout,
    print_out,
    prog_name,
    read_line,
    run_client,
    use_surrogates,
)
from powerdown.client.address import AddressError, split_name
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError, strerror
from powerdown.protocol.errors import ErrToken, NutError, ProtocolError
from powerdown.protocol.words import encode

__all__ = ["UpsrwArgs", "parse_args", "main", "c_atoi", "c_strtol"]

OPTSTRING = "+hls:p:t:u:wV"
_SMALLBUF = 512
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsrwArgs:
    """The command line; ``action`` is ``"run"``, ``"help"``, ``"version"`` or ``"fatal"``."""

    action: str = "run"
    prog: str = "upsrw"
    setvar: str | None = None
    username: str | None = None
    password: str | None = None
    timeout: int = DEFAULT_TRACKING_TIMEOUT
    tracking: bool = False
    operands: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    fatal: str = ""


def parse_args(argv: Sequence[str]) -> UpsrwArgs:
    """Read ``argv`` (``argv[0]`` included) as upsrw's getopt loop does."""
    prog = prog_name(argv[0] if argv else None, "upsrw")
    setvar: str | None = None
    username: str | None = None
    password: str | None = None
    timeout = DEFAULT_TRACKING_TIMEOUT
    tracking = False
    messages: list[str] = []
    opts = Getopt(argv, OPTSTRING)
    for opt, arg in opts:
        if opt == "s":
            setvar = arg
        elif opt == "l":
            if setvar is not None:
                messages.append("Listing mode requested, overriding setvar specified earlier!")
                setvar = None
        elif opt == "p":
            password = arg
        elif opt == "t":
            try:
                timeout = parse_timeout(arg or "")
            except Fatal as exc:
                return UpsrwArgs(
                    action="fatal", prog=prog, fatal=exc.message, messages=tuple(messages)
                )
        elif opt == "u":
            username = arg
        elif opt == "w":
            tracking = True
        elif opt == "V":
            return UpsrwArgs(action="version", prog=prog, messages=tuple(messages))
        else:
            if opt == "?" and arg:
                messages.append(arg)
            return UpsrwArgs(action="help", prog=prog, messages=tuple(messages))
    operands = tuple(opts.operands)
    if not operands:
        return UpsrwArgs(action="help", prog=prog, messages=tuple(messages))
    return UpsrwArgs(
        prog=prog,
        setvar=setvar,
        username=username,
        password=password,
        timeout=timeout,
        tracking=tracking,
        operands=operands,
        messages=tuple(messages),
    )


def usage(prog: str) -> str:
    return (
        f"Network UPS Tools {prog} {NUT_VERSION}\n\n"
        f"usage: {prog} [-h]\n"
        f"       {prog} [-s <variable>] [-u <username>] [-p <password>] [-w] [-t <timeout>] "
        "<ups>\n\n"
        "Demo program to set variables within UPS hardware.\n"
        "\n"
        "  -h            display this help text\n"
        "  -s <variable>\tspecify variable to be changed\n"
        "\t\tuse -s VAR=VALUE to avoid prompting for value\n"
        "  -l            show all possible read/write variables.\n"
        "  -u <username> set username for command authentication\n"
        "  -p <password> set password for command authentication\n"
        "  -w            wait for the completion of setting by the driver\n"
        "                and return its actual result from the device\n"
        "  -t <timeout>\tset a timeout when using -w (in seconds, default: "
        f"{DEFAULT_TRACKING_TIMEOUT})\n"
        "\n"
        "  <ups>         UPS identifier - <upsname>[@<hostname>[:<port>]]\n"
        "\n"
        "Call without -s to show all possible read/write variables (same as -l).\n"
    )


def c_strtol(text: str) -> int:
    """C ``strtol(text, NULL, 10)``: leading blanks, a sign, digits; clamped to ``long``."""
    s = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ("0" <= ch <= "9"):
            break
        digits += ch
    value = sign * int(digits) if digits else 0
    return max(_LONG_MIN, min(_LONG_MAX, value))


def c_atoi(text: str) -> int:
    """glibc ``atoi``: ``(int) strtol(text, NULL, 10)``."""
    value = c_strtol(text) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


class _Upsrw:
    def __init__(self, client: NutClient, ups: str, out: TextIO) -> None:
        self.client = client
        self.ups = ups
        self.out = out

    def get_data(self, kind: str, var: str) -> str | None:
        try:
            answer = self.client.get(kind, self.ups, var)
        except (NutError, ClientError, ProtocolError):
            return None
        return answer.args[3] if len(answer.args) > 3 else None

    def current(self, var: str, who: str) -> str:
        value = self.get_data("VAR", var)
        if value is None:
            raise Fatal(f"{who}: can't get current value of {var}")
        return value

    def list_of(self, kind: str, var: str) -> tuple[tuple[str, ...], ...]:
        try:
            return self.client.list_(kind, self.ups, var)
        except (NutError, ClientError, ProtocolError) as exc:
            raise Fatal(f"Error: {strerror(exc)}") from None

    def do_string(self, var: str, length: int) -> None:
        value = self.current(var, "do_string")
        self.out.write(f"Type: STRING\nMaximum length: {length}\nValue: {value}\n")

    def do_number(self, var: str) -> None:
        value = self.current(var, "do_number")
        self.out.write(f"Type: NUMBER\nValue: {value}\n")

    def do_enum(self, var: str, vartype: str | None, length: int) -> None:
        value = self.current(var, "do_enum")[: _SMALLBUF - 1]
        rows = self.list_of("ENUM", var)
        self.out.write(f"Type: ENUM {vartype}\n" if vartype else "Type: ENUM\n")
        if vartype == "STRING":
            self.out.write(f"Maximum length: {length}\n")
        for row in rows:
            if len(row) < 4:
                raise Fatal(f"Error: insufficient data (got {len(row)} args, need at least 4)")
            selected = " SELECTED" if row[3] == value else ""
            self.out.write(f'Option: "{row[3]}"{selected}\n')

    def do_range(self, var: str) -> None:
        ival = c_atoi(self.current(var, "do_range"))
        rows = self.list_of("RANGE", var)
        self.out.write("Type: RANGE NUMBER\n")
        for row in rows:
            if len(row) < 5:
                # sic: NUT says 4 here although it needs 5
                raise Fatal(f"Error: insufficient data (got {len(row)} args, need at least 4)")
            low, high = c_atoi(row[3]), c_atoi(row[4])
            selected = " SELECTED" if low <= ival <= high else ""
            self.out.write(f'Option: "{low}-{high}"{selected}\n')

    def do_type(self, var: str) -> None:
        try:
            answer = self.client.get("TYPE", self.ups, var)
        except (NutError, ClientError, ProtocolError):
            self.out.write("Unknown type\n")
            return
        is_enum = False
        for word in answer.args[3:]:
            upper = word.upper()
            if upper == "ENUM":
                is_enum = True
            elif upper == "RANGE":
                self.do_range(var)
                return
            elif upper.startswith("STRING:"):
                length = c_strtol(word[7:])
                if is_enum:
                    self.do_enum(var, "STRING", length)
                else:
                    self.do_string(var, length)
                return
            elif upper == "NUMBER":
                if is_enum:
                    self.do_enum(var, "NUMBER", 0)
                else:
                    self.do_number(var)
                return
            elif upper != "RW":
                self.out.write(f"Type: {word} (unrecognized)\n")
        if is_enum:
            self.do_enum(var, None, 0)

    def print_rw(self, var: str) -> None:
        self.out.write(f"[{var}]\n")
        desc = self.get_data("DESC", var)
        self.out.write(f"{desc}\n" if desc is not None else "Description unavailable\n")
        self.do_type(var)
        self.out.write("\n")

    def print_rwlist(self) -> None:
        try:
            rows = self.client.list_("RW", self.ups)
        except (NutError, ClientError, ProtocolError) as exc:
            if isinstance(exc, NutError) and exc.token == ErrToken.UNKNOWN_COMMAND:
                raise Fatal("Error: upsd is too old to support this query") from None
            raise Fatal(f"Error: {strerror(exc)}") from None
        names = []
        for row in rows:
            if len(row) < 4:
                raise Fatal(f"Error: insufficient data (got {len(row)} args, need at least 4)")
            names.append(row[2])
        for name in names:
            self.print_rw(name)


def do_setvar(args: UpsrwArgs, client: NutClient, ups: str, out: TextIO, stdin: TextIO) -> str:
    """Log in and set the variable; the line to print on stderr."""
    assert args.setvar is not None
    if args.username is not None:
        username = args.username[: _SMALLBUF - 1]
    else:
        asked = ask_username(out, stdin)
        if asked is None:  # upsrw ignores the failed read and falls back
            login = login_name()
            if login is None:
                raise Fatal("No username available - even tried getpwuid")
            asked = login
        username = asked
    password = args.password
    if password is None:
        out.flush()
        password = nut_getpass("Password: ")
    varname, eq, newval = args.setvar.partition("=")
    if eq:
        newval = newval[: _SMALLBUF - 1]
    else:
        out.write(f"Enter new value for {varname}: ")
        out.flush()
        line = read_line(stdin, _SMALLBUF) or ""
        newval = line[:-1]
    authenticate(client, username, password)
    if "." not in varname:
        raise Fatal("Error: old variable names are not supported")
    if args.tracking:
        enable_tracking(client, "set variable")
    line = f'SET VAR {ups} {varname} "{encode(newval)}"'
    return finish_request(
        client, line, "Can't set variable", "Set variable failed", args.tracking, args.timeout
    )


def run(args: UpsrwArgs, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    try:
        where = split_name(args.operands[0])
    except AddressError as exc:
        if exc.note:
            err.write(exc.note + "\n")
        raise Fatal(
            "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]"
        ) from None
    assert where.upsname is not None
    client = connect_plain(where)
    try:
        if args.setvar is not None:
            err.write(do_setvar(args, client, where.upsname, out, stdin) + "\n")
        else:
            _Upsrw(client, where.upsname, out).print_rwlist()
        return 0
    finally:
        client.close()


def main(argv: Sequence[str] | None = None, *, argv0: str | None = None) -> int:
    """Run upsrw; ``argv`` without the program name (default ``sys.argv[1:]``)."""
    out, err = sys.stdout, sys.stderr
    use_surrogates(out, err)
    args = parse_args([argv0 or sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    for message in args.messages:
        err.write(message + "\n")
    if args.action == "help":
        return print_out(out, usage(args.prog))
    if args.action == "version":
        return print_out(out, f"Network UPS Tools {args.prog} {NUT_VERSION}\n")
    if args.action == "fatal":
        err.write(args.fatal + "\n")
        return 1
    return run_client(lambda: run(args, out, err, sys.stdin), out, err)


if __name__ == "__main__":
    sys.exit(main())
