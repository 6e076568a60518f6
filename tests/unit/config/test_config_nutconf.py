"""nut.conf: MODE and the environment the service scripts pass to NUT."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerdown.config import nutconf
from powerdown.config.errors import ConfigError
from powerdown.config.nutconf import NutConf

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/nut.conf"


def parse(text: str) -> NutConf:
    return nutconf.parse(text, P)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return str(info.value)


def test_NutConf_manual_example():
    conf = parse(
        "   # /etc/nut/nut.conf.  See nut.conf(5)\n"
        "   \n"
        "   MODE=none\n"
        "   \n"
        '   UPSD_OPTIONS=""\n'
        "   \n"
        '   UPSMON_OPTIONS=""\n'
        "   \n"
        "   # POWEROFF_WAIT=15m\n"
    )
    assert conf.mode == "none"
    assert dict(conf.values) == {"MODE": "none", "UPSD_OPTIONS": "", "UPSMON_OPTIONS": ""}
    assert conf.get("POWEROFF_WAIT") is None
    assert conf.warnings == ()


@pytest.mark.parametrize("mode", ["none", "standalone", "netserver", "netclient"])
def test_NutConf_every_mode(mode):
    conf = parse(f"MODE={mode}\n")
    assert conf.mode == mode
    assert conf.runs_upsd is (mode in ("standalone", "netserver"))
    assert conf.runs_upsmon is (mode != "none")


def test_NutConf_missing_MODE_means_none():
    assert parse("UPSD_OPTIONS=-D\n").mode == "none"
    assert parse("").mode == "none"


def test_NutConf_shell_quoting():
    conf = parse(
        "MODE='standalone'\n"
        'UPSD_OPTIONS="-D -D"\n'
        "UPSMON_OPTIONS='-p \"x\"'\n"
        'A="say \\"hi\\" \\$HOME \\n"\n'  # in "...", \ escapes only $ ` " \ newline
        "B=no\\ space\n"
        "C=b#c\n"  # '#' inside a word is not a comment
        "D=x # comment\n"
        'E="multi\nline"\n'
        "F=joined\\\nline\n"
        "G=$HOME\n"  # kept verbatim: no expansion
        "H=\n"
    )
    assert conf.mode == "standalone"
    assert dict(conf.values) == {
        "MODE": "standalone",
        "UPSD_OPTIONS": "-D -D",
        "UPSMON_OPTIONS": '-p "x"',
        "A": 'say "hi" $HOME \\n',
        "B": "no space",
        "C": "b#c",
        "D": "x",
        "E": "multi\nline",
        "F": "joinedline",
        "G": "$HOME",
        "H": "",
    }


def test_NutConf_flags_and_last_assignment_wins():
    conf = parse("ALLOW_NO_DEVICE=true\nPOWEROFF_QUIET=no\nX=maybe\nMODE=none\nMODE=netclient\n")
    assert conf.flag("ALLOW_NO_DEVICE") is True
    assert conf.flag("POWEROFF_QUIET") is False
    assert conf.flag("X") is None and conf.flag("UNSET") is None
    assert conf.mode == "netclient"


def test_NutConf_export_is_kept_with_a_warning():
    conf = parse("export MODE=standalone\n")
    assert conf.mode == "standalone"
    assert [str(w) for w in conf.warnings] == [f"{P}:1: 'export' is not portable; assignment kept"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "MODE=server\n",
            f"{P}:1: MODE must be one of none, standalone, netserver, netclient (not 'server')",
        ),
        (
            "\n\nMODE=\n",
            f"{P}:3: MODE must be one of none, standalone, netserver, netclient (not '')",
        ),
        (
            "MODE=Standalone\n",
            f"{P}:1: MODE must be one of none, standalone, netserver, netclient (not 'Standalone')",
        ),
        ("# x\nMODE = none\n", f"{P}:2: no spaces are allowed around '='"),
        ("MODE= none\n", f"{P}:1: no spaces are allowed around '='"),
        ("MODE\n", f"{P}:1: expected '=' after MODE"),
        ("MODE=none extra\n", f"{P}:1: unexpected text after MODE=value"),
        ("1MODE=none\n", f"{P}:1: expected NAME=value"),
        ("MODE='none\n\n", f"{P}:1: unterminated ' quote"),
        ('X=1\nMODE="none\n', f'{P}:2: unterminated " quote'),
    ],
)
def test_NutConf_broken_files(text, message):
    assert error_of(text) == message


def test_NutConf_NUT_sample_file():
    conf = nutconf.load(SAMPLES / "nut.conf.sample")
    assert conf.mode == "none" and dict(conf.values) == {"MODE": "none"}


def test_NutConf_Debian_installed_file():
    path = Path("/etc/nut/nut.conf")
    if not path.exists():
        pytest.skip("Debian's nut-client is not installed")
    assert nutconf.load(path).mode == "none"


def test_NutConf_load_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        nutconf.load(tmp_path / "nut.conf")
    assert str(info.value) == f"{tmp_path / 'nut.conf'}: No such file or directory"
