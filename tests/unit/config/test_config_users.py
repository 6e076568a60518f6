"""upsd.users: who may log in, set, run commands and force a shutdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerdown.config import users
from powerdown.config.errors import ConfigError
from powerdown.config.users import User, UsersConf

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/upsd.users"

# The example of upsd.users(5), verbatim.
MANUAL_EXAMPLE = """\
	[admin]
		password = mypass
		actions = set
		actions = fsd
		instcmds = all

	[pfy]
		password = duh
		instcmds = test.panel.start
		instcmds = test.panel.stop

	[upswired]
		password = blah
		upsmon primary

	[observer]
		password = abcd
		upsmon secondary
"""


def parse(text: str) -> UsersConf:
    return users.parse(text, P)


def messages(conf: UsersConf) -> list[str]:
    return [str(w) for w in conf.warnings]


def test_UsersConf_manual_example():
    conf = parse(MANUAL_EXAMPLE)
    assert list(conf.users) == ["admin", "pfy", "upswired", "observer"]
    admin, pfy, wired, observer = conf.users.values()
    assert admin == User(
        name="admin",
        password="mypass",
        actions=frozenset({"SET", "FSD"}),
        instcmds=frozenset({"all"}),
        upsmon=None,
        lineno=1,
    )
    assert pfy.instcmds == {"test.panel.start", "test.panel.stop"}
    assert (wired.upsmon, observer.upsmon) == ("primary", "secondary")
    assert wired.actions == frozenset() and wired.granted_actions == {"LOGIN", "MASTER", "FSD"}
    assert observer.granted_actions == {"LOGIN"}
    assert conf.warnings == ()


def test_User_rights_as_upsd_checks_them():
    conf = parse(MANUAL_EXAMPLE)
    admin, pfy, wired, observer = conf.users.values()

    # admin: SET and FSD by hand, every command, but no upsmon login.
    assert admin.can_set() and admin.can_fsd() and admin.can_instcmd("load.off")
    assert not admin.can_login() and not admin.can_primary()

    # pfy: two commands, any case; nothing else.
    assert pfy.can_instcmd("test.panel.start") and pfy.can_instcmd("TEST.PANEL.STOP")
    assert not pfy.can_instcmd("load.off")
    assert not (pfy.can_set() or pfy.can_fsd() or pfy.can_login() or pfy.can_primary())

    # upsmon primary: LOGIN, PRIMARY/MASTER and FSD; not SET, no commands.
    assert wired.can_login() and wired.can_primary() and wired.can_fsd()
    assert not wired.can_set() and not wired.can_instcmd("test.battery.start")

    # upsmon secondary: LOGIN only.
    assert observer.can_login()
    assert not (observer.can_primary() or observer.can_fsd() or observer.can_set())


def test_UsersConf_check_action_and_instcmd_need_the_right_password():
    conf = parse(MANUAL_EXAMPLE)
    assert conf.check_action("admin", "mypass", "SET")
    assert conf.check_action("admin", "mypass", "set")
    assert not conf.check_action("admin", "wrong", "SET")
    assert not conf.check_action("admin", None, "SET")
    assert not conf.check_action("Admin", "mypass", "SET")  # user names match with case
    assert not conf.check_action(None, "mypass", "SET")
    assert not conf.check_action("nobody", "x", "SET")
    assert conf.check_action("upswired", "blah", "MASTER")
    assert conf.check_action("upswired", "blah", "LOGIN")
    assert not conf.check_action("observer", "abcd", "FSD")
    assert conf.check_instcmd("pfy", "duh", "test.panel.start")
    assert not conf.check_instcmd("pfy", "DUH", "test.panel.start")  # passwords too
    assert not conf.check_instcmd("pfy", "duh", "load.off")


def test_User_without_password_can_do_nothing():
    conf = parse("[ghost]\nactions = SET\ninstcmds = all\n")
    ghost = conf.users["ghost"]
    assert ghost.password is None
    assert not ghost.check_password("")
    assert not conf.check_action("ghost", "", "SET")
    assert not conf.check_instcmd("ghost", "", "load.off")
    assert messages(conf) == [f"{P}:1: user ghost has no password and can do nothing"]


def test_User_password_is_not_in_repr():
    conf = parse("[u]\npassword = s3cret\n")
    assert "s3cret" not in repr(conf)
    assert conf.users["u"].check_password("s3cret")


@pytest.mark.parametrize(
    "line",
    [
        "upsmon master",
        "upsmon primary",
        "upsmon = master",
        "upsmon=primary",
        "UPSMON Primary",
        '"upsmon=primary"',  # one word holding '=': NUT's compressed form
    ],
)
def test_User_upsmon_primary_spellings(line):
    assert parse(f"[m]\npassword = p\n{line}\n").users["m"].upsmon == "primary"


@pytest.mark.parametrize("line", ["upsmon slave", "upsmon secondary", "upsmon = slave"])
def test_User_upsmon_secondary_spellings(line):
    assert parse(f"[s]\npassword = p\n{line}\n").users["s"].upsmon == "secondary"


def test_User_actions_listed_by_hand_count_like_upsmon_ones():
    user = parse("[u]\npassword = p\nactions = login master\n").users["u"]
    assert user.upsmon is None
    assert user.can_login() and user.can_primary() and not user.can_fsd()
    assert parse("[u]\npassword=p\nactions=PRIMARY\n").users["u"].can_primary()


def test_User_settings_accumulate_and_take_several_values():
    conf = parse(
        "[u]\n"
        "PASSWORD = p\n"  # setting names match without case
        "actions = set\n"
        "Actions = FSD extra\n"
        "instcmds = Load.Off load.on\n"
        "instcmds = beeper.toggle\n"
        "upsmon secondary\n"
        "upsmon primary\n"  # rights only add up: primary wins
    )
    u = conf.users["u"]
    assert u.actions == {"SET", "FSD", "EXTRA"}
    assert u.instcmds == {"load.off", "load.on", "beeper.toggle"}
    assert u.upsmon == "primary"
    assert conf.warnings == ()


def test_UsersConf_quotes_escapes_comments_and_continuation():
    conf = parse(
        "# comment\n"
        "[u] # trailing\n"
        '  password = "pass word \\"quoted\\""\n'
        "  instcmds = \\\nload.off\n"
        "[v]\n"
        "  password = hash\\#tag # comment\n"
    )
    assert conf.users["u"].check_password('pass word "quoted"')
    assert conf.users["u"].instcmds == {"load.off"}
    assert conf.users["v"].check_password("hash#tag")


def test_UsersConf_what_NUT_only_logs():
    conf = parse(
        "password = early\n"
        "upsmon primary\n"
        "[u]\n"
        "password = first\n"
        "password = second\n"
        "allowfrom = localhost\n"
        "colour = blue\n"
        "upsmon boss\n"
        "secret_on_its_own\n"
        "user u\n"
        "[u]\n"
        "instcmds = all\n"
    )
    assert list(conf.users) == ["u"]
    u = conf.users["u"]
    assert u.check_password("first")
    # The repeated [u] section is ignored as a whole: NUT would have given
    # its "instcmds = all" to whichever user came before it.
    assert u.instcmds == frozenset() and u.upsmon is None
    assert messages(conf) == [
        f"{P}:1: Ignoring password definition outside user section",
        f"{P}:2: Ignoring upsmon definition outside user section",
        f"{P}:5: Ignoring duplicate password for u",
        f"{P}:6: allowfrom in upsd.users is no longer used",
        f"{P}:7: Unrecognized user setting colour",
        f"{P}:8: Unknown upsmon type boss",
        f"{P}:9: line ignored: expected 'name = value' or 'upsmon <role>'",
        f"{P}:10: old-style 'user' line ignored",
        f"{P}:11: Ignoring duplicate user u",
    ]
    # Warnings name settings, never their values.
    text = " ".join(messages(conf))
    assert "early" not in text and "second" not in text and "secret" not in text


def test_UsersConf_password_with_two_words_keeps_the_first():
    conf = parse("[u]\npassword = two words\n")
    assert conf.users["u"].check_password("two")
    assert messages(conf) == [f"{P}:2: Ignoring duplicate password for u"]


def test_UsersConf_broken_file():
    with pytest.raises(ConfigError) as info:
        parse('[u]\npassword = "abc#def"\n')
    assert str(info.value) == f"{P}:2: Unbalanced word due to unescaped # in quotes"


def test_UsersConf_NUT_sample_file():
    conf = users.load(SAMPLES / "upsd.users.sample")
    assert conf.users == {} and conf.warnings == ()


def test_UsersConf_Debian_installed_file():
    path = Path("/etc/nut/upsd.users")
    if not path.exists():
        pytest.skip("Debian's nut-server is not installed")
    assert users.load(path).users == {}


def test_UsersConf_load(tmp_path):
    path = tmp_path / "upsd.users"
    path.write_text(MANUAL_EXAMPLE)
    assert list(users.load(path).users) == ["admin", "pfy", "upswired", "observer"]
    with pytest.raises(ConfigError) as info:
        users.load(tmp_path / "nope")
    assert str(info.value) == f"{tmp_path / 'nope'}: No such file or directory"
