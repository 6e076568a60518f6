"""A driver's command line and its ups.conf section, read with NUT's rules.

Facts from NUT 2.8.0 ``drivers/main.c``: ``-a`` reads the section when it
is met (so a later ``-x`` wins and an earlier one loses), ``override.*``
values are immutable and ``default.*`` ones are not, every driver setting
is published as ``driver.parameter.*``/``driver.flag.*`` unless it is
sensitive, and the fatal messages below are NUT's own.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import pytest

from powerdown.config import upsconf
from powerdown.config.errors import ConfigError
from powerdown.config.upsconf import UpsConf, UpsSection
from powerdown.drivers.dstate import Dstate
from powerdown.drivers.options import (
    DriverOptions,
    DriverVar,
    OptionsError,
    help_text,
    list_vars,
    parse_options,
)

PROG = "dummy-ups"

TABLE = (
    DriverVar(name="mode", desc="Running mode"),
    DriverVar(name="username", desc="upsd user"),
    DriverVar(name="password", desc="upsd password", sensitive=True),
    DriverVar(name="strict_off", desc="Do not stop on errors", value=False),
)

CONF = """\
pollinterval = 5
synchronous = yes

[ups1]
    driver = dummy-ups
    port = ups1.dev
    desc = "The first one"
    mode = dummy-once
    username = monuser
    password = "s3cr3t pass"
    override.ups.mfr = Acme
    default.battery.charge.low = 20
    strict_off
    nolock

[fast]
    driver = dummy-ups
    port = fast.seq
    pollinterval = 1
    synchronous = no
    ignorelb

[other]
    driver = usbhid-ups
    port = auto

[flagged]
    driver = dummy-ups
    port = x.dev
    bogusflag

[badvar]
    driver = dummy-ups
    port = x.dev
    bogus = 1
"""


def loader(text: str = CONF) -> Callable[[], UpsConf]:
    return lambda: upsconf.parse(text, "/etc/nut/ups.conf")


def parse(*args: str, conf: str = CONF, table: tuple[DriverVar, ...] = TABLE) -> DriverOptions:
    return parse_options([PROG, *args], PROG, table, loader(conf))


def error(*args: str, conf: str = CONF) -> str:
    with pytest.raises(OptionsError) as info:
        parse(*args, conf=conf)
    return str(info.value)


def tree_of(opts: DriverOptions) -> Dstate:
    """The tree as the framework seeds it from the options (``main.py`` does the same)."""
    d = Dstate()
    for name, (value, immutable) in opts.initial.items():
        d.setinfo(name, value, immutable=immutable)
    return d


def published(opts: DriverOptions) -> dict[str, str]:
    return {v.name: v.value for v in tree_of(opts).tree.vars()}


# -- -a reads the section ------------------------------------------------------------


def test_options_a_reads_the_whole_section() -> None:
    o = parse("-a", "ups1")
    assert o.upsname == "ups1"
    assert o.from_upsconf
    assert o.port == "ups1.dev"
    assert o.desc == "The first one"
    assert o.values == {
        "mode": "dummy-once",
        "username": "monuser",
        "password": "s3cr3t pass",
        "strict_off": None,
    }
    assert o.nolock and not o.ignorelb
    assert o.pollinterval == 5  # the global one
    assert o.synchronous == "yes"
    assert published(o) == {
        "battery.charge.low": "20",
        "driver.flag.nolock": "enabled",
        "driver.flag.strict_off": "enabled",
        "driver.parameter.mode": "dummy-once",
        "driver.parameter.port": "ups1.dev",
        "driver.parameter.username": "monuser",
        "ups.mfr": "Acme",
    }


@pytest.mark.parametrize(
    ("args", "mode", "port"),
    [
        (["-a", "ups1"], "dummy-once", "ups1.dev"),
        (["-a", "ups1", "-x", "mode=dummy-loop"], "dummy-loop", "ups1.dev"),
        (["-x", "mode=dummy-loop", "-a", "ups1"], "dummy-once", "ups1.dev"),
        (["-a", "ups1", "-x", "port=other.dev"], "dummy-once", "other.dev"),
        (["-x", "port=other.dev", "-a", "ups1"], "dummy-once", "ups1.dev"),
        (["-x", "MODE=x", "-a", "ups1", "-x", "Mode=y"], "y", "ups1.dev"),
        (["-s", "ups1", "-x", "port=p", "-x", "mode=repeater"], "repeater", "p"),
    ],
)
def test_options_x_after_a_wins_x_before_a_loses(args: list[str], mode: str, port: str) -> None:
    o = parse(*args)
    assert o.getval("mode") == mode
    assert o.port == port
    assert published(o)["driver.parameter.port"] == port


def test_options_getval_and_testvar_ignore_case() -> None:
    o = parse("-a", "ups1")
    assert o.getval("MODE") == "dummy-once"
    assert o.testvar("Strict_Off") and o.getval("strict_off") is None
    assert not o.testvar("nosuch") and o.getval("nosuch") is None


# -- override. and default. ---------------------------------------------------------------


def test_options_override_is_immutable_and_default_is_not() -> None:
    o = parse("-a", "ups1")
    assert o.initial["ups.mfr"] == ("Acme", True)
    assert o.initial["battery.charge.low"] == ("20", False)
    d = tree_of(o)
    d.setinfo("ups.mfr", "American Power Conversion")  # the device's own reading
    d.setinfo("battery.charge.low", "10")
    assert d.getinfo("ups.mfr") == "Acme"
    assert d.getinfo("battery.charge.low") == "10"


@pytest.mark.parametrize(
    ("args", "value", "immutable"),
    [
        (["-a", "ups1", "-x", "override.ups.mfr=Zed"], "Zed", True),
        (["-x", "override.ups.mfr=Zed", "-a", "ups1"], "Acme", True),
        (["-a", "ups1", "-x", "OVERRIDE.ups.mfr=Zed"], "Zed", True),
        (["-s", "u", "-x", "port=p", "-x", "default.ups.mfr=Dflt"], "Dflt", False),
        (["-s", "u", "-x", "port=p", "-x", "override.ups.mfr"], "", True),
    ],
)
def test_options_override_and_default_from_the_command_line(
    args: list[str], value: str, immutable: bool
) -> None:
    d = tree_of(parse(*args))
    assert d.getinfo("ups.mfr") == value
    d.setinfo("ups.mfr", "device")
    assert d.getinfo("ups.mfr") == (value if immutable else "device")


def test_options_a_default_after_an_override_does_not_undo_it() -> None:
    """NUT: the override made the variable immutable, so a later default.* is ignored."""
    d = tree_of(parse("-a", "ups1", "-x", "default.ups.mfr=Other"))
    assert d.getinfo("ups.mfr") == "Acme"
    d.setinfo("ups.mfr", "device")
    assert d.getinfo("ups.mfr") == "Acme"


# -- what is not allowed -----------------------------------------------------------------

NOT_A_VARIABLE = (
    "Fatal error: '{}' is not a valid {} for this driver.\n\n"
    "Look in the man page or call this driver with -h for a list of\n"
    "valid variable names and flags."
)


@pytest.mark.parametrize(
    ("args", "name", "kind"),
    [
        (["-s", "u", "-x", "port=p", "-x", "foo=bar"], "foo", "variable name"),
        (["-s", "u", "-x", "port=p", "-x", "foo"], "foo", "flag"),
        (["-a", "ups1", "-x", "Foo.Bar="], "Foo.Bar", "variable name"),
        (["-a", "badvar"], "bogus", "variable name"),
        (["-a", "flagged"], "bogusflag", "flag"),
    ],
)
def test_options_unknown_variable_is_fatal_with_NUTs_message(
    args: list[str], name: str, kind: str
) -> None:
    assert error(*args) == NOT_A_VARIABLE.format(name, kind)


def test_options_section_for_another_driver() -> None:
    assert error("-a", "other") == "Error: UPS [other] is for driver usbhid-ups, but I'm dummy-ups!"


def test_options_section_not_found() -> None:
    assert error("-a", "nope") == "Error: Section nope not found in ups.conf"


def test_options_broken_ups_conf_is_a_ConfigError() -> None:
    with pytest.raises(ConfigError):
        parse("-a", "ups1", conf="[ups1]\n driver = dummy-ups\n")  # no port


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: specifying '-a id' or '-s id' is now mandatory. Try -h for help."),
        (
            ["-x", "port=p"],
            "Error: specifying '-a id' or '-s id' is now mandatory. Try -h for help.",
        ),
        (
            ["-s", "u"],
            "Error: you must specify a port name in ups.conf or in '-x port=...' argument.\n"
            "Try -h for help.",
        ),
        (["-a", "ups1", "extra"], "Error: too many non-option arguments. Try -h for help."),
        (
            ["-s", "u", "-x", "port=p", "--", "-F"],
            "Error: too many non-option arguments. Try -h for help.",
        ),
        (["-a", "ups1", "-c", "bogus"], "Error: unknown command for -c: bogus. Try -h for help."),
        (["-a", "ups1", "-c", "exit", "-P", "12ab"], "Error: invalid PID: 12ab"),
    ],
)
def test_options_refused_command_lines(args: list[str], message: str) -> None:
    assert error(*args) == message


def test_options_unknown_option_names_it_as_glibc_does() -> None:
    message = error("-a", "ups1", "-Z")
    assert message.splitlines() == [
        "dummy-ups: invalid option -- 'Z'",
        "Error: unknown option. Try -h for help.",
    ]


def test_options_x_needs_its_argument() -> None:
    assert "option requires an argument -- 'x'" in error("-a", "ups1", "-x")


# -- sensitive values and flags ----------------------------------------------------------------


def test_options_sensitive_value_is_kept_but_never_published() -> None:
    o = parse("-a", "ups1", "-x", "password=hunter2")
    assert o.getval("password") == "hunter2"
    assert not any("password" in name for name in o.initial)
    assert not any("hunter2" in value for value, _ in o.initial.values())
    o = parse("-a", "ups1")
    assert o.getval("password") == "s3cr3t pass"
    assert not any("s3cr3t" in value for value, _ in o.initial.values())


@pytest.mark.parametrize("args", [["-a", "ups1"], ["-s", "u", "-x", "port=p", "-x", "strict_off"]])
def test_options_driver_flag_is_published_as_enabled(args: list[str]) -> None:
    o = parse(*args)
    assert o.testvar("strict_off")
    assert published(o)["driver.flag.strict_off"] == "enabled"


@pytest.mark.parametrize(
    ("args", "nolock", "ignorelb"),
    [
        (["-a", "ups1"], True, False),
        (["-a", "fast"], False, True),
        (["-s", "u", "-x", "port=p", "-x", "nolock"], True, False),
        (["-s", "u", "-x", "port=p", "-x", "ignorelb"], False, True),
        (["-s", "u", "-x", "port=p", "-x", "ignorelb", "-x", "nolock"], True, True),
        (["-s", "u", "-x", "port=p"], False, False),
    ],
)
def test_options_nolock_and_ignorelb_belong_to_the_framework(
    args: list[str], nolock: bool, ignorelb: bool
) -> None:
    o = parse(*args)
    assert (o.nolock, o.ignorelb) == (nolock, ignorelb)
    flags = published(o)
    assert ("driver.flag.nolock" in flags) is nolock
    assert ("driver.flag.ignorelb" in flags) is ignorelb
    assert not o.testvar("nolock") and not o.testvar("ignorelb")  # not the driver's


# -- pollinterval and synchronous ------------------------------------------------------------------

NO_GLOBALS = "[ups1]\n driver = dummy-ups\n port = p\n"


@pytest.mark.parametrize(
    ("args", "conf", "interval"),
    [
        (["-s", "u", "-x", "port=p"], CONF, 2),  # NUT's default
        (["-a", "ups1"], NO_GLOBALS, 2),
        (["-a", "ups1"], CONF, 5),  # global
        (["-a", "fast"], CONF, 1),  # the section's own beats the global
        (["-a", "ups1", "-i", "9"], CONF, 9),  # -i after -a wins
        (["-i", "9", "-a", "ups1"], CONF, 5),  # -i before -a loses to the global
        (["-i", "9", "-a", "ups1"], NO_GLOBALS, 9),
        (["-a", "fast", "-i", "30"], CONF, 30),
    ],
)
def test_options_pollinterval_sources(args: list[str], conf: str, interval: int) -> None:
    assert parse(*args, conf=conf).pollinterval == interval


@pytest.mark.parametrize("value", ["0", "-3"])
def test_options_invalid_pollinterval_on_the_command_line(value: str) -> None:
    assert error("-a", "ups1", "-i", value) == f"Error: command-line: invalid pollinterval: {value}"


@pytest.mark.parametrize("value", ["abc", "5s", ""])
def test_options_pollinterval_must_be_a_whole_number(value: str) -> None:
    """Where NUT's atoi() would read "5s" as 5 and "abc" as 0, we refuse the word."""
    assert error("-a", "ups1", "-i", value).startswith("Error: command-line: invalid pollinterval:")


def test_options_invalid_pollinterval_in_ups_conf_is_refused_when_read() -> None:
    with pytest.raises(ConfigError, match="pollinterval"):
        parse("-a", "ups1", conf="pollinterval = 0\n" + NO_GLOBALS)
    with pytest.raises(ConfigError, match="pollinterval"):
        parse("-a", "ups1", conf=NO_GLOBALS + " pollinterval = -1\n")


def _conf(globals_: dict[str, str], section: dict[str, str]) -> Callable[[], UpsConf]:
    values = {"driver": PROG, "port": "p", **section}
    ups = UpsSection(name="ups1", driver=PROG, port="p", values=MappingProxyType(values))
    return lambda: UpsConf(
        globals=MappingProxyType(globals_), upses=MappingProxyType({"ups1": ups})
    )


def test_options_invalid_pollinterval_that_reaches_the_driver_uses_NUTs_messages() -> None:
    """An UpsConf built by other means than parse() still gets NUT's checks."""
    with pytest.raises(OptionsError, match=r"^Error: invalid pollinterval: 0$"):
        parse_options([PROG, "-a", "ups1"], PROG, TABLE, _conf({"pollinterval": "0"}, {}))
    with pytest.raises(OptionsError, match=r"^Error: UPS \[ups1\]: invalid pollinterval: -2$"):
        parse_options([PROG, "-a", "ups1"], PROG, TABLE, _conf({}, {"pollinterval": "-2"}))


@pytest.mark.parametrize(
    ("args", "conf", "synchronous"),
    [
        (["-s", "u", "-x", "port=p"], CONF, "auto"),
        (["-a", "ups1"], CONF, "yes"),  # global
        (["-a", "fast"], CONF, "no"),  # section
        (["-a", "fast", "-x", "synchronous=auto"], CONF, "auto"),
        (["-s", "u", "-x", "port=p", "-x", "synchronous=maybe"], CONF, "no"),
        (["-s", "u", "-x", "port=p", "-x", "synchronous=YES"], CONF, "no"),  # strcmp
    ],
)
def test_options_synchronous(args: list[str], conf: str, synchronous: str) -> None:
    assert parse(*args, conf=conf).synchronous == synchronous


# -- -c and -P ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["reload", "reload-or-error", "reload-or-exit", "exit", "dump"])
def test_options_c_sends_a_command_and_needs_no_port(command: str) -> None:
    o = parse("-s", "u", "-c", command)
    assert o.command == command and o.port is None and o.pid is None


def test_options_P_names_the_process() -> None:
    o = parse("-a", "ups1", "-c", "reload", "-P", "4242")
    assert (o.command, o.pid) == ("reload", 4242)


# -- -h, -V, -L need nothing else --------------------------------------------------------------


@pytest.mark.parametrize(("flag", "attr"), [("-h", "help"), ("-V", "version"), ("-L", "list_vars")])
def test_options_help_version_list_need_no_ups(flag: str, attr: str) -> None:
    o = parse(flag)
    assert getattr(o, attr) is True


def test_help_text_lists_the_drivers_variables() -> None:
    text = help_text(PROG, TABLE)
    assert "usage: dummy-ups (-a <id>|-s <id>) [OPTIONS]" in text
    assert "Acceptable values for -x or ups.conf in this driver:" in text
    assert f"{'Running mode':>40} : -x mode=<value>" in text.splitlines()
    assert f"{'Do not stop on errors':>40} : -x strict_off" in text.splitlines()


def test_list_vars_is_parseable() -> None:
    assert list_vars(TABLE) == (
        'VALUE mode "Running mode"\n'
        'VALUE username "upsd user"\n'
        'VALUE password "upsd password"\n'
        'FLAG strict_off "Do not stop on errors"\n'
    )
    assert list_vars(()) == ""


# -- foreground, background, pid file ------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "foreground", "pidfile"),
    [
        ([], False, True),
        (["-F"], True, False),
        (["-FF"], True, True),
        (["-F", "-F"], True, True),
        (["-B"], False, True),
        (["-D"], True, False),
        (["-DD"], True, False),
        (["-D", "-B"], False, True),
        (["-B", "-D"], False, True),
        (["-D", "-F"], True, False),
        (["-F", "-B"], False, True),
        (["-B", "-F"], True, False),
        (["-d", "1"], True, False),
        (["-d", "3", "-B"], False, False),
        (["-d", "1", "-FF"], True, False),
        (["-q"], False, True),
    ],
)
def test_options_foreground_and_pid_file(flags: list[str], foreground: bool, pidfile: bool) -> None:
    o = parse("-a", "ups1", *flags)
    assert o.foreground_mode is foreground
    assert o.write_pidfile is pidfile


def test_options_debug_and_dump_counts() -> None:
    o = parse("-a", "ups1", "-DDD", "-d", "4", "-q", "-q")
    assert (o.debug, o.dump_count, o.quiet) == (3, 4, 2)


@pytest.mark.parametrize(
    ("conf", "debug"),
    [
        ("debug_min = 2\n" + NO_GLOBALS, 2),
        (NO_GLOBALS + " debug_min = 3\n", 3),
        ("debug_min = 1\n" + NO_GLOBALS + " debug_min = 4\n", 4),
    ],
)
def test_options_debug_min_raises_debug_but_keeps_the_background(conf: str, debug: int) -> None:
    """main.c: "Note that non-zero debug_min does not impact foreground running mode"."""
    o = parse("-a", "ups1", conf=conf)
    assert o.debug == debug
    assert o.foreground_mode is False
    assert o.write_pidfile is True


def test_options_debug_min_never_lowers_the_command_line() -> None:
    assert parse("-DDDDD", "-a", "ups1", conf=NO_GLOBALS + " debug_min = 2\n").debug == 5


# -- users, groups, chroot ---------------------------------------------------------------------

USERS = "user = gluser\ngroup = glgroup\n[ups1]\n driver = dummy-ups\n port = p\n user = secuser\n"


@pytest.mark.parametrize(
    ("args", "user"),
    [
        (["-a", "ups1"], "secuser"),
        (["-u", "cmduser", "-a", "ups1"], "cmduser"),
        (["-a", "ups1", "-u", "cmduser"], "cmduser"),
    ],
)
def test_options_user_from_the_command_line_wins(args: list[str], user: str) -> None:
    o = parse(*args, conf=USERS)
    assert o.user == user
    assert o.group == "glgroup"


def test_options_chroot_and_group_flags() -> None:
    o = parse("-a", "ups1", "-r", "/var/empty", "-g", "nut", "-k")
    assert (o.chroot, o.group, o.killpower) == ("/var/empty", "nut", True)
