"""upssched.conf: the script, socket, lock file and AT rules upssched acts on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from powerdown.config import upsschedconf
from powerdown.config.errors import ConfigError
from powerdown.config.upsschedconf import (
    AtRule,
    CancelTimer,
    Execute,
    StartTimer,
    UpsschedConfig,
    load_upssched_conf,
    parse_upssched_conf,
)
from powerdown.monitor.notify import NotifyType

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/upssched.conf"
HEADER = "CMDSCRIPT /usr/bin/cmd\nPIPEFN /run/p\nLOCKFN /run/l\n"


def parse(text: str) -> UpsschedConfig:
    return parse_upssched_conf(text, P)


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.path == P
    return info.value


def test_UpsschedConfig_every_directive():
    conf = parse(
        "DEBUG_MIN 6\n"
        'CMDSCRIPT /usr/bin/upssched-cmd "--from upssched" -v\n'
        "PIPEFN /run/nut/upssched/upssched.pipe\n"
        "LOCKFN /run/nut/upssched/upssched.lock\n"
        "AT ONBATT * START-TIMER onbattwarn 30\n"
        "AT COMMBAD ups1@host START-TIMER-SHARED upsgone 10\n"
        "AT ONLINE * CANCEL-TIMER onbattwarn\n"
        "AT COMMOK * CANCEL-TIMER upsgone was-gone\n"
        "AT online * CANCEL-TIMER-MATCHED onbattwarn back\n"
        'AT LOWBATT * EXECUTE "low battery"\n'
    )
    assert conf.cmdscript == ("/usr/bin/upssched-cmd", "--from upssched", "-v")
    assert conf.pipefn == "/run/nut/upssched/upssched.pipe"
    assert conf.lockfn == "/run/nut/upssched/upssched.lock"
    assert conf.debug_min == 6
    assert conf.warnings == () and conf.early_at is None
    assert conf.rules == (
        AtRule(
            notifytype=NotifyType.ONBATT,
            upsname="*",
            action=StartTimer(name="onbattwarn", interval=30),
            line=5,
        ),
        AtRule(
            notifytype=NotifyType.COMMBAD,
            upsname="ups1@host",
            action=StartTimer(name="upsgone", interval=10, shared=True),
            line=6,
        ),
        AtRule(
            notifytype=NotifyType.ONLINE,
            upsname="*",
            action=CancelTimer(name="onbattwarn"),
            line=7,
        ),
        AtRule(
            notifytype=NotifyType.COMMOK,
            upsname="*",
            action=CancelTimer(name="upsgone", cmd="was-gone"),
            line=8,
        ),
        # NUT compares notify types without case.
        AtRule(
            notifytype=NotifyType.ONLINE,
            upsname="*",
            action=CancelTimer(name="onbattwarn", cmd="back", matched=True),
            line=9,
        ),
        AtRule(
            notifytype=NotifyType.LOWBATT,
            upsname="*",
            action=Execute(command="low battery"),
            line=10,
        ),
    )
    conf.check_ready()  # every setting came before the first AT


def test_UpsschedConfig_defaults_and_empty_file():
    conf = parse("# nothing here\n\n")
    assert conf == UpsschedConfig(path=P)
    assert conf.cmdscript == () and conf.pipefn is None and conf.lockfn is None
    assert conf.debug_min is None and conf.rules == ()
    conf.check_ready()  # no AT lines: nothing to complain about


def test_UpsschedConfig_the_stock_samples_parse():
    """NUT's own sample files (2.8.0 and HEAD) parse without a word of complaint."""
    for name in ("upssched.conf.sample", "upssched.conf.HEAD.sample"):
        conf = load_upssched_conf(SAMPLES / name)
        assert conf.cmdscript == ("@BINDIR@/upssched-cmd",)
        assert conf.pipefn is None and conf.lockfn is None and conf.rules == ()
        assert conf.warnings == ()


def test_UpsschedConfig_every_example_of_the_HEAD_sample():
    """Uncomment every example line of NUT HEAD's sample: each is a valid rule."""
    text = (SAMPLES / "upssched.conf.HEAD.sample").read_text()
    examples = [
        m.group(1) for m in re.finditer(r"^#\s+((?:AT|DEBUG_MIN|PIPEFN|LOCKFN) \S.*)$", text, re.M)
    ]
    examples = [e for e in examples if "<" not in e and "..." not in e]
    conf = parse(HEADER + "\n".join(examples) + "\n")
    assert conf.warnings == ()
    assert conf.debug_min == 6
    actions = [rule.action for rule in conf.rules]
    assert StartTimer(name="upsgone", interval=10) in actions
    assert StartTimer(name="onbattwarn", interval=30) in actions
    assert CancelTimer(name="upsgone") in actions
    assert CancelTimer(name="onbattwarn", matched=True) in actions
    assert Execute(command="ups-back-on-line") in actions
    assert {(r.notifytype, r.upsname) for r in conf.rules} >= {
        (NotifyType.COMMOK, "myups@localhost"),
        (NotifyType.ONLINE, "*"),
    }


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("CMDSCRIPT\n", 1, "CMDSCRIPT: expected a value"),
        ("\nPIPEFN\n", 2, "PIPEFN: expected a value"),
        ("LOCKFN\n", 1, "LOCKFN: expected a value"),
        ("DEBUG_MIN\n", 1, "DEBUG_MIN: expected a value"),
        ("DEBUG_MIN lots\n", 1, "DEBUG_MIN: expected a number, not 'lots'"),
        ("DEBUG_MIN -1\n", 1, "DEBUG_MIN: expected a number, not '-1'"),
        (
            HEADER + "AT ONBATT * START-TIMER\n",
            4,
            "AT: expected AT <notifytype> <upsname> <command> <argument>",
        ),
        (
            HEADER + "AT ONBATT * START-TIMER t\n",
            4,
            "AT: expected START-TIMER <timername> <interval>",
        ),
        (
            HEADER + "AT ONBATT * START-TIMER-SHARED t\n",
            4,
            "AT: expected START-TIMER-SHARED <timername> <interval>",
        ),
        (
            HEADER + "AT ONBATT * START-TIMER t 10s\n",
            4,
            "AT START-TIMER: interval must be a number of seconds, not '10s'",
        ),
        (
            HEADER + "AT ONBATT * START-TIMER t -5\n",
            4,
            "AT START-TIMER: interval must be a number of seconds, not '-5'",
        ),
        (HEADER + 'AT ONBATT * EXECUTE ""\n', 4, "AT EXECUTE: empty command argument"),
        (
            HEADER + "AT ONBATT * START-TIMERS t 5\n",
            4,
            "AT: invalid command 'START-TIMERS'; expected START-TIMER, START-TIMER-SHARED, "
            "CANCEL-TIMER, CANCEL-TIMER-MATCHED or EXECUTE",
        ),
        (
            HEADER + "\n\nAT ONBAT * EXECUTE x\n",
            6,
            "AT: unknown notify type 'ONBAT'; expected one of ONLINE, ONBATT, LOWBATT",
        ),
        ('CMDSCRIPT "/bin/x # y\n', 1, "Unbalanced word due to unescaped # in quotes"),
    ],
)
def test_UpsschedConfig_errors_name_the_line(text, line, expected):
    err = error_of(text)
    assert err.line == line
    assert err.message.startswith(expected)
    assert str(err).startswith(f"{P}:{line}: ")


def test_UpsschedConfig_AT_before_its_settings_is_NUTs_fatal_error_when_acting():
    """NUT dies at the first AT line read while CMDSCRIPT, PIPEFN or LOCKFN is unset."""
    cases = [
        ("AT ONBATT * EXECUTE x\nCMDSCRIPT /x\n", "CMDSCRIPT", 1),
        ("CMDSCRIPT /x\nLOCKFN /l\n\nAT ONBATT * EXECUTE x\nPIPEFN /p\n", "PIPEFN", 4),
        ("CMDSCRIPT /x\nPIPEFN /p\nAT ONBATT * EXECUTE x\nAT ONLINE * EXECUTE y\n", "LOCKFN", 3),
    ]
    for text, directive, line in cases:
        conf = parse(text)  # parsing alone is fine: "upssched -l" needs only PIPEFN
        assert conf.early_at == (directive, line)
        with pytest.raises(ConfigError) as info:
            conf.check_ready()
        assert info.value.line == line
        assert info.value.message == f"{directive} must be set before any ATs in the config file!"


def test_UpsschedConfig_warnings():
    conf = parse(
        'CMDSCRIPT "/usr/bin/logger -t ups"\n'
        "PIPEFN /p extra\n"
        "LOCKFN /l\n"
        "FOO bar baz\n"
        "AT ONBATT * EXECUTE foo bar\n"
        "AT ONBATT * START-TIMER t 5 more\n"
        "CMDSCRIPT /usr/bin/other\n"
    )
    assert [str(w) for w in conf.warnings] == [
        f"{P}:1: CMDSCRIPT: command '/usr/bin/logger -t ups' contains spaces, "
        "be sure to pass any arguments as separately quoted tokens!",
        f"{P}:2: PIPEFN: extra words ignored: extra",
        f"{P}:4: invalid directive FOO bar baz",
        f"{P}:5: AT EXECUTE: extra words ignored: bar",
        f"{P}:6: AT START-TIMER: extra words ignored: more",
        f"{P}:7: CMDSCRIPT set again after AT lines; the last one applies to all",
    ]
    # The last CMDSCRIPT wins; the extra words change nothing else.
    assert conf.cmdscript == ("/usr/bin/other",)
    assert conf.pipefn == "/p"
    assert [r.action for r in conf.rules] == [
        Execute(command="foo"),
        StartTimer(name="t", interval=5),
    ]


def test_UpsschedConfig_directives_are_case_sensitive_as_in_NUT():
    conf = parse("cmdscript /x\n")
    assert conf.cmdscript == ()
    assert [w.message for w in conf.warnings] == ["invalid directive cmdscript /x"]


def test_UpsschedConfig_empty_cancel_command_means_none():
    conf = parse(HEADER + 'AT ONLINE * CANCEL-TIMER t ""\n')
    assert conf.rules[0].action == CancelTimer(name="t", cmd=None)


def test_UpsschedConfig_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_upssched_conf(tmp_path / "upssched.conf")
    assert info.value.line is None
    assert info.value.message == "No such file or directory"


def test_UpsschedConfig_module_has_the_usual_names():
    assert upsschedconf.parse is parse_upssched_conf
    assert upsschedconf.load is load_upssched_conf


def test_AtRule_matches_like_NUT():
    rule = AtRule(notifytype=NotifyType.ONBATT, upsname="ups1@host", action=Execute(command="x"))
    assert rule.matches("ONBATT", "ups1@host")
    assert rule.matches("onbatt", "ups1@host")  # strcasecmp on the type
    assert not rule.matches("ONBATT", "UPS1@host")  # strcmp on the UPS
    assert not rule.matches("ONLINE", "ups1@host")
    anyone = AtRule(notifytype=NotifyType.ONBATT, upsname="*", action=Execute(command="x"))
    assert anyone.matches("ONBATT", "whatever") and anyone.matches("ONBATT", "")
