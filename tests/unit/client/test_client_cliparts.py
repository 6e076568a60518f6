"""The pure pieces of the client CLIs: addresses, getopt, number parsing, JSON escaping."""

from __future__ import annotations

import errno

import pytest

from powerdown.cli.clientkit import Getopt, prog_name, str_to_uint
from powerdown.cli.upsc import json_escape
from powerdown.cli.upsc import parse_args as upsc_args
from powerdown.cli.upscmd import parse_args as upscmd_args
from powerdown.cli.upsrw import c_atoi, c_strtol
from powerdown.cli.upsrw import parse_args as upsrw_args
from powerdown.client.address import AddressError, UpsAddress, split_addr, split_name

NO_PORT = "upscli_splitaddr: no port specified after ':' separator"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ups", UpsAddress(upsname="ups", host="localhost", port=3493)),
        ("ups@host", UpsAddress(upsname="ups", host="host", port=3493)),
        ("ups@host:1234", UpsAddress(upsname="ups", host="host", port=1234)),
        ("ups@[::1]", UpsAddress(upsname="ups", host="::1", port=3493)),
        ("ups@[::1]:3494", UpsAddress(upsname="ups", host="::1", port=3494)),
        ("ups@[::1]x", UpsAddress(upsname="ups", host="::1", port=3493)),
        ("ups@host:12abc", UpsAddress(upsname="ups", host="host", port=12)),
        ("ups@a@b", UpsAddress(upsname="ups", host="a@b", port=3493)),
        # strtok quirks NUT has: leading separators are skipped
        ("@host", UpsAddress(upsname="host", host="host", port=3493)),
        ("ups@:3493", UpsAddress(upsname="ups", host="3493", port=3493)),
    ],
)
def test_split_name(text: str, expected: UpsAddress) -> None:
    assert split_name(text) == expected


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (None, None),
        ("", "upscli_splitname: can't parse empty string"),
        ("ups@", "upscli_splitaddr: can't parse empty string"),
        ("ups@host:", NO_PORT),
        ("ups@host:0", NO_PORT),
        ("ups@host:65536", NO_PORT),
        ("ups@host:-1", NO_PORT),
        ("ups@host:x", NO_PORT),
        ("ups@[::1", "upscli_splitaddr: missing closing bracket in [domain literal]"),
        ("ups@[::1]:", NO_PORT),
    ],
)
def test_split_name_errors(text: str | None, note: str | None) -> None:
    with pytest.raises(AddressError) as info:
        split_name(text)
    assert info.value.note == note


def test_split_addr_and_str() -> None:
    where = split_addr("[::1]:3493")
    assert where == UpsAddress(upsname=None, host="::1", port=3493)
    assert str(where) == "[::1]:3493"
    assert str(split_name("u@h:1")) == "u@h:1"


def test_Getopt_like_glibc() -> None:
    opts = Getopt(["prog", "-lL", "-uadmin", "-p", "pw", "ups", "-x"], "+lLu:p:")
    assert list(opts) == [("l", None), ("L", None), ("u", "admin"), ("p", "pw")]
    assert opts.operands == ["ups", "-x"]  # POSIX mode: options stop at the first operand

    opts = Getopt(["prog", "-x", "-l"], "+l")
    assert list(opts) == [("?", "prog: invalid option -- 'x'"), ("l", None)]

    opts = Getopt(["prog", "-u"], "+u:")
    assert list(opts) == [("?", "prog: option requires an argument -- 'u'")]

    opts = Getopt(["prog", "--", "-l"], "+l")
    assert list(opts) == [] and opts.operands == ["-l"]

    opts = Getopt(["prog", "-", "-l"], "+l")
    assert list(opts) == [] and opts.operands == ["-", "-l"]

    opts = Getopt(["prog", "-u", "-l"], "+u:l")  # the next word is the argument, whatever it is
    assert list(opts) == [("u", "-l")]


def test_prog_name() -> None:
    assert prog_name("/bin/upsc", "x") == "upsc"
    assert prog_name("/work/powerdown/cli/upsc.py", "upsc") == "upsc"
    assert prog_name(None, "upsc") == "upsc"


def test_str_to_uint() -> None:
    assert str_to_uint(" 12 ") == 12
    for bad, code in [("", errno.EINVAL), ("-1", errno.EINVAL), ("1x", errno.EINVAL)]:
        with pytest.raises(ValueError) as info:
            str_to_uint(bad)
        assert info.value.args[0] == code
    with pytest.raises(ValueError) as info:
        str_to_uint("4294967296")
    assert info.value.args[0] == errno.ERANGE


def test_c_atoi_and_strtol() -> None:
    assert c_atoi("42abc") == 42
    assert c_atoi("  -7") == -7
    assert c_atoi("x") == 0
    assert c_atoi("4294967297") == 1  # (int) of a long, as glibc's atoi
    assert c_strtol("99999999999999999999") == 2**63 - 1


def test_json_escape_like_nut() -> None:
    assert json_escape('a"b\\c\n\t\x01') == 'a\\"b\\\\c\\n\\t\\u0001'


def test_upsc_parse_args() -> None:
    args = upsc_args(["upsc", "-j", "-L", "host:1"])
    assert args.action == "run" and args.json and args.varlist and args.verbose
    assert args.operands == ("host:1",)
    assert upsc_args(["upsc", "-V", "-h"]).action == "version"
    bad = upsc_args(["/bin/upsc", "-q"])
    assert bad.action == "help" and bad.messages == ("/bin/upsc: invalid option -- 'q'",)


def test_upscmd_parse_args() -> None:
    args = upscmd_args(["upscmd", "-w", "-t", "3", "-u", "a", "-p", "b", "ups", "x.y", "5"])
    assert (args.tracking, args.timeout, args.username, args.password) == (True, 3, "a", "b")
    assert args.operands == ("ups", "x.y", "5")
    assert upscmd_args(["upscmd"]).action == "help"
    fatal = upscmd_args(["upscmd", "-t", "soon", "ups"])
    assert fatal.action == "fatal"
    assert fatal.fatal == (
        "Could not convert the provided value for timeout ('-t' option) "
        "to unsigned int: Invalid argument"
    )


def test_upsrw_parse_args() -> None:
    args = upsrw_args(["upsrw", "-s", "a.b=1", "-l", "ups"])
    assert args.setvar is None
    assert args.messages == ("Listing mode requested, overriding setvar specified earlier!",)
    assert upsrw_args(["upsrw", "-s", "a.b=1", "ups"]).setvar == "a.b=1"
