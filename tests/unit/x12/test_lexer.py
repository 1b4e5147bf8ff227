from __future__ import annotations

import pytest

from finclear.x12.errors import X12Error
from finclear.x12.lexer import decode, lex, read_delimiters
from tests.unit.x12.texts import sample_835


def test_delimiters_come_from_the_isa() -> None:
    d = read_delimiters(sample_835())
    assert (d.element, d.component, d.repetition, d.segment, d.suffix) == ("*", ":", "^", "~", "")


def test_line_break_after_terminator_is_the_suffix() -> None:
    assert read_delimiters(sample_835("\r\n")).suffix == "\r\n"
    assert read_delimiters(sample_835("\n")).suffix == "\n"


def test_any_legal_delimiter_characters() -> None:
    text = sample_835().replace("*", "|").replace(":", ">").replace("~", "\x1c").replace("^", "}")
    d = read_delimiters(text)
    assert (d.element, d.component, d.repetition, d.segment) == ("|", ">", "}", "\x1c")
    lexed = lex(text)
    assert lexed.chunks[0].pieces[1].startswith("GS|HP")


def test_isa11_letter_means_no_repetition_separator() -> None:
    text = sample_835().replace("*^*00501*", "*U*00501*")
    assert read_delimiters(text).repetition == ""


def test_bom_and_leading_whitespace_are_reported_not_fatal() -> None:
    lexed = lex("\ufeff  \n" + sample_835("\n"))
    assert lexed.prefix == "\ufeff  \n"
    assert [f.message for f in lexed.findings] == ["the file starts with a byte order mark"]


def test_indentation_keeps_each_segment_suffix() -> None:
    text = sample_835("\n").replace("\nN3*", "\n    N3*")
    lexed = lex(text)
    chunk = lexed.chunks[0]
    assert chunk.suffixes is not None
    index = next(i for i, p in enumerate(chunk.pieces) if p.startswith("N3*"))
    assert chunk.suffixes[index - 1] == "\n    "
    assert any("irregular whitespace" in f.message for f in lexed.findings)


@pytest.mark.parametrize(
    "text",
    ["", "hello", "ISA", "ISA*00*", "ISA1002", sample_835()[:100], "ISA*" + "*" * 15 + ":"],
)
def test_unreadable_envelopes_raise_x12error(text: str) -> None:
    with pytest.raises(X12Error):
        lex(text)


def test_decode_falls_back_to_latin1_and_says_so() -> None:
    text, findings = decode(sample_835().replace("ACME", "ACM\xc9").encode("latin-1"))
    assert "ACM\xc9" in text
    assert findings and "not valid UTF-8" in findings[0].message


def test_several_interchanges_with_their_own_delimiters() -> None:
    second = sample_835().replace("*", "|").replace("~", "!").replace("000000001", "000000002")
    lexed = lex(sample_835("\n") + second)
    assert [c.delimiters.element for c in lexed.chunks] == ["*", "|"]
    assert [c.delimiters.segment for c in lexed.chunks] == ["~", "!"]
