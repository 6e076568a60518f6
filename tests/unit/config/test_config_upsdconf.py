"""upsd.conf: listeners, timers and TLS settings as upsd reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerdown.config import upsdconf
from powerdown.config.errors import ConfigError
from powerdown.config.upsdconf import CertIdent, Listen, UpsdConf

SAMPLES = Path(__file__).parent / "samples"
P = "/etc/nut/upsd.conf"


def parse(text: str, **kw) -> UpsdConf:
    return upsdconf.parse(text, P, **kw)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return str(info.value)


def test_UpsdConf_defaults_are_NUTs():
    conf = parse("")
    assert conf == UpsdConf()
    assert conf.listen == ()
    assert (conf.maxage, conf.trackingdelay, conf.maxconn, conf.certrequest) == (15, 3600, None, 0)
    assert conf.statepath is conf.datapath is conf.certfile is conf.certpath is None
    assert conf.certident is None and conf.debug_min is None
    assert not (conf.allow_no_device or conf.allow_not_all_listeners or conf.disable_weak_ssl)
    # No LISTEN line: upsd listens on loopback only, ::1 first.
    assert conf.effective_listen() == (
        Listen(addr="::1", port=3493),
        Listen(addr="127.0.0.1", port=3493),
    )
    assert conf.effective_listen(default_port=40001)[1] == Listen(addr="127.0.0.1", port=40001)


def test_UpsdConf_every_directive():
    conf = parse(
        "LISTEN 127.0.0.1 3493\n"
        "LISTEN ::1\n"
        "LISTEN * 40000\n"
        "LISTEN myhost.example 0\n"
        "MAXAGE 30\n"
        "TRACKINGDELAY 60\n"
        "MAXCONN 1024\n"
        "STATEPATH /tmp/state\n"
        "DATAPATH /tmp/data\n"
        "CERTFILE /etc/nut/upsd.pem\n"
        "CERTPATH /etc/ssl/certs\n"
        'CERTIDENT "My Server" "key pass"\n'
        "CERTREQUEST REQUIRE\n"
        "DISABLE_WEAK_SSL true\n"
        "ALLOW_NO_DEVICE yes\n"
        "ALLOW_NOT_ALL_LISTENERS 1\n"
        "debug_min 2\n"
    )
    assert conf.listen == (
        Listen(addr="127.0.0.1", port=3493),
        Listen(addr="::1", port=3493),
        Listen(addr="*", port=40000),
        Listen(addr="myhost.example", port=0),
    )
    assert conf.effective_listen() == conf.listen
    assert (conf.maxage, conf.trackingdelay, conf.maxconn) == (30, 60, 1024)
    assert (conf.statepath, conf.datapath) == ("/tmp/state", "/tmp/data")
    assert (conf.certfile, conf.certpath) == ("/etc/nut/upsd.pem", "/etc/ssl/certs")
    assert conf.certident == CertIdent(name="My Server", password="key pass")
    assert "key pass" not in repr(conf)  # the key password never reaches a log
    assert conf.certrequest == 2
    assert conf.disable_weak_ssl and conf.allow_no_device and conf.allow_not_all_listeners
    assert conf.debug_min == 2
    assert conf.warnings == ()


def test_UpsdConf_LISTEN_without_port_uses_the_default_port():
    assert parse("LISTEN 127.0.0.1\n", default_port=5000).listen == (
        Listen(addr="127.0.0.1", port=5000),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("NO", 0), ("1", 1), ("request", 1), ("2", 2), ("Require", 2)],
)
def test_UpsdConf_CERTREQUEST_numbers_and_names(value, expected):
    assert parse(f"CERTREQUEST {value}\n").certrequest == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("ON", True),
        ("yes", True),
        ("1", True),
        ("7", True),  # a number: non-zero is true
        ("false", False),
        ("off", False),
        ("No", False),
        ("0", False),
    ],
)
def test_UpsdConf_ALLOW_NO_DEVICE_numbers_and_booleans(value, expected):
    assert parse(f"ALLOW_NO_DEVICE {value}\n").allow_no_device is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MAXAGE fifteen\n", f"{P}:1: MAXAGE has non numeric value (fifteen)!"),
        ("\nMAXAGE 15s\n", f"{P}:2: MAXAGE has non numeric value (15s)!"),
        ("TRACKINGDELAY -1\n", f"{P}:1: TRACKINGDELAY has non numeric value (-1)!"),
        ("MAXCONN lots\n", f"{P}:1: MAXCONN has non numeric value (lots)!"),
        ("MAXCONN 0\n", f"{P}:1: MAXCONN must be at least 1 (0)"),
        (
            "ALLOW_NO_DEVICE maybe\n",
            f"{P}:1: ALLOW_NO_DEVICE has non numeric and non boolean value (maybe)!",
        ),
        (
            "ALLOW_NOT_ALL_LISTENERS sure\n",
            f"{P}:1: ALLOW_NOT_ALL_LISTENERS has non numeric and non boolean value (sure)!",
        ),
        ("DISABLE_WEAK_SSL 2\n", f"{P}:1: DISABLE_WEAK_SSL has non boolean value (2)!"),
        (
            "DEBUG_MIN -1\n",
            f"{P}:1: DEBUG_MIN has non numeric or negative value in upsd.conf",
        ),
        (
            "CERTREQUEST always\n",
            f"{P}:1: CERTREQUEST must be 0 (NO), 1 (REQUEST) or 2 (REQUIRE), not always",
        ),
        (
            "LISTEN 0.0.0.0 nut\n",
            f"{P}:1: LISTEN port must be a number from 0 to 65535 (nut)",
        ),
        (
            "LISTEN 0.0.0.0 65536\n",
            f"{P}:1: LISTEN port must be a number from 0 to 65535 (65536)",
        ),
        (
            'CERTFILE "/etc/nut/#1.pem"\n',
            f"{P}:1: Unbalanced word due to unescaped # in quotes",
        ),
    ],
)
def test_UpsdConf_broken_files(text, message):
    assert error_of(text) == message


def test_UpsdConf_unknown_or_short_directives_are_warnings():
    conf = parse(
        "MAXAGE 20\n"
        "maxage 99\n"  # NUT matches directive names with case
        "NOSUCHTHING 1 2\n"
        "LISTEN\n"
        "CERTIDENT onlyname\n"
        "ACL all 0.0.0.0/0\n"
        "ACCEPT all\n"
        "REJECT all\n"
    )
    assert conf.maxage == 20
    assert [str(w) for w in conf.warnings] == [
        f"{P}:2: invalid directive maxage 99",
        f"{P}:3: invalid directive NOSUCHTHING 1 2",
        f"{P}:4: invalid directive LISTEN",
        f"{P}:5: invalid directive CERTIDENT",
        f"{P}:6: ACL in upsd.conf is no longer supported - switch to LISTEN",
        f"{P}:7: ACCEPT in upsd.conf is no longer supported - switch to LISTEN",
        f"{P}:8: REJECT in upsd.conf is no longer supported - switch to LISTEN",
    ]


def test_UpsdConf_quotes_comments_and_continuation():
    conf = parse(
        "# comment\n"
        'STATEPATH "/tmp/with space" # trailing\n'
        "CERTFILE /tmp/a\\ b.pem\n"
        "LISTEN \\\n127.0.0.1 \\\n4000\n"
        "MAXAGE 5\n"
    )
    assert conf.statepath == "/tmp/with space"
    assert conf.certfile == "/tmp/a b.pem"
    assert conf.listen == (Listen(addr="127.0.0.1", port=4000),)
    assert conf.maxage == 5


def test_UpsdConf_later_lines_win():
    assert parse("MAXAGE 20\nMAXAGE 25\n").maxage == 25


def test_UpsdConf_NUT_sample_file():
    conf = upsdconf.load(SAMPLES / "upsd.conf.sample")
    assert conf == UpsdConf()


def test_UpsdConf_Debian_installed_file():
    path = Path("/etc/nut/upsd.conf")
    if not path.exists():
        pytest.skip("Debian's nut-server is not installed")
    conf = upsdconf.load(path)
    assert conf.listen == () and conf.maxage == 15 and conf.warnings == ()


def test_UpsdConf_load_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        upsdconf.load(tmp_path / "upsd.conf")
    assert str(info.value) == f"{tmp_path / 'upsd.conf'}: No such file or directory"
