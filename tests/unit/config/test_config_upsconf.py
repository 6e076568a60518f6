"""ups.conf: what drivers, upsdrvctl and upsd get out of the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from powerdown.config import upsconf
from powerdown.config.errors import ConfigError

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/ups.conf"


def parse(text: str) -> upsconf.UpsConf:
    return upsconf.parse(text, P)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return str(info.value)


def test_UpsConf_globals_sections_values_and_flags():
    conf = parse(
        "# global part\n"
        "maxretry = 3\n"
        "retrydelay=10\n"
        "nowait\n"
        "\n"
        "[myups]\n"
        "\tdriver = blazer_ser\n"
        "\tport = /dev/ttyS0\n"
        '\tdesc = "Web server UPS"\n'
        "\tnolock\n"
        "\toverride.battery.charge.low = 30\n"
        "\tdefault.input.voltage.nominal = 230\n"
        "[bigups]\n"
        "\tdriver = apcsmart\n"
        "\tport = /dev/cua00\n"
        "\tcable = 940-0095B\n"
        "\tsdtype = 2\n"
    )
    assert dict(conf.globals) == {"maxretry": "3", "retrydelay": "10"}
    assert conf.global_flags == {"nowait"}
    assert (conf.maxretry, conf.retrydelay, conf.nowait) == (3, 10, True)
    assert list(conf.upses) == ["myups", "bigups"]  # file order

    my = conf.upses["myups"]
    assert (my.name, my.driver, my.port, my.desc, my.lineno) == (
        "myups",
        "blazer_ser",
        "/dev/ttyS0",
        "Web server UPS",
        6,
    )
    assert my.flags == {"nolock"} and my.has_flag("nolock")
    assert dict(my.values) == {
        "driver": "blazer_ser",
        "port": "/dev/ttyS0",
        "desc": "Web server UPS",
        "override.battery.charge.low": "30",
        "default.input.voltage.nominal": "230",
    }
    big = conf.upses["bigups"]
    assert big.desc is None
    assert big.get("cable") == "940-0095B" and big.get("sdtype") == "2"
    assert big.get("missing", "x") == "x"
    assert conf.warnings == ()


def test_UpsConf_defaults_of_upsdrvctl_and_drivers():
    conf = parse("[u]\ndriver = dummy-ups\nport = u.dev\n")
    assert (conf.maxretry, conf.retrydelay, conf.maxstartdelay, conf.pollinterval) == (
        1,
        5,
        45,
        2,
    )
    assert conf.nowait is False
    assert conf.statepath is conf.driverpath is conf.user is conf.group is conf.chroot is None
    u = conf.upses["u"]
    assert (u.sdorder, u.maxstartdelay, u.pollinterval) == (0, None, None)


def test_UpsConf_typed_globals():
    conf = parse(
        "chroot = /var/chroot\ndriverpath = /lib/nut\nstatepath = /tmp/st\nuser = nut\n"
        "group = dialout\nmaxstartdelay = -1\npollinterval = 7\n"
    )
    assert (conf.chroot, conf.driverpath, conf.statepath, conf.user, conf.group) == (
        "/var/chroot",
        "/lib/nut",
        "/tmp/st",
        "nut",
        "dialout",
    )
    assert (conf.maxstartdelay, conf.pollinterval) == (-1, 7)
    assert conf.upses == {}


@pytest.mark.parametrize("line", ["port = auto", "port=auto", "port =auto", "port= auto"])
def test_UpsConf_equals_sign_with_or_without_spaces(line):
    conf = parse(f"[u]\ndriver = usbhid-ups\n{line}\n")
    assert conf.upses["u"].port == "auto"


def test_UpsConf_quotes_and_escapes():
    conf = parse(
        "[u]\n"
        "driver = dummy-ups\n"
        'port = "\\\\\\\\.\\\\COM10"\n'  # port = "\\\\.\\COM10" in the file
        'desc = "My \\"big\\" UPS"\n'
        "community = pa\\ ss\\#word\n"
        'empty = ""\n'
    )
    u = conf.upses["u"]
    assert u.port == "\\\\.\\COM10"
    assert u.desc == 'My "big" UPS'
    assert u.get("community") == "pa ss#word"
    assert u.get("empty") == ""


def test_UpsConf_comments_anywhere():
    conf = parse(
        "# comment\n"
        "   # indented comment\n"
        "[u] # trailing comment\n"
        "driver = dummy-ups # the driver\n"
        "port = u.dev#no space needed\n"
        'desc = "quoted" # comment after quotes\n'
    )
    u = conf.upses["u"]
    assert (u.driver, u.port, u.desc) == ("dummy-ups", "u.dev", "quoted")


def test_UpsConf_line_continuation():
    """A backslash before the newline joins lines, as parseconf does.

    The joined text continues the same word, so indentation on the next
    line ends it: NUT then sees an empty word, and the value is lost.
    """
    conf = parse("[u]\ndriver = dummy-ups\nport = /dev/\\\nttyS0\ndesc = \\\n  x\n")
    u = conf.upses["u"]
    assert u.port == "/dev/ttyS0"
    assert u.desc == ""  # 'desc', '=', '', 'x': NUT keeps the empty word
    assert [str(w) for w in conf.warnings] == [f"{P}:5: words after the value of desc ignored"]


def test_UpsConf_line_numbers_count_physical_lines():
    conf = parse("\n\nmaxretry = \\\n2\n\n[late]\ndriver = d\nport = p\n")
    assert conf.upses["late"].lineno == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[u]\nport = x\n", f"{P}:1: incomplete configuration for UPS [u]: no driver"),
        ("[u]\ndriver = x\n", f"{P}:1: incomplete configuration for UPS [u]: no port"),
        (
            "maxretry = 1\n[a]\ndriver = d\nport = p\n[b]\n",
            f"{P}:5: incomplete configuration for UPS [b]: no driver and no port",
        ),
        (
            "[a]\ndriver = d\nport = p\n\n[A]\ndriver = d\nport = q\n",
            f"{P}:5: UPS name [A] is already in use (line 1)",
        ),
        (
            "[a]\ndriver = d\nport = p\n[a]\n",
            f"{P}:4: UPS name [a] is already in use (line 1)",
        ),
        ("[default]\ndriver = d\nport = p\n", f'{P}:1: UPS name "default" is reserved for upsd'),
        ("[]\n", f"{P}:1: empty UPS name"),
        ("pollinterval = 0\n", f"{P}:1: invalid pollinterval: 0"),
        ("[u]\ndriver=d\nport=p\npollinterval = 2s\n", f"{P}:4: invalid pollinterval: 2s"),
        ("maxretry = three\n", f"{P}:1: invalid maxretry: three"),
        ("retrydelay = -5\n", f"{P}:1: invalid retrydelay: -5"),
        ("[u]\ndriver=d\nport=p\nsdorder = first\n", f"{P}:4: invalid sdorder: first"),
        (
            '[u]\ndriver = d\nport = p\ndesc = "UPS #1"\n',
            f"{P}:4: Unbalanced word due to unescaped # in quotes",
        ),
    ],
)
def test_UpsConf_broken_files(text, message):
    assert error_of(text) == message


def test_UpsConf_error_carries_path_and_line():
    with pytest.raises(ConfigError) as info:
        parse("\n\n[u]\n")
    err = info.value
    assert (err.path, err.line) == (P, 3)
    assert err.message == "incomplete configuration for UPS [u]: no driver and no port"


def test_UpsConf_negative_numbers_where_NUT_allows_them():
    conf = parse("[u]\ndriver = d\nport = p\nsdorder = -1\nmaxstartdelay = -1\n")
    assert (conf.upses["u"].sdorder, conf.upses["u"].maxstartdelay) == (-1, -1)


def test_UpsConf_warnings_for_what_NUT_skips_silently():
    conf = parse("[u] extra\ndriver = d\nport = p\nport = q\ncommunity secret\na b c d\n")
    assert conf.upses["u"].port == "q"  # the last one wins, as in upsd and upsdrvctl
    assert [str(w) for w in conf.warnings] == [
        f"{P}:1: words after [u] ignored",
        f"{P}:4: port set again; the last value is used",
        f"{P}:5: line ignored: expected 'name = value' or a single flag word",
        f"{P}:6: line ignored: expected 'name = value' or a single flag word",
    ]
    # The ignored lines may hold secrets: they are never quoted back.
    assert not any("secret" in str(w) for w in conf.warnings)


def test_UpsConf_non_ascii_is_dropped_with_a_warning():
    conf = parse('[u]\ndriver = d\nport = p\ndesc = "Büro"\n')
    assert conf.upses["u"].desc == "Bro"
    assert [str(w) for w in conf.warnings] == [f"{P}:4: non-ASCII characters ignored"]


def test_UpsConf_is_frozen():
    conf = parse("[u]\ndriver = d\nport = p\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        conf.upses["u"].port = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        conf.upses["u"].values["port"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError):
        conf.upses["v"] = conf.upses["u"]  # type: ignore[index]


def test_UpsConf_empty_file():
    conf = parse("")
    assert conf.upses == {} and conf.globals == {} and conf.warnings == ()


def test_UpsConf_NUT_sample_file():
    conf = upsconf.load(SAMPLES / "ups.conf.sample")
    assert dict(conf.globals) == {"maxretry": "3"}
    assert conf.upses == {}
    assert conf.warnings == ()


def test_UpsConf_Debian_installed_file():
    path = Path("/etc/nut/ups.conf")
    if not path.exists():
        pytest.skip("Debian's nut-server is not installed")
    conf = upsconf.load(path)
    assert conf.maxretry == 3
    assert conf.upses == {}


def test_UpsConf_load_reads_bytes_and_names_the_file(tmp_path):
    path = tmp_path / "ups.conf"
    path.write_bytes(b'[u]\ndriver = d\nport = p\ndesc = "caf\xe9"\n')
    conf = upsconf.load(path)
    assert conf.upses["u"].desc == "caf"
    assert conf.warnings[0].path == str(path)


def test_UpsConf_load_missing_file(tmp_path):
    missing = tmp_path / "ups.conf"
    with pytest.raises(ConfigError) as info:
        upsconf.load(missing)
    assert str(info.value) == f"{missing}: No such file or directory"
    assert info.value.line is None


def test_UpsConf_non_ascii_in_comments_is_fine():
    conf = parse("# Büro\n[u] # Keller\u00a0links\ndriver = d\nport = p\n")
    assert conf.warnings == ()
