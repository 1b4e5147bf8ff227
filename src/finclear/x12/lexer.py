"""Delimiters and tokens: from X12 text to raw segment strings.

The ISA segment declares the delimiters: the element separator is its fourth character,
ISA11 is the repetition separator (when it is not a letter or a digit: 00401 envelopes and
many 00501 ones put the standards identifier "U" there, which means none), ISA16 is the
component separator and the character after it terminates segments. Whatever line break
follows that terminator ("\\n", "\\r\\n") is the ``suffix`` that follows every terminator.

Tokenizing is a ``str.split`` over the whole interchange when the file is regular (one
terminator, one suffix, no indentation), which runs at C speed; files with irregular
whitespace take a slower path that keeps each segment's own suffix so writing back is exact.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from finclear.x12.errors import Finding, Level, Severity, X12Error
from finclear.x12.tree import Delimiters

ISA_LENGTH = 106  # the fixed length of an ISA segment, terminator included
BOM = "\ufeff"
_BREAKS = "\r\n"
_WHITESPACE = " \t\r\n"


@dataclass(slots=True)
class Chunk:
    """One interchange's text cut into raw segments (element separators not yet split).

    ``delimiters`` are the interchange's. ``suffixes`` is None when every segment but the last
    is followed by ``delimiters.suffix``; otherwise it holds each segment's own suffix. ``tail``
    is what follows the chunk's last terminator (its last segment's suffix).
    """

    delimiters: Delimiters
    pieces: list[str]
    suffixes: list[str] | None
    tail: str
    offset: int  # where the chunk starts in the text


@dataclass(slots=True)
class Lexed:
    prefix: str
    chunks: list[Chunk]
    findings: list[Finding]


def decode(data: str | bytes) -> tuple[str, list[Finding]]:
    """Bytes to text: UTF-8 (X12's basic and extended character sets are within it), else
    Latin-1, which reads any byte and is reported."""
    if isinstance(data, str):
        return data, []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        finding = Finding(
            Severity.WARNING,
            Level.DOCUMENT,
            "",
            f"the file is not valid UTF-8 (byte {exc.start}); read as Latin-1",
        )
        return data.decode("latin-1"), [finding]


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def find_isa(text: str, start: int = 0) -> int:
    """Offset of the first ISA at or after ``start`` (leading BOM and whitespace skipped)."""
    pos = start
    end = len(text)
    while pos < end and (text[pos] in _WHITESPACE or text[pos] == BOM):
        pos += 1
    if text.startswith("ISA", pos):
        return pos
    found = text.find("ISA", pos)
    return found


def read_delimiters(text: str, start: int = 0, source: str | None = None) -> Delimiters:
    """The delimiters declared by the ISA segment that begins at ``start``.

    Fields are located by counting element separators, so an ISA whose fields are padded
    wrongly still gives its delimiters (the validator reports the wrong length).
    """
    line = line_of(text, start)
    if not text.startswith("ISA", start):
        raise X12Error("no ISA segment here", segment_id="ISA", line=line, source=source)
    if len(text) <= start + 3:
        raise X12Error("the ISA segment is cut short", segment_id="ISA", line=line, source=source)
    element = text[start + 3]
    if element.isalnum() or element in _WHITESPACE:
        raise X12Error(
            f"the element separator {element!r} (ISA character 4) is a letter, digit or space",
            segment_id="ISA",
            line=line,
            source=source,
        )
    separators: list[int] = []
    pos = start + 3
    limit = min(len(text), start + 3 * ISA_LENGTH)
    while len(separators) < 16:
        pos = text.find(element, pos, limit)
        if pos < 0:
            raise X12Error(
                f"the ISA segment has {len(separators)} elements, it needs 16",
                segment_id="ISA",
                line=line,
                source=source,
            )
        separators.append(pos)
        pos += 1
    last = separators[15]
    if last + 2 >= len(text):
        raise X12Error(
            "the ISA segment is cut short before its terminator",
            segment_id="ISA",
            element_position=16,
            line=line,
            source=source,
        )
    component = text[last + 1]
    segment = text[last + 2]
    if segment.isalnum() or segment in (element, component) or segment == " ":
        raise X12Error(
            f"the segment terminator {segment!r} (after ISA16) is not a usable delimiter",
            segment_id="ISA",
            element_position=16,
            line=line,
            source=source,
        )
    isa11 = text[separators[10] + 1 : separators[11]]
    repetition = (
        isa11
        if len(isa11) == 1 and not isa11.isalnum() and isa11 not in (element, component, segment)
        else ""
    )
    suffix_end = last + 3
    while suffix_end < len(text) and text[suffix_end] in _BREAKS and text[suffix_end] != segment:
        suffix_end += 1
    return Delimiters(
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        suffix=text[last + 3 : suffix_end],
    )


def _next_isa(text: str, d: Delimiters, start: int) -> int:
    """Offset of the next ISA that begins a segment after ``start``, or -1."""
    pattern = re.compile(re.escape(d.segment) + r"[ \t\r\n]*ISA")
    match = pattern.search(text, start)
    if match is None:
        return -1
    return match.end() - 3


def _split_chunk(text: str, start: int, end: int, d: Delimiters) -> Chunk:
    term = d.segment
    last = text.rfind(term, start, end)
    body = text[start:last]
    tail = text[last + 1 : end]
    separator = term + d.suffix
    regular = not d.suffix or body.count(separator) == body.count(term)
    if regular:
        irregular = re.compile(re.escape(separator) + r"[ \t\r\n]")
        regular = irregular.search(body) is None
    if regular and not tail.strip():
        return Chunk(d, body.split(separator), None, tail, start)
    parts = re.split(re.escape(term) + r"([ \t\r\n]*)", text[start:end])
    pieces = parts[0::2]
    suffixes = parts[1::2]
    stray = pieces.pop()
    if stray:
        # text after the last terminator: an unterminated segment
        pieces.append(stray)
        suffixes.append("")
    return Chunk(d, pieces, suffixes, suffixes[-1], start)


def lex(text: str, source: str | None = None) -> Lexed:
    """Cut the text into interchanges and raw segments. Raises X12Error when there is no ISA
    or its delimiters cannot be read."""
    findings: list[Finding] = []
    first = find_isa(text)
    if first < 0:
        raise X12Error("no ISA segment: this is not an X12 interchange", line=1, source=source)
    prefix = text[:first]
    if prefix.replace(BOM, "").strip():
        message = f"{len(prefix)} characters of text before the first ISA are not X12"
        findings.append(Finding(Severity.ERROR, Level.DOCUMENT, "", message, line=1))
    elif BOM in prefix:
        message = "the file starts with a byte order mark"
        findings.append(Finding(Severity.WARNING, Level.DOCUMENT, "", message, line=1))
    elif prefix:
        message = "whitespace before the first ISA"
        findings.append(Finding(Severity.WARNING, Level.DOCUMENT, "", message, line=1))
    chunks: list[Chunk] = []
    start = first
    while True:
        d = read_delimiters(text, start, source)
        nxt = _next_isa(text, d, start + 3)
        chunk = _split_chunk(text, start, len(text) if nxt < 0 else nxt, d)
        if chunk.suffixes is not None:
            if chunk.suffixes and not chunk.suffixes[-1] and chunk.pieces[-1].strip() and nxt < 0:
                message = "the last segment has no terminator"
                findings.append(
                    Finding(Severity.ERROR, Level.DOCUMENT, "", message, line=text.count("\n") + 1)
                )
            if any(s != d.suffix for s in chunk.suffixes[:-1]):
                message = "irregular whitespace between segments (indentation or mixed line breaks)"
                findings.append(
                    Finding(
                        Severity.WARNING, Level.DOCUMENT, "", message, line=line_of(text, start)
                    )
                )
        chunks.append(chunk)
        if nxt < 0:
            break
        start = nxt
    return Lexed(prefix, chunks, findings)


def iter_pieces(
    stream: BinaryIO, chunk_size: int = 1 << 20, source: str | None = None
) -> Iterator[tuple[str, Delimiters]]:
    """Raw segments of a binary stream, each with its delimiters, in bounded memory.

    Reads ``chunk_size`` bytes at a time (UTF-8, incrementally decoded); a segment longer than
    the buffer is accepted, but nothing else is held. The suffix of the delimiters yielded is
    the whitespace that actually followed that segment.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    eof = False

    def fill() -> bool:
        nonlocal buf, eof
        if eof:
            return False
        data = stream.read(chunk_size)
        if not data:
            buf += decoder.decode(b"", final=True)
            eof = True
            return False
        buf += decoder.decode(data)
        return True

    while len(buf) < 4 * ISA_LENGTH and fill():
        pass
    pos = find_isa(buf)
    if pos < 0:
        raise X12Error("no ISA segment: this is not an X12 interchange", line=1, source=source)
    d = read_delimiters(buf, pos, source)
    by_suffix: dict[str, Delimiters] = {d.suffix: d}
    while True:
        while len(buf) - pos < 3 and fill():
            pass
        if not buf.startswith("ISA", pos):
            # the complete segments in the buffer, split at once; the last one (whose
            # suffix may run past the buffer) and any ISA are left to the path below
            term = d.segment
            last = buf.rfind(term, pos)
            pieces = buf[pos:last].split(term) if last > pos else []
            start = pos
            previous = None
            for piece in pieces:
                body = piece.lstrip(_WHITESPACE)
                if previous is not None:
                    suffix = piece[: len(piece) - len(body)]
                    seg_d = by_suffix.get(suffix)
                    if seg_d is None:
                        seg_d = Delimiters(d.element, d.component, d.repetition, term, suffix)
                        by_suffix[suffix] = seg_d
                    yield previous, seg_d
                pos = start + len(piece) - len(body)
                if body.startswith("ISA"):
                    break
                previous = body
                start += len(piece) + 1
            if pos > chunk_size:
                buf = buf[pos:]
                pos = 0
        else:
            # a new interchange may declare another terminator: read it before looking for it
            while len(buf) - pos < 4 * ISA_LENGTH and fill():
                pass
            try:
                new = read_delimiters(buf, pos, source)
            except X12Error:
                new = d  # reported below, once its segment is cut
            if new != d:
                d = new
                by_suffix = {d.suffix: d}
        end = buf.find(d.segment, pos)
        while end < 0 and fill():
            end = buf.find(d.segment, pos)
        if end < 0:
            rest = buf[pos:]
            if rest.strip():
                yield (
                    rest.lstrip(_WHITESPACE),
                    Delimiters(d.element, d.component, d.repetition, d.segment, ""),
                )
            return
        ws_end = end + 1
        while True:
            while ws_end < len(buf) and buf[ws_end] in _WHITESPACE:
                ws_end += 1
            if ws_end < len(buf) or not fill():
                break
        piece = buf[pos:end]
        suffix = buf[end + 1 : ws_end]
        seg_d = by_suffix.get(suffix)
        if seg_d is None:
            seg_d = Delimiters(d.element, d.component, d.repetition, d.segment, suffix)
            by_suffix[suffix] = seg_d
        if piece.startswith("ISA"):
            # a new interchange may declare new delimiters
            if len(buf) - end < 4 * ISA_LENGTH:
                fill()
            new = read_delimiters(buf, pos, source)
            if new != d:
                d = new
                by_suffix = {d.suffix: d}
                end = buf.find(d.segment, pos)
                if end < 0:
                    continue
                ws_end = end + 1
                while ws_end < len(buf) and buf[ws_end] in _WHITESPACE:
                    ws_end += 1
                piece = buf[pos:end]
                suffix = buf[end + 1 : ws_end]
                seg_d = Delimiters(d.element, d.component, d.repetition, d.segment, suffix)
        yield piece, seg_d
        pos = ws_end
        if pos > chunk_size:
            buf = buf[pos:]
            pos = 0
