"""upsmon.conf: what upsmon monitors, how it notifies and how it shuts down."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerdown.config import upsmonconf
from powerdown.config.errors import ConfigError, ConfigWarning
from powerdown.config.upsmonconf import (
    CertHost,
    Monitor,
    UpsmonConfig,
    load_upsmon_conf,
    parse_upsmon_conf,
)
from powerdown.monitor.notify import DEFAULT_FLAGS, STOCK_MESSAGES, NotifyFlag, NotifyType

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/upsmon.conf"


def parse(text: str) -> UpsmonConfig:
    return parse_upsmon_conf(text, P)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.path == P
    return str(info.value)


def warnings_of(text: str) -> list[str]:
    return [str(w) for w in parse(text).warnings]


# -- defaults and every directive ----------------------------------------------


def test_UpsmonConfig_defaults_are_NUTs():
    conf = parse("")
    assert conf == UpsmonConfig(path=P)
    assert conf.monitors == () and conf.total_powervalue == 0
    assert conf.minsupplies == 1
    assert conf.shutdowncmd is conf.notifycmd is conf.powerdownflag is None
    assert (conf.pollfreq, conf.pollfreqalert, conf.hostsync, conf.deadtime) == (5, 5, 15, 15)
    assert (conf.finaldelay, conf.rbwarntime, conf.nocommwarntime) == (5, 43200, 300)
    assert (conf.offduration, conf.overduration, conf.oblbduration) == (30, -1, 0)
    assert conf.alarmcritical is True
    assert conf.shutdownexit == 0  # exit as soon as SHUTDOWNCMD has run
    assert conf.pollfail_log_throttle_max == -1
    assert conf.run_as_user is conf.certpath is conf.certfile is conf.certident is None
    assert conf.certhosts == () and conf.certverify is False and conf.forcessl is False
    assert conf.debug_min is None
    assert dict(conf.notifymsg) == {} and dict(conf.notifyflag) == {}
    assert conf.warnings == ()


@pytest.mark.parametrize("ntype", list(NotifyType))
def test_UpsmonConfig_message_and_flags_fall_back_to_NUTs_stock(ntype):
    conf = parse("")
    assert conf.message(ntype) == STOCK_MESSAGES[ntype]
    assert conf.flags(ntype) == DEFAULT_FLAGS == NotifyFlag.SYSLOG | NotifyFlag.WALL


def test_UpsmonConfig_every_directive():
    conf = parse(
        "MONITOR myups@bigserver 1 upswired blah primary\n"
        "MONITOR su700@server.example.com:5678 2 monuser secretpass secondary\n"
        "MONITOR watchonly@[::1]:3494 0 obs pw slave\n"
        "MINSUPPLIES 2\n"
        'SHUTDOWNCMD "/sbin/shutdown -h +0"\n'
        'NOTIFYCMD "/usr/local/bin/notifyme"\n'
        "POWERDOWNFLAG /run/nut/killpower\n"
        "POLLFREQ 10\n"
        "POLLFREQALERT 2.5\n"
        "HOSTSYNC 20\n"
        "DEADTIME 30\n"
        "FINALDELAY 0\n"
        "RBWARNTIME 3600\n"
        "NOCOMMWARNTIME 600\n"
        "OFFDURATION -1\n"
        "OVERDURATION 60\n"
        "OBLBDURATION 8\n"
        "ALARMCRITICAL 0\n"
        "SHUTDOWNEXIT no\n"
        "POLLFAIL_LOG_THROTTLE_MAX 100\n"
        "RUN_AS_USER nutmon\n"
        "CERTPATH /etc/ssl/certs\n"
        "CERTFILE /etc/nut/upsmon.pem\n"
        'CERTIDENT "my nut monitor" "MyPasSw0rD"\n'
        'CERTHOST localhost "My nut server" 1 0\n'
        'CERTHOST "localhost:34930" "Other server" 0 1\n'
        "CERTVERIFY 1\n"
        "FORCESSL 1\n"
        "DEBUG_MIN 3\n"
        'NOTIFYMSG ONLINE "UPS %s is getting line power"\n'
        "NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC\n"
        "NOTIFYFLAG ONLINE IGNORE\n"
    )
    assert conf.monitors == (
        Monitor(
            system="myups@bigserver",
            upsname="myups",
            host="bigserver",
            port=3493,
            powervalue=1,
            username="upswired",
            password="blah",
            primary=True,
            lineno=1,
        ),
        Monitor(
            system="su700@server.example.com:5678",
            upsname="su700",
            host="server.example.com",
            port=5678,
            powervalue=2,
            username="monuser",
            password="secretpass",
            primary=False,
            lineno=2,
        ),
        Monitor(
            system="watchonly@[::1]:3494",
            upsname="watchonly",
            host="::1",
            port=3494,
            powervalue=0,
            username="obs",
            password="pw",
            primary=False,
            lineno=3,
        ),
    )
    assert conf.total_powervalue == 3
    assert conf.minsupplies == 2
    assert conf.shutdowncmd == "/sbin/shutdown -h +0"
    assert conf.notifycmd == ("/usr/local/bin/notifyme",)
    assert conf.powerdownflag == "/run/nut/killpower"
    assert (conf.pollfreq, conf.pollfreqalert, conf.hostsync, conf.deadtime) == (10, 2.5, 20, 30)
    assert (conf.finaldelay, conf.rbwarntime, conf.nocommwarntime) == (0, 3600, 600)
    assert (conf.offduration, conf.overduration, conf.oblbduration) == (-1, 60, 8)
    assert conf.alarmcritical is False
    assert conf.shutdownexit == -1
    assert conf.pollfail_log_throttle_max == 100
    assert conf.run_as_user == "nutmon"
    assert (conf.certpath, conf.certfile) == ("/etc/ssl/certs", "/etc/nut/upsmon.pem")
    assert conf.certident == ("my nut monitor", "MyPasSw0rD")
    assert conf.certhosts == (
        CertHost(host="localhost", certname="My nut server", verify=True, forcessl=False),
        CertHost(host="localhost:34930", certname="Other server", verify=False, forcessl=True),
    )
    assert conf.certverify is True and conf.forcessl is True
    assert conf.debug_min == 3
    assert conf.message(NotifyType.ONLINE) == "UPS %s is getting line power"
    assert conf.message(NotifyType.ONBATT) == STOCK_MESSAGES[NotifyType.ONBATT]
    assert conf.flags(NotifyType.ONBATT) == NotifyFlag.SYSLOG | NotifyFlag.WALL | NotifyFlag.EXEC
    assert conf.flags(NotifyType.ONLINE) == NotifyFlag.IGNORE
    assert conf.flags(NotifyType.LOWBATT) == DEFAULT_FLAGS
    assert set(conf.notifymsg) == {NotifyType.ONLINE}
    assert set(conf.notifyflag) == {NotifyType.ONBATT, NotifyType.ONLINE}
    assert conf.warnings == ()


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ("POLLFREQ 0.5", "pollfreq", 0.5),
        ("POLLFREQ +7", "pollfreq", 7.0),
        ("POLLFREQALERT 1", "pollfreqalert", 1.0),
        ("HOSTSYNC 0", "hostsync", 0.0),
        ("DEADTIME 15.25", "deadtime", 15.25),
        ("FINALDELAY 12", "finaldelay", 12.0),
        ("RBWARNTIME 60", "rbwarntime", 60.0),
        ("NOCOMMWARNTIME .5", "nocommwarntime", 0.5),
        ("OFFDURATION 0", "offduration", 0.0),
        ("OFFDURATION -1", "offduration", -1.0),  # negative: OFF never counts
        ("OVERDURATION -5", "overduration", -5.0),
        ("OVERDURATION 0", "overduration", 0.0),
        ("OBLBDURATION 30", "oblbduration", 30.0),
        ("OBLBDURATION -3", "oblbduration", 0.0),  # non-positive: at once, one spelling
        ("MINSUPPLIES 0", "minsupplies", 0),
        ("MINSUPPLIES 4", "minsupplies", 4),
        ("POLLFAIL_LOG_THROTTLE_MAX 0", "pollfail_log_throttle_max", 0),
        ("POLLFAIL_LOG_THROTTLE_MAX -7", "pollfail_log_throttle_max", -1),
        ("DEBUG_MIN 0", "debug_min", 0),
        ("debug_min 2", "debug_min", 2),  # the one directive NUT matches without case
        ("Debug_Min 5", "debug_min", 5),
        ("ALARMCRITICAL 1", "alarmcritical", True),
        ("ALARMCRITICAL 0", "alarmcritical", False),
        ("ALARMCRITICAL 2", "alarmcritical", True),  # atoi: non-zero is on
        ("CERTVERIFY 0", "certverify", False),
        ("CERTVERIFY 1", "certverify", True),
        ("FORCESSL 1", "forcessl", True),
        ("FORCESSL 0", "forcessl", False),
        ("SHUTDOWNEXIT yes", "shutdownexit", 0.0),
        ("SHUTDOWNEXIT ON", "shutdownexit", 0.0),
        ("SHUTDOWNEXIT True", "shutdownexit", 0.0),
        ("SHUTDOWNEXIT no", "shutdownexit", -1.0),
        ("SHUTDOWNEXIT Off", "shutdownexit", -1.0),
        ("SHUTDOWNEXIT FALSE", "shutdownexit", -1.0),
        ("SHUTDOWNEXIT 0", "shutdownexit", 0.0),
        ("SHUTDOWNEXIT 1", "shutdownexit", 1.0),  # a number, not a boolean
        ("SHUTDOWNEXIT 120", "shutdownexit", 120.0),
        ("SHUTDOWNEXIT -1", "shutdownexit", -1.0),
        ("SHUTDOWNEXIT 2.5", "shutdownexit", 2.5),
        ("POWERDOWNFLAG /etc/killpower", "powerdownflag", "/etc/killpower"),
        ('POWERDOWNFLAG "C:\\\\killpower"', "powerdownflag", "C:\\killpower"),
        ("RUN_AS_USER nut", "run_as_user", "nut"),
        (
            "CERTPATH /etc/ssl/certs/ca-certificates.crt",
            "certpath",
            "/etc/ssl/certs/ca-certificates.crt",
        ),
        ("CERTFILE /usr/local/ups/etc/upsmon.pem", "certfile", "/usr/local/ups/etc/upsmon.pem"),
        ('CERTIDENT "" "keypass"', "certident", ("", "keypass")),
    ],
)
def test_UpsmonConfig_one_value_directives(line, field, expected):
    conf = parse(line + "\n")
    value = getattr(conf, field)
    assert value == expected and type(value) is type(expected)
    assert conf.warnings == ()


def test_UpsmonConfig_later_lines_win():
    conf = parse(
        "POLLFREQ 5\nPOLLFREQ 9\n"
        'SHUTDOWNCMD "a"\nSHUTDOWNCMD "b"\n'
        'NOTIFYMSG ONBATT "one %s"\nNOTIFYMSG onbatt "two %s"\n'
        "NOTIFYFLAG FSD EXEC\nNOTIFYFLAG FSD SYSLOG\n"
    )
    assert conf.pollfreq == 9 and conf.shutdowncmd == "b"
    assert conf.message(NotifyType.ONBATT) == "two %s"
    assert conf.flags(NotifyType.FSD) == NotifyFlag.SYSLOG


def test_UpsmonConfig_a_repeated_CERTHOST_replaces_the_earlier_one():
    # NUT looks up the newest entry for a host first.
    conf = parse('CERTHOST h "one" 1 1\nCERTHOST other "x" 0 0\nCERTHOST h "two" 0 1\n')
    assert conf.certhosts == (
        CertHost(host="other", certname="x", verify=False, forcessl=False),
        CertHost(host="h", certname="two", verify=False, forcessl=True),
    )
    assert [str(w) for w in conf.warnings] == [
        f"{P}:3: CERTHOST h repeated; this line replaces the earlier one"
    ]


# -- MONITOR -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "upsname", "host", "port"),
    [
        ("ups", "ups", "localhost", 3493),
        ("ups@localhost", "ups", "localhost", 3493),
        ("su700@mybox", "su700", "mybox", 3493),
        ("fenton@bigbox:5678", "fenton", "bigbox", 5678),
        ("ups@127.0.0.1:1", "ups", "127.0.0.1", 1),
        ("ups@[::1]", "ups", "::1", 3493),
        ("ups@[::1]:65535", "ups", "::1", 65535),
        ("ups@[fe80::1%eth0]:3493", "ups", "fe80::1%eth0", 3493),
        ("my-ups.2@host-1.example.org:03493", "my-ups.2", "host-1.example.org", 3493),
    ],
)
def test_Monitor_system_forms(system, upsname, host, port):
    (mon,) = parse(f"MONITOR {system} 1 u p primary\n").monitors
    assert (mon.system, mon.upsname, mon.host, mon.port) == (system, upsname, host, port)


@pytest.mark.parametrize(
    ("role", "primary"),
    [
        ("primary", True),
        ("master", True),
        ("PRIMARY", True),
        ("Master", True),
        ("secondary", False),
        ("slave", False),
        ("SECONDARY", False),
        ("Slave", False),
    ],
)
def test_Monitor_role_words_any_case(role, primary):
    (mon,) = parse(f"MONITOR ups 1 u p {role}\n").monitors
    assert mon.primary is primary


def test_Monitor_power_values_add_up_and_line_numbers_are_physical():
    conf = parse("# header\n\nMONITOR a 1 u p primary\nMONITOR b\\\n 3 u p secondary\n")
    assert [m.powervalue for m in conf.monitors] == [1, 3]
    assert [m.lineno for m in conf.monitors] == [3, 4]
    assert conf.total_powervalue == 4


def test_Monitor_passwords_stay_out_of_repr():
    conf = parse('MONITOR ups 1 user "s3cret pw" primary\nCERTIDENT name "keypass"\n')
    assert conf.monitors[0].password == "s3cret pw"
    assert "s3cret" not in repr(conf) and "keypass" not in repr(conf)
    assert "user" in repr(conf)


# -- commands -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected", "words"),
    [
        # NUT 2.8.0's form: one word, a whole command line for the shell.
        ('SHUTDOWNCMD "/sbin/shutdown -h +0"', "/sbin/shutdown -h +0", None),
        # HEAD's forms: each further word is one argument.
        ('SHUTDOWNCMD "/sbin/shutdown" "-h" "+0"', "/sbin/shutdown -h +0", None),
        ("SHUTDOWNCMD /sbin/shutdown -h +0", "/sbin/shutdown -h +0", None),
        (
            'SHUTDOWNCMD "/usr/bin/logger -t ups" "power is out; bye" "$HOME" "it\'s"',
            "/usr/bin/logger -t ups 'power is out; bye' '$HOME' 'it'\"'\"'s'",
            ["/usr/bin/logger", "-t", "ups", "power is out; bye", "$HOME", "it's"],
        ),
        ('SHUTDOWNCMD "echo a && echo b"', "echo a && echo b", None),
    ],
)
def test_UpsmonConfig_SHUTDOWNCMD_forms(line, expected, words):
    conf = parse(line + "\n")
    assert conf.shutdowncmd == expected
    if words is not None:
        # What /bin/sh -c would see: the quoted words come through whole.
        assert shlex.split(conf.shutdowncmd) == words


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("NOTIFYCMD /usr/local/ups/bin/notifyme", ("/usr/local/ups/bin/notifyme",)),
        # 2.8.0: one word that a shell split into words.
        ('NOTIFYCMD "/path/to/script --foo --bar"', ("/path/to/script", "--foo", "--bar")),
        ("NOTIFYCMD \"/bin/logger -t 'ups event'\"", ("/bin/logger", "-t", "ups event")),
        # HEAD: several words are the argv as written.
        ('NOTIFYCMD "/path to/script" "--debug" "-v"', ("/path to/script", "--debug", "-v")),
        ('NOTIFYCMD /usr/sbin/upssched "a b"', ("/usr/sbin/upssched", "a b")),
    ],
)
def test_UpsmonConfig_NOTIFYCMD_forms(line, argv):
    assert parse(line + "\n").notifycmd == argv


# -- notify messages and flags ----------------------------------------------------


def test_UpsmonConfig_NOTIFYMSG_quotes_and_escapes():
    conf = parse(
        'NOTIFYMSG ONLINE "UPS %s is \\"back\\""\n'
        "NOTIFYMSG ONBATT Someone\\ pulled\\ the\\ plug\\ on\\ %s\n"
        'NOTIFYMSG LOWBATT "a \\\\ backslash and a \\# hash"\n'
        'NOTIFYMSG NOCOMM ""\n'
        'NOTIFYMSG alarm "UPS %s: alarms [%s]"\n'
    )
    assert conf.message(NotifyType.ONLINE) == 'UPS %s is "back"'
    assert conf.message(NotifyType.ONBATT) == "Someone pulled the plug on %s"
    assert conf.message(NotifyType.LOWBATT) == "a \\ backslash and a # hash"
    assert conf.message(NotifyType.NOCOMM) == ""
    assert conf.message(NotifyType.ALARM) == "UPS %s: alarms [%s]"


@pytest.mark.parametrize("ntype", list(NotifyType))
def test_UpsmonConfig_every_notify_type_takes_a_message_and_flags(ntype):
    conf = parse(f'NOTIFYMSG {ntype} "custom"\nNOTIFYFLAG {ntype.lower()} EXEC\n')
    assert conf.message(ntype) == "custom"
    assert conf.flags(ntype) == NotifyFlag.EXEC


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("SYSLOG", NotifyFlag.SYSLOG),
        ("WALL", NotifyFlag.WALL),
        ("EXEC", NotifyFlag.EXEC),
        ("IGNORE", NotifyFlag.IGNORE),
        ("SYSLOG+WALL", NotifyFlag.SYSLOG | NotifyFlag.WALL),
        ("EXEC+SYSLOG+WALL", NotifyFlag.SYSLOG | NotifyFlag.WALL | NotifyFlag.EXEC),
        ("WALL+WALL", NotifyFlag.WALL),
    ],
)
def test_UpsmonConfig_NOTIFYFLAG_words(flags, expected):
    assert parse(f"NOTIFYFLAG FSD {flags}\n").flags(NotifyType.FSD) == expected


# -- errors ------------------------------------------------------------------------

_MONITOR_USAGE = "MONITOR <system> <powervalue> <username> <password> <primary|secondary>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # MONITOR
        ("MONITOR\n", f"{P}:1: MONITOR: missing argument; expected {_MONITOR_USAGE}"),
        ("\nMONITOR ups 1 u\n", f"{P}:2: MONITOR: missing argument; expected {_MONITOR_USAGE}"),
        (
            "MONITOR ups@host 1 secret primary\n",
            f"{P}:1: Unable to use old-style MONITOR line without a username; "
            "convert it and add a username to upsd.users - see the documentation",
        ),
        (
            "MONITOR ups@host one u p primary\n",
            f"{P}:1: MONITOR ups@host: power value 'one' is not a number "
            "(expected how many of this system's power supplies the UPS feeds)",
        ),
        (
            "MONITOR ups@host 1x u p primary\n",
            f"{P}:1: MONITOR ups@host: power value '1x' is not a number "
            "(expected how many of this system's power supplies the UPS feeds)",
        ),
        (
            "MONITOR ups@host -1 u p primary\n",
            f"{P}:1: MONITOR ups@host: power value -1 is negative "
            "(expected 0 or more; 0 means monitoring only)",
        ),
        (
            "MONITOR ups@host 1 u p primay\n",
            f"{P}:1: MONITOR ups@host: the last argument must be primary or secondary "
            "(or the old names master or slave)",
        ),
        (
            "MONITOR ups 1 u primary hunter2\n",  # words out of order: no password echoed
            f"{P}:1: MONITOR ups: the last argument must be primary or secondary "
            "(or the old names master or slave)",
        ),
        *(
            (
                f'MONITOR "{system}" 1 u p primary\n',
                f"{P}:1: MONITOR: bad UPS {system!r}: expected upsname[@hostname[:port]] "
                "(port 1 to 65535, an IPv6 address in [brackets])",
            )
            for system in (
                "ups@",
                "@host",
                "ups@host:",
                "ups@host:0",
                "ups@host:65536",
                "ups@host:34x",
                "ups@host:+3493",
                "ups@::1",
                "ups@[::1",
                "ups@[]",
                "ups@[::1]x",
                "ups@host@other",
                "ups name@host",
                "",
            )
        ),
        (
            "MONITOR ups@host 1 u p primary\nMONITOR ups@host 0 v q secondary\n",
            f"{P}:2: duplicate MONITOR for ups@host (already monitored on line 1)",
        ),
        (
            "MONITOR ups 1 u p primary\n#\nMONITOR ups@LOCALHOST:3493 1 u p primary\n",
            f"{P}:3: duplicate MONITOR for ups@LOCALHOST:3493 (already monitored on line 1)",
        ),
        # numbers
        *(
            (
                f"{name} {value}\n",
                f"{P}:1: {name}: expected a number of seconds, not {value!r}",
            )
            for name in (
                "POLLFREQ",
                "POLLFREQALERT",
                "HOSTSYNC",
                "DEADTIME",
                "FINALDELAY",
                "RBWARNTIME",
                "NOCOMMWARNTIME",
                "OFFDURATION",
                "OVERDURATION",
                "OBLBDURATION",
            )
            for value in ("five", "5s", "1e3", "inf", "nan", "0x10", "1_000", "--1", ".")
        ),
        ("POLLFREQ " + "9" * 400 + "\n", f"{P}:1: POLLFREQ: " + "9" * 20 + "... is too large"),
        (
            "SHUTDOWNEXIT -" + "9" * 400 + "\n",
            f"{P}:1: SHUTDOWNEXIT: -" + "9" * 19 + "... is too large",
        ),
        ("POLLFREQ 0\n", f"{P}:1: POLLFREQ must be greater than 0 (got 0)"),
        ("POLLFREQ -5\n", f"{P}:1: POLLFREQ must be greater than 0 (got -5)"),
        ("POLLFREQALERT 0.0\n", f"{P}:1: POLLFREQALERT must be greater than 0 (got 0.0)"),
        ("FINALDELAY -1\n", f"{P}:1: FINALDELAY must not be negative (got -1)"),
        ("HOSTSYNC -0.5\n", f"{P}:1: HOSTSYNC must not be negative (got -0.5)"),
        ("DEADTIME -15\n", f"{P}:1: DEADTIME must not be negative (got -15)"),
        ("MINSUPPLIES -1\n", f"{P}:1: MINSUPPLIES must not be negative (got -1)"),
        (
            "MINSUPPLIES one\n",
            f"{P}:1: MINSUPPLIES: expected a number of power supplies, not 'one'",
        ),
        (
            "MINSUPPLIES 1.5\n",
            f"{P}:1: MINSUPPLIES: expected a number of power supplies, not '1.5'",
        ),
        (
            "POLLFAIL_LOG_THROTTLE_MAX lots\n",
            f"{P}:1: POLLFAIL_LOG_THROTTLE_MAX: expected a number of poll cycles, not 'lots'",
        ),
        ("DEBUG_MIN high\n", f"{P}:1: DEBUG_MIN: expected a debug level (0 or more), not 'high'"),
        ("debug_min -1\n", f"{P}:1: debug_min must not be negative (got -1)"),
        ("ALARMCRITICAL yes\n", f"{P}:1: ALARMCRITICAL: expected 0 or 1, not 'yes'"),
        ("CERTVERIFY on\n", f"{P}:1: CERTVERIFY: expected 0 or 1, not 'on'"),
        ("FORCESSL true\n", f"{P}:1: FORCESSL: expected 0 or 1, not 'true'"),
        ('CERTHOST h "n" yes 1\n', f"{P}:1: CERTHOST: expected 0 or 1, not 'yes'"),
        ('CERTHOST h "n" 1 -\n', f"{P}:1: CERTHOST: expected 0 or 1, not '-'"),
        ('CERTHOST "" "n" 1 1\n', f"{P}:1: CERTHOST: the host name is empty"),
        (
            "SHUTDOWNEXIT maybe\n",
            f"{P}:1: SHUTDOWNEXIT: expected yes/on/true, no/off/false or a number of seconds, "
            "not 'maybe'",
        ),
        (
            "SHUTDOWNEXIT 1\\ 0\n",
            f"{P}:1: SHUTDOWNEXIT: expected yes/on/true, no/off/false or a number of seconds, "
            "not '1 0'",
        ),
        # notify types and flags
        (
            'NOTIFYMSG ONLIEN "x"\n',
            f"{P}:1: NOTIFYMSG: unknown notify type 'ONLIEN' (expected one of "
            + ", ".join(t.value for t in NotifyType)
            + ")",
        ),
        (
            "NOTIFYFLAG LOWBAT SYSLOG\n",
            f"{P}:1: NOTIFYFLAG: unknown notify type 'LOWBAT' (expected one of "
            + ", ".join(t.value for t in NotifyType)
            + ")",
        ),
        (
            "NOTIFYFLAG ONLINE MAIL\n",
            f"{P}:1: NOTIFYFLAG ONLINE: unknown flag 'MAIL'; "
            "expected SYSLOG, WALL, EXEC or IGNORE, joined with +",
        ),
        (
            "NOTIFYFLAG ONLINE SYSLOG+\n",
            f"{P}:1: NOTIFYFLAG ONLINE: unknown flag ''; "
            "expected SYSLOG, WALL, EXEC or IGNORE, joined with +",
        ),
        (
            "NOTIFYFLAG ONLINE syslog+wall\n",
            f"{P}:1: NOTIFYFLAG ONLINE: unknown flag 'syslog' (flags are case-sensitive); "
            "expected SYSLOG, WALL, EXEC or IGNORE, joined with +",
        ),
        (
            "NOTIFYFLAG ONLINE IGNORE+SYSLOG\n",
            f"{P}:1: NOTIFYFLAG ONLINE: IGNORE cannot be combined with other flags",
        ),
        (
            "NOTIFYFLAG ONLINE EXEC+IGNORE\n",
            f"{P}:1: NOTIFYFLAG ONLINE: IGNORE cannot be combined with other flags",
        ),
        # commands
        (
            'NOTIFYCMD "/bin/sh -c \'unclosed"\n',
            f"{P}:1: NOTIFYCMD: cannot split the command line: No closing quotation",
        ),
        (
            'NOTIFYCMD "  "\n',
            f"{P}:1: NOTIFYCMD: missing argument; expected NOTIFYCMD <command> [<arg>...]",
        ),
        (
            'SHUTDOWNCMD ""\n',
            f"{P}:1: SHUTDOWNCMD: missing argument; expected SHUTDOWNCMD <command> [<arg>...]",
        ),
        (
            'SHUTDOWNCMD "" "-h"\n',
            f"{P}:1: SHUTDOWNCMD: missing argument; expected SHUTDOWNCMD <command> [<arg>...]",
        ),
        ('NOTIFYCMD "\\"\\""\n', f"{P}:1: NOTIFYCMD: the command is empty"),
        # missing arguments
        *(
            (f"{name}\n", f"{P}:1: {name}: missing argument; expected {name} <value>")
            for name in (
                "POLLFREQ",
                "POLLFREQALERT",
                "HOSTSYNC",
                "DEADTIME",
                "FINALDELAY",
                "RBWARNTIME",
                "NOCOMMWARNTIME",
                "OFFDURATION",
                "OVERDURATION",
                "OBLBDURATION",
                "MINSUPPLIES",
                "POLLFAIL_LOG_THROTTLE_MAX",
                "DEBUG_MIN",
                "ALARMCRITICAL",
                "CERTVERIFY",
                "FORCESSL",
                "SHUTDOWNEXIT",
                "POWERDOWNFLAG",
                "RUN_AS_USER",
                "CERTPATH",
                "CERTFILE",
            )
        ),
        (
            "SHUTDOWNCMD\n",
            f"{P}:1: SHUTDOWNCMD: missing argument; expected SHUTDOWNCMD <command> [<arg>...]",
        ),
        (
            "NOTIFYCMD\n",
            f"{P}:1: NOTIFYCMD: missing argument; expected NOTIFYCMD <command> [<arg>...]",
        ),
        (
            "NOTIFYMSG ONLINE\n",
            f"{P}:1: NOTIFYMSG: missing argument; expected NOTIFYMSG <type> <message>",
        ),
        (
            "NOTIFYFLAG ONLINE\n",
            f"{P}:1: NOTIFYFLAG: missing argument; expected NOTIFYFLAG <type> <flag>[+<flag>...]",
        ),
        (
            "CERTIDENT name\n",
            f"{P}:1: CERTIDENT: missing argument; "
            "expected CERTIDENT <certificate name> <database password>",
        ),
        (
            'CERTHOST h "name" 1\n',
            f"{P}:1: CERTHOST: missing argument; "
            "expected CERTHOST <hostname> <certificate name> <certverify> <forcessl>",
        ),
        ('POWERDOWNFLAG ""\n', f"{P}:1: POWERDOWNFLAG: the value is empty"),
        ('RUN_AS_USER ""\n', f"{P}:1: RUN_AS_USER: the value is empty"),
        # the tokenizer
        ('NOTIFYMSG ONLINE "UPS #1 %s"\n', f"{P}:1: Unbalanced word due to unescaped # in quotes"),
        # the line number is where the bad logical line starts
        (
            "POLLFREQ 5\n\n# x\nDEADTIME\\\n  soon\n",
            f"{P}:4: DEADTIME: expected a number of seconds, not 'soon'",
        ),
    ],
)
def test_UpsmonConfig_broken_files(text, message):
    assert error_of(text) == message


def test_UpsmonConfig_errors_never_quote_passwords():
    for text in (
        "MONITOR ups 1 user hunter2 primary\nMONITOR ups 1 user hunter2 primary\n",
        "MONITOR ups 1 user hunter2 hunter2\n",
        "MONITOR ups 1 hunter2 primary\n",
        "MONITOR ups@::1 1 user hunter2 primary\n",
    ):
        assert "hunter2" not in error_of(text)
    text = "MONITOR ups 1 user hunter2 primary hunter2\nCERTIDENT n hunter2 hunter2\nhunter2 x\n"
    assert not any("hunter2" in w for w in warnings_of(text)[:2])


def test_UpsmonConfig_no_MONITOR_is_not_an_error_here():
    # upsmon refuses to run on this, but that is the daemon's message to give.
    conf = parse("MINSUPPLIES 1\nSHUTDOWNCMD /bin/true\n")
    assert conf.monitors == () and conf.total_powervalue == 0


# -- warnings ----------------------------------------------------------------------


def test_UpsmonConfig_unknown_directives_and_extra_words_are_warnings():
    conf = parse(
        "POLLFREQ 7\n"
        "NOSUCHTHING 1 2\n"
        "RUN_AS_GROUP nut\n"  # newer upsmon.conf files may carry directives we lack
        "pollfreq 99\n"  # NUT matches directive names with case
        "Monitor ups 1 u p primary\n"
        "LONELY\n"
        "POLLFREQ 8 9\n"
        "MONITOR ups 1 u p primary extra words\n"
        "NOTIFYFLAG ONLINE SYSLOG WALL\n"
        "CERTHOST h n 1 1 more\n"
    )
    assert conf.pollfreq == 8
    assert len(conf.monitors) == 1
    assert conf.flags(NotifyType.ONLINE) == NotifyFlag.SYSLOG
    assert [str(w) for w in conf.warnings] == [
        f"{P}:2: unknown directive NOSUCHTHING",
        f"{P}:3: unknown directive RUN_AS_GROUP",
        f"{P}:4: unknown directive pollfreq (directives are case-sensitive: POLLFREQ)",
        f"{P}:5: unknown directive Monitor (directives are case-sensitive: MONITOR)",
        f"{P}:6: unknown directive LONELY",
        f"{P}:7: POLLFREQ takes 1 argument; 1 extra ignored",
        f"{P}:8: MONITOR takes 5 arguments; 2 extra ignored",
        f"{P}:9: NOTIFYFLAG takes 2 arguments; 1 extra ignored",
        f"{P}:10: CERTHOST takes 4 arguments; 1 extra ignored",
    ]
    assert all(isinstance(w, ConfigWarning) and w.path == P for w in conf.warnings)


def test_UpsmonConfig_non_ASCII_is_dropped_with_a_warning():
    conf = parse('NOTIFYMSG ONLINE "UPS %s est de retour é"\n')
    assert conf.message(NotifyType.ONLINE) == "UPS %s est de retour "
    assert [str(w) for w in conf.warnings] == [f"{P}:1: non-ASCII characters ignored"]


# -- layout: comments, quotes, continuation ---------------------------------------


def test_UpsmonConfig_comments_quotes_and_continuation():
    conf = parse(
        "# a comment line\n"
        "   \n"
        "MONITOR myups@localhost 1 monuser pass primary\t# (or secondary)\n"
        'POWERDOWNFLAG "/run/with space/killpower"  # trailing comment\n'
        "RUN_AS_USER nut\\ mon\n"
        # A backslash ends the word before it: one after a blank would start
        # an empty word, as in NUT.
        "SHUTDOWNCMD /sbin/shutdown\\\n"
        "  -h\\\n"
        "  +0\n"
        'NOTIFYMSG COMMBAD "lost \\\n'
        'contact with %s"\n'
        'MONITOR\\\n  other@host:4000\\\n 0 u "p w" secondary\n'
        "POLLFREQ 3 # poll fast\n"
    )
    assert [m.system for m in conf.monitors] == ["myups@localhost", "other@host:4000"]
    assert conf.monitors[0].primary and not conf.monitors[1].primary
    assert conf.monitors[1].password == "p w" and conf.monitors[1].lineno == 11
    assert conf.powerdownflag == "/run/with space/killpower"
    assert conf.run_as_user == "nut mon"
    assert conf.shutdowncmd == "/sbin/shutdown -h +0"
    assert conf.message(NotifyType.COMMBAD) == "lost contact with %s"
    assert conf.pollfreq == 3
    assert conf.warnings == ()


# -- values are immutable and comparable -------------------------------------------


def test_UpsmonConfig_is_immutable_and_two_parses_compare_equal():
    text = (
        "MONITOR ups 1 u p primary\nNOTIFYMSG ONLINE back\nNOTIFYFLAG ONLINE EXEC\n"
        "CERTHOST h n 1 1\nNOSUCH\n"
    )
    one, two = parse(text), parse(text)
    assert one == two
    assert one != parse(text + "POLLFREQ 6\n")
    assert one != parse(text.replace("back", "Back"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.pollfreq = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.monitors[0].password = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        one.notifymsg[NotifyType.ONBATT] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        one.notifyflag[NotifyType.ONBATT] = NotifyFlag.WALL  # type: ignore[index]


# -- NUT's own files -------------------------------------------------------------


def test_UpsmonConfig_NUT_2_8_0_sample_file():
    conf = load_upsmon_conf(SAMPLES / "upsmon.conf.sample")
    assert conf == UpsmonConfig(
        path=str(SAMPLES / "upsmon.conf.sample"),
        shutdowncmd="/sbin/shutdown -h +0",
        powerdownflag="/etc/killpower",
    )


def test_UpsmonConfig_NUT_HEAD_sample_file():
    conf = upsmonconf.load(SAMPLES / "upsmon.conf.HEAD.sample")
    assert conf == UpsmonConfig(
        path=str(SAMPLES / "upsmon.conf.HEAD.sample"),
        shutdowncmd="/sbin/shutdown -h +0",
        powerdownflag="@POWERDOWNFLAG@",  # a placeholder the build fills in
    )


def test_UpsmonConfig_Debian_installed_file():
    path = Path("/etc/nut/upsmon.conf")
    try:
        conf = load_upsmon_conf(path)
    except ConfigError as exc:
        if exc.line is None:  # missing or unreadable: not this test's business
            pytest.skip(f"cannot read {path}: {exc.message}")
        raise
    assert conf.monitors == () and conf.warnings == ()
    assert conf.shutdowncmd == "/sbin/shutdown -h +0"


# Example lines from the comments of NUT's sample files, with what they mean.
_SAMPLE_EXAMPLES = [
    (
        "MONITOR myups@bigserver 1 upswired blah primary",
        lambda c: c.monitors[0].host == "bigserver" and c.monitors[0].primary,
    ),
    (
        "MONITOR su700@server.example.com 1 monuser secretpass secondary",
        lambda c: c.monitors[0].username == "monuser" and not c.monitors[0].primary,
    ),
    (
        "MONITOR myups@localhost 1 monuser pass primary\t# (or secondary)",
        lambda c: c.monitors[0].password == "pass",
    ),
    ('SHUTDOWNCMD "/sbin/shutdown -h +0"', lambda c: c.shutdowncmd == "/sbin/shutdown -h +0"),
    (
        'SHUTDOWNCMD "/sbin/shutdown" "-h" "+0"',
        lambda c: c.shutdowncmd == "/sbin/shutdown -h +0",
    ),
    ("SHUTDOWNCMD /sbin/shutdown -h +0", lambda c: c.shutdowncmd == "/sbin/shutdown -h +0"),
    (
        'SHUTDOWNCMD "C:\\\\WINDOWS\\\\system32\\\\shutdown.exe -s -t 0"',
        lambda c: c.shutdowncmd == "C:\\WINDOWS\\system32\\shutdown.exe -s -t 0",
    ),
    (
        'SHUTDOWNCMD "\\"C:\\\\Program Files\\\\some command.bat\\" -first_arg -second_arg"',
        lambda c: c.shutdowncmd == '"C:\\Program Files\\some command.bat" -first_arg -second_arg',
    ),
    ("SHUTDOWNEXIT yes", lambda c: c.shutdownexit == 0),
    ("NOTIFYCMD @BINDIR@/notifyme", lambda c: c.notifycmd == ("@BINDIR@/notifyme",)),
    (
        'NOTIFYMSG SHUTDOWN_HOSTSYNC\t"Shutdown initiated; primary system is waiting '
        'for secondaries to log out or time out"',
        lambda c: (
            c.message(NotifyType.SHUTDOWN_HOSTSYNC) == STOCK_MESSAGES[NotifyType.SHUTDOWN_HOSTSYNC]
        ),
    ),
    (
        'NOTIFYMSG ALARM\t"UPS %s: one or more active alarms: [%s]"',
        lambda c: c.message(NotifyType.ALARM) == STOCK_MESSAGES[NotifyType.ALARM],
    ),
    ("NOTIFYFLAG SUSPEND_FINISHED\tSYSLOG+WALL", lambda c: len(c.notifyflag) == 1),
    ("OVERDURATION -1", lambda c: c.overduration == -1),
    ("OBLBDURATION 0", lambda c: c.oblbduration == 0),
    ("POLLFAIL_LOG_THROTTLE_MAX 100", lambda c: c.pollfail_log_throttle_max == 100),
    ("ALARMCRITICAL 1", lambda c: c.alarmcritical),
    ('POWERDOWNFLAG "C:\\\\killpower"', lambda c: c.powerdownflag == "C:\\killpower"),
    ("CERTPATH /etc/ssl/certs/ca-certificates.crt", lambda c: c.certpath is not None),
    ("CERTFILE /usr/local/ups/etc/upsmon.pem", lambda c: c.certfile is not None),
    (
        'CERTIDENT "my nut monitor" "MyPasSw0rD"',
        lambda c: c.certident == ("my nut monitor", "MyPasSw0rD"),
    ),
    (
        'CERTHOST localhost "My nut server" 1 1',
        lambda c: (
            c.certhosts
            == (CertHost(host="localhost", certname="My nut server", verify=True, forcessl=True),)
        ),
    ),
    (
        'CERTHOST "localhost:34930" "My nut server" 1 1',
        lambda c: c.certhosts[0].host == "localhost:34930",
    ),
    ("CERTVERIFY 1", lambda c: c.certverify),
    ("FORCESSL 1", lambda c: c.forcessl),
]


@pytest.mark.parametrize(
    ("line", "check"), _SAMPLE_EXAMPLES, ids=[e[0][:40] for e in _SAMPLE_EXAMPLES]
)
def test_UpsmonConfig_examples_from_NUTs_sample_comments(line, check):
    sample = (SAMPLES / "upsmon.conf.HEAD.sample").read_text()
    assert f"# {line}\n" in sample or f"#{line}\n" in sample  # really NUT's example
    conf = parse(line + "\n")
    assert check(conf)
    assert conf.warnings == ()


def test_UpsmonConfig_every_commented_NOTIFYMSG_and_NOTIFYFLAG_in_NUTs_samples():
    for name in ("upsmon.conf.sample", "upsmon.conf.HEAD.sample"):
        lines = [
            raw[2:]
            for raw in (SAMPLES / name).read_text().splitlines()
            if raw.startswith(("# NOTIFYMSG ", "# NOTIFYFLAG "))
            and "<" not in raw
            and raw.split()[2] != "-"  # the heading, not an example
        ]
        assert len(lines) >= 20
        conf = parse("\n".join(lines) + "\n")
        assert conf.warnings == ()
        assert all(f == DEFAULT_FLAGS for f in conf.notifyflag.values())


# -- loading -------------------------------------------------------------------------


def test_load_upsmon_conf_reads_the_file(tmp_path):
    path = tmp_path / "upsmon.conf"
    path.write_bytes(b"MONITOR ups@localhost 1 u p primary\nPOLLFREQ 2\n")
    conf = load_upsmon_conf(path)
    assert conf.path == str(path) and conf.pollfreq == 2
    assert conf == load_upsmon_conf(str(path))  # a reload of the same file is equal


def test_load_upsmon_conf_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_upsmon_conf(tmp_path / "upsmon.conf")
    assert str(info.value) == f"{tmp_path / 'upsmon.conf'}: No such file or directory"


def test_load_upsmon_conf_error_names_the_file(tmp_path):
    path = tmp_path / "upsmon.conf"
    path.write_text("POLLFREQ 5\nMONITOR ups 1 u p boss\n")
    with pytest.raises(ConfigError) as info:
        load_upsmon_conf(path)
    assert (info.value.path, info.value.line) == (str(path), 2)


# -- anything in, a config or ConfigError out ------------------------------------------

_PIECES = st.sampled_from(
    [
        "MONITOR",
        "NOTIFYMSG",
        "NOTIFYFLAG",
        "NOTIFYCMD",
        "SHUTDOWNCMD",
        "SHUTDOWNEXIT",
        "POLLFREQ",
        "MINSUPPLIES",
        "CERTHOST",
        "CERTIDENT",
        "DEBUG_MIN",
        "OBLBDURATION",
        "ALARMCRITICAL",
        "ONLINE",
        "alarm",
        "SYSLOG+WALL",
        "IGNORE",
        "+",
        "ups@host:3493",
        "ups@[::1]",
        "@",
        ":",
        "[",
        "]",
        "primary",
        "slave",
        "yes",
        "1",
        "-1",
        "0.5",
        "99999999999999999999",
        " ",
        "\t",
        "\n",
        "\\\n",
        "#",
        '"',
        "'",
        "\\",
        "%s",
        "é",
        "\x00",
    ]
)
# Lines shaped like directives, so that many of them parse.
_LINES = st.lists(
    st.lists(
        _PIECES.filter(lambda p: p.strip() and p not in ("\\", "\\\n", "#", '"', "'")),
        min_size=1,
        max_size=7,
    ).map(" ".join),
    max_size=8,
).map(lambda lines: "".join(line + "\n" for line in lines))
_TEXT = st.lists(_PIECES, max_size=60).map("".join) | st.text(max_size=300) | _LINES


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_parse_upsmon_conf_only_raises_ConfigError(text):
    try:
        conf = parse_upsmon_conf(text, "f")
    except ConfigError as exc:
        assert exc.path == "f"
        assert exc.line is None or exc.line >= 1
        assert exc.message
    else:
        assert conf == parse_upsmon_conf(text, "f")
        assert all(w.path == "f" and w.line >= 1 for w in conf.warnings)
        assert conf.pollfreq > 0 and conf.pollfreqalert > 0
        assert min(conf.finaldelay, conf.hostsync, conf.deadtime, conf.minsupplies) >= 0
        assert all(m.powervalue >= 0 and 1 <= m.port <= 65535 for m in conf.monitors)
        assert len({m.system for m in conf.monitors}) == len(conf.monitors)
        for ntype in NotifyType:
            assert isinstance(conf.message(ntype), str)
            flags = conf.flags(ntype)
            assert flags == NotifyFlag.IGNORE or NotifyFlag.IGNORE not in flags
