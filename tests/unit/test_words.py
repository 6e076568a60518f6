"""NUT's tokenizer: table cases from parseconf's rules, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerdown.protocol.words import (
    ARG_LIMIT,
    UNBALANCED_HASH,
    WORDLEN_LIMIT,
    Tokenizer,
    Words,
    encode,
    iter_logical_lines,
    join_words,
    quote,
    split_line,
)


def feed_whole(data: bytes, **kw: bool) -> list[Words]:
    tok = Tokenizer(**kw)  # type: ignore[arg-type]
    return tok.feed(data) + tok.close()


def feed_bytewise(data: bytes, **kw: bool) -> list[Words]:
    tok = Tokenizer(**kw)  # type: ignore[arg-type]
    out: list[Words] = []
    for i in range(len(data)):
        out += tok.feed(data[i : i + 1])
    return out + tok.close()


def feed_chunks(data: bytes, cuts: list[int], **kw: bool) -> list[Words]:
    tok = Tokenizer(**kw)  # type: ignore[arg-type]
    out: list[Words] = []
    start = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)):
        out += tok.feed(data[start:cut])
        start = cut
    out += tok.feed(data[start:])
    return out + tok.close()


CASES: list[tuple[bytes, list[tuple[str, ...]]]] = [
    (b"this is a line\n", [("this", "is", "a", "line")]),
    (b'this "is also" a line\n', [("this", "is also", "a", "line")]),
    (b"embedded\\ space\n", [("embedded space",)]),
    (b"embedded\\\\backslash\n", [("embedded\\backslash",)]),
    (
        b'SET VAR su700 ups.id "My \\"big\\" UPS"\n',
        [("SET", "VAR", "su700", "ups.id", 'My "big" UPS')],
    ),
    (b"port=auto\n", [("port", "=", "auto")]),
    (b"port = auto\n", [("port", "=", "auto")]),
    (b'desc = "a=b"\n', [("desc", "=", "a=b")]),
    (b"a # comment\nb\n", [("a",), ("b",)]),
    (b"a#comment\n", [("a",)]),
    (b'empty ""\n', [("empty", "")]),
    (b"two\\\nlines\n", [("twolines",)]),
    (b'"quoted\\\nnewline"\n', [("quotednewline",)]),
    (b"cr\r\nlf\n", [("cr",), ("lf",)]),
    (b"tab\tsep\n", [("tab", "sep")]),
    (b'"tab\tin quotes"\n', [("tabin quotes",)]),
    (b"caf\xc3\xa9 ok\n", [("caf", "ok")]),
    (b"no newline at end", [("no", "newline", "at", "end")]),
]


@pytest.mark.parametrize("data,expected", CASES)
def test_Tokenizer_cases(data: bytes, expected: list[tuple[str, ...]]) -> None:
    for feed in (feed_whole, feed_bytewise):
        assert [w.args for w in feed(data)] == expected


def test_Tokenizer_hash_in_quotes_is_an_error_and_the_line_is_dropped() -> None:
    got = feed_whole(b'GET VAR ups "a#b" more"\nVER\n')
    assert got[0].error == UNBALANCED_HASH
    assert got[1].args == ("VER",) and got[1].error is None


def test_Tokenizer_emit_empty_for_the_network_protocol() -> None:
    assert [w.args for w in feed_whole(b"\n# c\n  \nVER\n", emit_empty=True)] == [
        (),
        (),
        (),
        ("VER",),
    ]
    assert [w.args for w in feed_whole(b"\n# c\n  \nVER\n")] == [("VER",)]


def test_Tokenizer_limits_bound_memory() -> None:
    long_word = b"x" * (WORDLEN_LIMIT * 4)
    (line,) = feed_whole(b"GET " + long_word + b"\n")
    assert line.args == ("GET", "x" * WORDLEN_LIMIT)
    many = b" ".join(b"w%d" % i for i in range(ARG_LIMIT * 3)) + b"\n"
    (line,) = feed_bytewise(many)
    assert len(line.args) == ARG_LIMIT


def test_iter_logical_lines_reports_physical_line_numbers() -> None:
    text = '# header\n\n[ups]\n  driver = dummy\\\n-ups\n  desc = "x"\n'
    got = [(w.lineno, w.args) for w in iter_logical_lines(text)]
    assert got == [(3, ("[ups]",)), (4, ("driver", "=", "dummy-ups")), (6, ("desc", "=", "x"))]


def test_split_line_unclosed_quote_ends_the_word() -> None:
    assert split_line('a "b c') == ["a", "b c"]
    with pytest.raises(ValueError):
        split_line('a "b#c"')


printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200)
anything = st.text(max_size=200)


@given(printable)
def test_encode_quote_roundtrip_printable(value: str) -> None:
    assert split_line(quote(value)) == [value[:WORDLEN_LIMIT]]


@given(anything)
def test_encode_drops_only_what_nut_cannot_carry(value: str) -> None:
    kept = "".join(c for c in value if 0x20 <= ord(c) <= 0x7F)
    assert split_line(quote(value)) == [kept[:WORDLEN_LIMIT]]
    assert "\n" not in encode(value)


@given(st.lists(printable, min_size=1, max_size=10))
def test_join_words_roundtrip(words: list[str]) -> None:
    assert split_line(join_words(*words)) == [w[:WORDLEN_LIMIT] for w in words]


@given(st.binary(max_size=400), st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_feeding_is_the_same_however_it_is_split(data: bytes, cuts: list[int]) -> None:
    whole = feed_whole(data, emit_empty=True)
    assert feed_bytewise(data, emit_empty=True) == whole
    assert feed_chunks(data, cuts, emit_empty=True) == whole


@given(st.lists(st.lists(printable, min_size=1, max_size=5), max_size=10))
def test_lines_of_quoted_words_come_back(lines: list[list[str]]) -> None:
    data = "".join(join_words(*ws) + "\n" for ws in lines).encode()
    assert [list(w.args) for w in feed_bytewise(data)] == [
        [x[:WORDLEN_LIMIT] for x in ws] for ws in lines
    ]
