"""upsc: show what a NUT server knows about its UPSes.

Prints exactly what NUT 2.8.0's ``upsc`` prints, on the same streams and with
the same exit codes, with two later changes: ``-V`` names the program right
(2.8.0 says "upscmd", fixed in NUT 2.8.1) and ``-j`` prints JSON as NUT 2.8.5
does.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from powerdown.cli.clientkit import (
    NUT_VERSION,
    Fatal,
    Getopt,
    print_out,
    prog_name,
    quiet_broken_pipe,
    use_surrogates,
)
from powerdown.client.address import AddressError, UpsAddress, split_addr, split_name
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError, strerror
from powerdown.protocol.errors import ErrToken, NutError, ProtocolError

__all__ = ["UpscArgs", "parse_args", "main", "json_escape"]

OPTSTRING = "+hlLcVj"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpscArgs:
    """What the command line asks for.

    ``action`` is ``"run"``, ``"help"`` or ``"version"``; ``messages`` are
    getopt's complaints, printed on stderr before the help text.
    """

    action: str = "run"
    prog: str = "upsc"
    varlist: bool = False
    verbose: bool = False
    clientlist: bool = False
    json: bool = False
    operands: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


def parse_args(argv: Sequence[str]) -> UpscArgs:
    """Read ``argv`` (``argv[0]`` included) as upsc's getopt loop does."""
    prog = prog_name(argv[0] if argv else None, "upsc")
    varlist = verbose = clientlist = json = False
    opts = Getopt(argv, OPTSTRING)
    for opt, arg in opts:
        if opt == "L":
            verbose = varlist = True
        elif opt == "l":
            varlist = True
        elif opt == "c":
            clientlist = True
        elif opt == "j":
            json = True
        elif opt == "V":
            return UpscArgs(action="version", prog=prog)
        else:  # "h", or "?" from getopt
            messages = (arg,) if opt == "?" and arg else ()
            return UpscArgs(action="help", prog=prog, messages=messages)
    return UpscArgs(
        prog=prog,
        varlist=varlist,
        verbose=verbose,
        clientlist=clientlist,
        json=json,
        operands=tuple(opts.operands),
    )


def usage(prog: str) -> str:
    return (
        f"Network UPS Tools upsc {NUT_VERSION}\n\n"
        f"usage: {prog} -l | -L [<hostname>[:port]]\n"
        f"       {prog} <ups> [<variable>]\n"
        f"       {prog} -c <ups>\n"
        "\nDemo program to display UPS variables.\n\n"
        "First form (lists UPSes):\n"
        "  -l         - lists each UPS on <hostname>, one per line.\n"
        "  -L         - lists each UPS followed by its description (from ups.conf).\n"
        "               Default hostname: localhost\n"
        "\nSecond form (lists variables and values):\n"
        "  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form\n"
        "  <variable> - optional, display this variable only.\n"
        "               Default: list all variables for <host>\n"
        "\nThird form (lists clients connected to a device):\n"
        "  -c         - lists each client connected on <ups>, one per line.\n"
        "  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form\n"
    )


def json_escape(text: str) -> str:
    """NUT's ``json_print_esc``: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


class _Upsc:
    """One run: holds the streams, the connection and the JSON switch."""

    def __init__(self, args: UpscArgs, out: TextIO, err: TextIO) -> None:
        self.args = args
        self.out = out
        self.err = err
        self.json = args.json
        self.client: NutClient | None = None
        # NUT's TLS library (NSS) ignores SIGPIPE once initialised: from then
        # on a vanished reader of stdout goes unnoticed and upsc exits 0.
        self.sigpipe_ignored = False

    def fail(self, msg: str, *, simple: bool = True) -> Fatal:
        """``fatalx_error_json_simple``: the JSON error object, then the stderr line."""
        if self.json:
            text = msg if simple else json_escape(msg)
            self.out.write(f'{{"error": "{text}"}}\n')
        return Fatal(f"Error: {msg}")

    def fail_in_object(self, msg: str, *, simple: bool = True) -> Fatal:
        """An error inside an open JSON object (``list_vars``)."""
        if self.json:
            text = msg if simple else json_escape(msg)
            self.out.write(f'  "error": "{text}"\n}}\n')
        return Fatal(f"Error: {msg}")

    def connect(self, where: UpsAddress) -> NutClient:
        try:
            client = NutClient(where.host, where.port, timeout=5.0)
        except ClientError as exc:
            raise self.fail(strerror(exc), simple=False) from None
        self.client = client
        # libupsclient's TRYSSL: init the (NSS) TLS library, then ask upsd.
        self.err.write("Init SSL without certificate database\n")
        self.sigpipe_ignored = True
        try:
            encrypted = client.starttls()
        except NutError:
            encrypted = False
        except (ClientError, ProtocolError) as exc:
            self.err.write(f"Error while connecting to NUT server {where.host}, disconnect\n")
            raise self.fail(strerror(exc), simple=False) from None
        if encrypted:
            host = where.host
            self.err.write(f"Connecting in SSL to '{host}' (no certificate name specified)\n")
            self.err.write(f"Do not intend to authenticate server {host}\n")
            self.err.write(f"SSL handshake done successfully with server {host}\n")
            self.err.write(f"Connected to NUT server {host} in SSL\n")
            self.err.write("Certificate verification is disabled\n")
        return client

    def run(self) -> int:
        args = self.args
        ops = args.operands
        if args.varlist:
            try:
                where = split_addr(ops[0] if ops else "localhost")
            except AddressError as exc:
                if exc.note:
                    self.err.write(exc.note + "\n")
                raise self.fail(
                    "invalid hostname.\nRequired format: [hostname[:port]]", simple=False
                ) from None
        else:
            try:
                where = split_name(ops[0] if ops else None)
            except AddressError as exc:
                if exc.note:
                    self.err.write(exc.note + "\n")
                raise self.fail(
                    "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]",
                    simple=False,
                ) from None
        client = self.connect(where)
        if args.varlist:
            self.list_upses(client, args.verbose)
        elif args.clientlist:
            assert where.upsname is not None
            self.list_clients(client, where.upsname)
        elif len(ops) > 1:
            assert where.upsname is not None
            self.printvar(client, where.upsname, ops[1])
        else:
            assert where.upsname is not None
            self.list_vars(client, where.upsname)
        return 0

    def _query_failed(self, exc: Exception, old_upsd: str) -> tuple[str, bool]:
        if isinstance(exc, NutError) and exc.token == ErrToken.UNKNOWN_COMMAND:
            return old_upsd, True
        return strerror(exc), False

    def printvar(self, client: NutClient, ups: str, var: str) -> None:
        if "." not in var:
            raise self.fail("old-style variable names are not supported")
        try:
            answer = client.get("VAR", ups, var)
        except (NutError, ClientError, ProtocolError) as exc:
            msg, simple = self._query_failed(exc, "variable unknown (old upsd detected)")
            raise self.fail(msg, simple=simple) from None
        value = answer.args[3] if len(answer.args) > 3 else "(null)"
        if self.json:
            self.out.write(f'"{json_escape(value)}"\n')
        else:
            self.out.write(f"{value}\n")

    def list_vars(self, client: NutClient, ups: str) -> None:
        if self.json:
            self.out.write("{\n")
        try:
            rows = client.list_("VAR", ups)
        except (NutError, ClientError, ProtocolError) as exc:
            msg, simple = self._query_failed(exc, "upsd is too old to support this query")
            raise self.fail_in_object(msg, simple=simple) from None
        first = True
        for row in rows:
            if len(row) < 4:
                raise self.fail_in_object(
                    f"insufficient data (got {len(row)} args, need at least 4)"
                )
            if self.json:
                if not first:
                    self.out.write(",\n")
                self.out.write(f'  "{json_escape(row[2])}": "{json_escape(row[3])}"')
                first = False
            else:
                self.out.write(f"{row[2]}: {row[3]}\n")
        if self.json:
            self.out.write("\n}\n")

    def list_upses(self, client: NutClient, verbose: bool) -> None:
        try:
            rows = client.list_("UPS")
        except (NutError, ClientError, ProtocolError) as exc:
            msg, simple = self._query_failed(exc, "upsd is too old to support this query")
            raise self.fail(msg, simple=simple) from None
        if self.json:
            self.out.write("{\n" if verbose else "[\n")
        first = True
        for row in rows:
            if len(row) < 3:
                msg = f"insufficient data (got {len(row)} args, need at least 3)"
                if self.json:
                    self.out.write("  " + ("" if verbose else "{"))
                    self.out.write(f'"error": "{msg}"\n}}\n')
                    if not verbose:
                        self.out.write("]\n")
                raise Fatal(f"Error: {msg}")
            if self.json:
                if not first:
                    self.out.write(",\n")
                if verbose:
                    self.out.write(f'  "{json_escape(row[1])}": "{json_escape(row[2])}"')
                else:
                    self.out.write(f'  "{json_escape(row[1])}"')
                first = False
            elif verbose:
                self.out.write(f"{row[1]}: {row[2]}\n")
            else:
                self.out.write(f"{row[1]}\n")
        if self.json:
            self.out.write("\n}\n" if verbose else "\n]\n")

    def list_clients(self, client: NutClient, ups: str) -> None:
        try:
            rows = client.list_("CLIENT", ups)
        except (NutError, ClientError, ProtocolError) as exc:
            msg, simple = self._query_failed(exc, "upsd is too old to support this query")
            raise self.fail(msg, simple=simple) from None
        if self.json:
            self.out.write("[\n")
        first = True
        for row in rows:
            if len(row) < 3:
                msg = f"insufficient data (got {len(row)} args, need at least 3)"
                if self.json:
                    self.out.write(f'  {{"error": "{msg}"\n}}\n]\n')
                raise Fatal(f"Error: {msg}")
            if self.json:
                if not first:
                    self.out.write(",\n")
                self.out.write(f'  "{json_escape(row[2])}"')
                first = False
            else:
                self.out.write(f"{row[2]}\n")
        if self.json:
            self.out.write("\n]\n")

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def main(argv: Sequence[str] | None = None, *, argv0: str | None = None) -> int:
    """Run upsc; ``argv`` without the program name (default ``sys.argv[1:]``)."""
    out, err = sys.stdout, sys.stderr
    use_surrogates(out, err)
    args = parse_args([argv0 or sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    for message in args.messages:
        err.write(message + "\n")
    if args.action == "help":
        return print_out(out, usage(args.prog))
    if args.action == "version":
        err.write(f"Network UPS Tools upsc {NUT_VERSION}\n")
        return 0
    run = _Upsc(args, out, err)
    try:
        return run.run()
    except Fatal as fatal:
        out.flush()
        err.write(fatal.message + "\n")
        return fatal.status
    except BrokenPipeError:
        code = quiet_broken_pipe(out)
        return 0 if run.sigpipe_ignored else code
    finally:
        run.close()
        try:
            out.flush()
        except BrokenPipeError:
            quiet_broken_pipe(out)


if __name__ == "__main__":
    sys.exit(main())
