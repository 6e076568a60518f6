"""upscmd: list a UPS's instant commands, or run one.

Prints what NUT 2.8.0's ``upscmd`` prints, on the same streams, with the
same exit codes.  Like NUT's, it sends ``USERNAME``/``PASSWORD`` without
checking the replies: a wrong password shows up as the server's answer to
``INSTCMD`` ("Unexpected response from upsd: ERR ACCESS-DENIED").
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
    nut_getpass,
    parse_timeout,
    print_out,
    prog_name,
    run_client,
    use_surrogates,
)
from powerdown.client.address import AddressError, split_name
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError, strerror
from powerdown.protocol.errors import ErrToken, NutError, ProtocolError

__all__ = ["UpscmdArgs", "parse_args", "main"]

OPTSTRING = "+lhu:p:t:wV"
_SMALLBUF = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class UpscmdArgs:
    """The command line; ``action`` is ``"run"``, ``"help"``, ``"version"`` or ``"fatal"``."""

    action: str = "run"
    prog: str = "upscmd"
    cmdlist: bool = False
    username: str | None = None
    password: str | None = None
    timeout: int = DEFAULT_TRACKING_TIMEOUT
    tracking: bool = False
    operands: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    fatal: str = ""


def parse_args(argv: Sequence[str]) -> UpscmdArgs:
    """Read ``argv`` (``argv[0]`` included) as upscmd's getopt loop does."""
    prog = prog_name(argv[0] if argv else None, "upscmd")
    cmdlist = tracking = False
    username: str | None = None
    password: str | None = None
    timeout = DEFAULT_TRACKING_TIMEOUT
    opts = Getopt(argv, OPTSTRING)
    for opt, arg in opts:
        if opt == "l":
            cmdlist = True
        elif opt == "u":
            username = (arg or "")[: _SMALLBUF - 1]
        elif opt == "p":
            password = (arg or "")[: _SMALLBUF - 1]
        elif opt == "t":
            try:
                timeout = parse_timeout(arg or "")
            except Fatal as exc:
                return UpscmdArgs(action="fatal", prog=prog, fatal=exc.message)
        elif opt == "w":
            tracking = True
        elif opt == "V":
            return UpscmdArgs(action="version", prog=prog)
        else:
            messages = (arg,) if opt == "?" and arg else ()
            return UpscmdArgs(action="help", prog=prog, messages=messages)
    operands = tuple(opts.operands)
    if not operands:
        return UpscmdArgs(action="help", prog=prog)
    return UpscmdArgs(
        prog=prog,
        cmdlist=cmdlist,
        username=username,
        password=password,
        timeout=timeout,
        tracking=tracking,
        operands=operands,
    )


def usage(prog: str) -> str:
    return (
        f"Network UPS Tools upscmd {NUT_VERSION}\n\n"
        f"usage: {prog} [-h]\n"
        f"       {prog} [-l <ups>]\n"
        f"       {prog} [-u <username>] [-p <password>] [-w] [-t <timeout>] "
        "<ups> <command> [<value>]\n\n"
        "Administration program to initiate instant commands on UPS hardware.\n"
        "\n"
        "  -h\t\tdisplay this help text\n"
        "  -l <ups>\tshow available commands on UPS <ups>\n"
        "  -u <username>\tset username for command authentication\n"
        "  -p <password>\tset password for command authentication\n"
        "  -w            wait for the completion of command by the driver\n"
        "                and return its actual result from the device\n"
        "  -t <timeout>\tset a timeout when using -w (in seconds, default: "
        f"{DEFAULT_TRACKING_TIMEOUT})\n"
        "\n"
        "  <ups>\t\tUPS identifier - <upsname>[@<hostname>[:<port>]]\n"
        "  <command>\tValid instant command - test.panel.start, etc.\n"
        "  [<value>]\tAdditional data for command - number of seconds, etc.\n"
    )


def list_commands(client: NutClient, ups: str, out: TextIO) -> None:
    """``-l``: every command, then its description (or just its name)."""
    try:
        rows = client.list_("CMD", ups)
    except (NutError, ClientError, ProtocolError) as exc:
        if isinstance(exc, NutError) and exc.token == ErrToken.UNKNOWN_COMMAND:
            raise Fatal("Error: upsd is too old to support this query") from None
        raise Fatal(f"Error: {strerror(exc)}") from None
    names = []
    for row in rows:
        if len(row) < 3:
            raise Fatal(f"Error: insufficient data (got {len(row)} args, need at least 3)")
        names.append(row[2])
    out.write(f"Instant commands supported on UPS [{ups}]:\n\n")
    for name in names:
        try:
            answer = client.get("CMDDESC", ups, name)
        except (NutError, ClientError, ProtocolError):
            out.write(f"{name}\n")
            continue
        if len(answer.args) < 4:
            out.write(f"{name}\n")
        else:
            out.write(f"{name} - {answer.args[3]}\n")


def run(args: UpscmdArgs, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    ops = args.operands
    try:
        where = split_name(ops[0])
    except AddressError as exc:
        if exc.note:
            err.write(exc.note + "\n")
        raise Fatal(
            "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]"
        ) from None
    assert where.upsname is not None
    ups = where.upsname
    client = connect_plain(where)
    try:
        if args.cmdlist:
            list_commands(client, ups, out)
            return 0
        if len(ops) < 2:
            out.write(usage(args.prog))
            return 0
        command = ops[1]
        if "." not in command:
            raise Fatal("Error: old command names are not supported")
        username = args.username
        if username is None:
            username = ask_username(out, stdin)
            if username is None:
                raise Fatal("Error reading from stdin!")
        password = args.password
        if password is None:
            out.flush()
            password = nut_getpass("Password: ")[: _SMALLBUF - 1]
        authenticate(client, username, password)
        if args.tracking:
            enable_tracking(client, "command")
        line = f"INSTCMD {ups} {command}" + (f" {ops[2]}" if len(ops) > 2 else "")
        result = finish_request(
            client,
            line,
            "Can't send instant command",
            "Instant command failed",
            args.tracking,
            args.timeout,
        )
        err.write(result + "\n")
        return 0
    finally:
        client.close()


def main(argv: Sequence[str] | None = None, *, argv0: str | None = None) -> int:
    """Run upscmd; ``argv`` without the program name (default ``sys.argv[1:]``)."""
    out, err = sys.stdout, sys.stderr
    use_surrogates(out, err)
    args = parse_args([argv0 or sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    for message in args.messages:
        err.write(message + "\n")
    if args.action == "help":
        return print_out(out, usage(args.prog))
    if args.action == "version":
        err.write(f"Network UPS Tools upscmd {NUT_VERSION}\n")
        return 0
    if args.action == "fatal":
        err.write(args.fatal + "\n")
        return 1
    return run_client(lambda: run(args, out, err, sys.stdin), out, err)


if __name__ == "__main__":
    sys.exit(main())
