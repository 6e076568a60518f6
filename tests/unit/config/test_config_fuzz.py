"""Whatever a config file holds, a parser returns a model or raises ConfigError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from powerdown.config import nutconf, upsconf, upsdconf, users
from powerdown.config.errors import ConfigError

# Text made mostly of the characters that matter to the parsers.
_PIECES = st.sampled_from(
    [
        "[u]",
        "[default]",
        "[]",
        "driver",
        "port",
        "=",
        " ",
        "\t",
        "\n",
        "#",
        '"',
        "'",
        "\\",
        "x",
        "1",
        "-1",
        "0",
        "LISTEN",
        "MAXAGE",
        "CERTIDENT",
        "DEBUG_MIN",
        "password",
        "actions",
        "instcmds",
        "upsmon",
        "primary",
        "MODE",
        "none",
        "export",
        "é",
        "\x00",
        "pollinterval",
        "sdorder",
    ]
)
_TEXT = st.lists(_PIECES, max_size=60).map("".join) | st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_config_parsers_only_raise_ConfigError(text):
    for parse in (upsconf.parse, upsdconf.parse, users.parse, nutconf.parse):
        try:
            model = parse(text, "f")
        except ConfigError as exc:
            assert exc.path == "f"
            assert exc.line is None or exc.line >= 1
        else:
            assert all(w.path == "f" for w in model.warnings)
