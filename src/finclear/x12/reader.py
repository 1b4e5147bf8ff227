"""Reading X12: text or files to an ``X12Document``, or streamed transaction by transaction.

The reader splits segments, checks the envelopes (ISA/IEA, GS/GE, ST/SE: control numbers
and counts), finds each transaction set's implementation guide and builds its loop tree.
Problems become findings on the document, interchange, group or transaction they belong
to; only text that cannot be read as X12 at all (no ISA, unreadable delimiters) raises
``X12Error``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from finclear.x12.document import FunctionalGroup, Interchange, Transaction, X12Document
from finclear.x12.errors import Finding, Level, Severity, X12Error
from finclear.x12.gcpause import gc_paused
from finclear.x12.lexer import decode, iter_pieces, lex
from finclear.x12.loops import TreeBuilder, choose_tree
from finclear.x12.specs.model import LoopSpec, TransactionSpec
from finclear.x12.specs.registry import find_specs
from finclear.x12.tree import Delimiters, Loop, Segment

ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


def _finding(
    level: Level, code: str, message: str, segment: Segment | None = None, element: int = 0
) -> Finding:
    return Finding(
        Severity.ERROR,
        level,
        code,
        message,
        segment_position=segment.position if segment is not None and segment.position else None,
        segment_id=segment.id if segment is not None else "",
        element_position=element or None,
    )


def _count(segment: Segment, pos: int) -> int | None:
    value = segment.get(pos).strip()
    return int(value) if value.isdigit() else None


class _Builder:
    """Assembles envelopes from segments fed in file order."""

    def __init__(self, document: X12Document, keep: bool = True, loops: bool = True) -> None:
        self.document = document
        self.keep = keep  # False when streaming: finished transactions are not retained
        self.loops = loops
        self.interchange: Interchange | None = None
        self.group: FunctionalGroup | None = None
        self.transaction: Transaction | None = None
        # the open transaction's loop tree, built as its segments are read when the guide is
        # known from its ST (one candidate guide); None otherwise (built at SE by choose_tree)
        self.tree: TreeBuilder | None = None
        self.group_count = 0
        self.transaction_count = 0

    # -- envelope segments -------------------------------------------------------------

    def envelope(self, seg: Segment) -> Transaction | None:
        """Handle an ISA/IEA/GS/GE/ST/SE/TA1; returns the transaction an SE completed."""
        sid = seg.elements[0]
        if sid == "SE":
            return self._end_transaction(seg)
        if sid == "ST":
            self._start_transaction(seg)
        elif sid == "GS":
            self._start_group(seg)
        elif sid == "GE":
            self._end_group(seg)
        elif sid == "ISA":
            self._start_interchange(seg)
        elif sid == "IEA":
            self._end_interchange(seg)
        else:  # TA1
            if self.interchange is None or self.group is not None:
                self._stray(seg, "a TA1 outside an interchange, or inside a functional group")
            else:
                self.interchange.ta1s.append(seg)
        return None

    def _stray(self, seg: Segment, why: str) -> None:
        finding = _finding(Level.DOCUMENT, "", f"{seg.id} segment ignored: {why}", seg)
        if self.interchange is not None:
            self.interchange.stray.append(seg)
            self.interchange.findings.append(finding)
        else:
            self.document.findings.append(finding)

    def _start_interchange(self, seg: Segment) -> None:
        if self.interchange is not None:
            self._close_interchange("IEA missing before the next ISA")
        self.interchange = Interchange(isa=seg, delimiters=seg.delimiters)
        self.document.interchanges.append(self.interchange)
        self.group_count = 0

    def _end_interchange(self, seg: Segment) -> None:
        interchange = self.interchange
        if interchange is None:
            self._stray(seg, "an IEA without its ISA")
            return
        if self.group is not None:
            self._close_group("GE missing before IEA")
        interchange.iea = seg
        declared = _count(seg, 1)
        if declared != self.group_count:
            interchange.findings.append(
                _finding(
                    Level.INTERCHANGE,
                    "021",
                    f"IEA01 says {seg.get(1)!r} functional groups, the interchange has "
                    f"{self.group_count}",
                    seg,
                    1,
                )
            )
        if seg.get(2) != interchange.isa.get(13):
            interchange.findings.append(
                _finding(
                    Level.INTERCHANGE,
                    "001",
                    f"IEA02 {seg.get(2)!r} does not match ISA13 {interchange.isa.get(13)!r}",
                    seg,
                    2,
                )
            )
        self.interchange = None

    def _close_interchange(self, why: str) -> None:
        if self.group is not None:
            self._close_group(why.replace("IEA", "GE"))
        if self.interchange is not None:
            self.interchange.findings.append(
                _finding(Level.INTERCHANGE, "023", why, self.interchange.isa)
            )
        self.interchange = None

    def _start_group(self, seg: Segment) -> None:
        if self.interchange is None:
            self._stray(seg, "a GS outside an interchange (ISA missing)")
            return
        if self.group is not None:
            self._close_group("GE missing before the next GS")
        # Links up only in a stream: a document holds its parts top down, and links back up
        # would make each one a reference cycle, freed by a full garbage collection only.
        up = None if self.keep else self.interchange
        self.group = FunctionalGroup(gs=seg, interchange=up)
        self.interchange.groups.append(self.group)
        self.group_count += 1
        self.transaction_count = 0

    def _end_group(self, seg: Segment) -> None:
        group = self.group
        if group is None:
            self._stray(seg, "a GE without its GS")
            return
        if self.transaction is not None:
            self._close_transaction("SE missing before GE")
        group.ge = seg
        declared = _count(seg, 1)
        if declared != self.transaction_count:
            group.findings.append(
                _finding(
                    Level.GROUP,
                    "5",
                    f"GE01 says {seg.get(1)!r} transaction sets, the group has "
                    f"{self.transaction_count}",
                    seg,
                    1,
                )
            )
        if seg.get(2) != group.gs.get(6):
            group.findings.append(
                _finding(
                    Level.GROUP,
                    "4",
                    f"GE02 {seg.get(2)!r} does not match GS06 {group.gs.get(6)!r}",
                    seg,
                    2,
                )
            )
        self.group = None

    def _close_group(self, why: str) -> None:
        if self.transaction is not None:
            self._close_transaction(why.replace("GE", "SE"))
        if self.group is not None:
            self.group.findings.append(_finding(Level.GROUP, "3", why, self.group.gs))
        self.group = None

    def _start_transaction(self, seg: Segment) -> None:
        if self.transaction is not None:
            self._close_transaction("SE missing before the next ST")
        seg.position = 1
        version = seg.get(3) or (self.group.gs.get(8) if self.group is not None else "")
        group = None if self.keep else self.group
        self.transaction = Transaction(st=seg, segments=[seg], version=version, group=group)
        self.tree = None
        if self.loops:
            match = find_specs(seg.get(1), version)
            if len(match.specs) == 1:
                self.tree = TreeBuilder(match.specs[0], seg)
        if self.group is None:
            self.transaction.findings.append(
                _finding(Level.TRANSACTION, "18", "transaction set outside a functional group", seg)
            )
        else:
            self.transaction_count += 1

    def _end_transaction(self, seg: Segment) -> Transaction | None:
        transaction = self.transaction
        if transaction is None:
            self._stray(seg, "an SE without its ST")
            return None
        seg.position = len(transaction.segments) + 1
        transaction.segments.append(seg)
        if self.tree is not None:
            self.tree.add(seg)
        transaction.se = seg
        declared = _count(seg, 1)
        if declared != len(transaction.segments):
            transaction.findings.append(
                _finding(
                    Level.TRANSACTION,
                    "4",
                    f"SE01 says {seg.get(1)!r} segments, the transaction set has "
                    f"{len(transaction.segments)}",
                    seg,
                    1,
                )
            )
        if seg.get(2) != transaction.st.get(2):
            transaction.findings.append(
                _finding(
                    Level.TRANSACTION,
                    "3",
                    f"SE02 {seg.get(2)!r} does not match ST02 {transaction.st.get(2)!r}",
                    seg,
                    2,
                )
            )
        return self._finish(transaction)

    def _close_transaction(self, why: str) -> None:
        transaction = self.transaction
        if transaction is not None:
            transaction.findings.append(_finding(Level.TRANSACTION, "2", why, transaction.st))
            self._finish(transaction)

    def _finish(self, transaction: Transaction) -> Transaction:
        self.transaction = None
        tree, self.tree = self.tree, None
        if self.loops:
            attach_tree(transaction, tree)
        if self.keep:
            if self.group is not None:
                self.group.transactions.append(transaction)
            else:
                self._orphan(transaction)
        return transaction

    def _orphan(self, transaction: Transaction) -> None:
        """A transaction set outside any group: kept in the interchange's stray segments."""
        if self.interchange is not None:
            self.interchange.stray.extend(transaction.segments)
            self.interchange.findings.extend(transaction.findings)
        else:
            self.document.findings.extend(transaction.findings)

    # -- other segments ----------------------------------------------------------------

    def other(self, seg: Segment) -> None:
        transaction = self.transaction
        if transaction is None:
            self._stray(seg, "outside a transaction set (ST/SE)")
            return
        seg.position = len(transaction.segments) + 1
        transaction.segments.append(seg)
        if self.tree is not None:
            self.tree.add(seg)

    def finish(self) -> Transaction | None:
        """End of input: close what is still open, reporting it."""
        last = self.transaction
        if last is not None:
            self._close_transaction("SE missing at the end of the file")
        if self.group is not None:
            self._close_group("GE missing at the end of the file")
        if self.interchange is not None:
            self._close_interchange("IEA missing at the end of the file")
        return last


def attach_tree(transaction: Transaction, tree: TreeBuilder | None = None) -> None:
    """Find the transaction's guide and build its loop tree (findings go on the transaction).

    ``tree`` is the tree already built while reading, when there was one guide to build it on.
    """
    match = find_specs(transaction.transaction_set, transaction.version)
    if not match.specs:
        return
    if tree is not None and tree.spec in match.specs:
        spec, root, findings = tree.spec, tree.root, tree.findings
    else:
        spec, root, findings = choose_tree(match.specs, transaction.segments)
    if not match.exact:
        transaction.findings.append(
            Finding(
                Severity.WARNING,
                Level.TRANSACTION,
                "",
                f"no guide {transaction.version!r} for {transaction.transaction_set}: "
                f"read with {spec.version}",
                segment_position=1,
                segment_id="ST",
            )
        )
    transaction.spec = spec
    transaction.root = root
    transaction.findings.extend(findings)


def read(data: str | bytes, source: str = "<string>", *, loops: bool = True) -> X12Document:
    """Read a whole X12 text (``bytes`` are decoded as UTF-8, else Latin-1).

    ``loops=False`` skips the loop trees (envelopes and segments only).
    """
    text, findings = decode(data)
    with gc_paused():
        lexed = lex(text, source)
        document = X12Document(source=source, prefix=lexed.prefix)
        document.findings.extend(findings)
        document.findings.extend(lexed.findings)
        builder = _Builder(document, loops=loops)
        envelope = builder.envelope
        other = builder.other
        for chunk in lexed.chunks:
            d = chunk.delimiters
            e = d.element
            pieces = chunk.pieces
            if chunk.suffixes is None:
                last_d = d
                if chunk.tail != d.suffix:
                    last_d = Delimiters(d.element, d.component, d.repetition, d.segment, chunk.tail)
                # the open transaction's segments, appended to here and placed in its loop
                # tree (``other`` and ``TreeBuilder.add`` inlined)
                segments = builder.transaction.segments if builder.transaction else None
                tree = builder.tree
                for piece in pieces[:-1]:
                    elements = piece.split(e)
                    sid = elements[0]
                    if sid in ENVELOPE:
                        envelope(Segment(elements, 0, d))
                        segments = builder.transaction.segments if builder.transaction else None
                        tree = builder.tree
                    elif segments is not None:
                        seg = Segment(elements, len(segments) + 1, d)
                        segments.append(seg)
                        if tree is None:
                            continue
                        frame = tree.stack[-1]
                        cands = frame.index.forward[frame.cur].get(sid)
                        if cands is not None:
                            cand = cands[0]
                            qualifier = cand.qualifier
                            if not cand.opens and (
                                qualifier is None
                                or (
                                    qualifier[0] < len(elements)
                                    and elements[qualifier[0]] in qualifier[1]
                                )
                            ):
                                frame.cur = cand.last
                                seg.spec = cand.segment
                                frame.loop.segments.append(seg)
                                continue
                        tree.feed(seg)
                    else:
                        other(Segment(elements, 0, d))
                if pieces:
                    seg = Segment(pieces[-1].split(e), 0, last_d)
                    (envelope if seg.elements[0] in ENVELOPE else other)(seg)
            else:
                cache: dict[str, Delimiters] = {d.suffix: d}
                for piece, suffix in zip(pieces, chunk.suffixes, strict=True):
                    seg_d = cache.get(suffix)
                    if seg_d is None:
                        seg_d = Delimiters(d.element, d.component, d.repetition, d.segment, suffix)
                        cache[suffix] = seg_d
                    seg = Segment(piece.split(e), 0, seg_d)
                    (envelope if seg.elements[0] in ENVELOPE else other)(seg)
        builder.finish()
    return document


def read_file(path: str | os.PathLike[str], *, loops: bool = True) -> X12Document:
    """Read an X12 file whole (see ``iter_transactions`` for files too large for memory)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise X12Error(f"cannot read the file: {exc.strerror}", source=str(file)) from exc
    return read(data, str(file), loops=loops)


def iter_transactions(
    source: str | os.PathLike[str] | BinaryIO, *, loops: bool = True, chunk_size: int = 1 << 20
) -> Iterator[Transaction]:
    """Transaction sets one at a time, from a path or a binary stream, in bounded memory.

    Each transaction comes with its ``group`` (whose ``interchange`` is set); the group's own
    ``transactions`` list stays empty, and its envelope findings (GE counts) are added when
    its GE is read, after its transactions were yielded. A transaction cut short by the end of
    the file is yielded too, with its finding.
    """
    if isinstance(source, str | os.PathLike):
        name = str(source)
        try:
            stream: BinaryIO = open(source, "rb")  # noqa: SIM115 closed below
        except OSError as exc:
            raise X12Error(f"cannot read the file: {exc.strerror}", source=name) from exc
    else:
        stream = source
        name = getattr(source, "name", "<stream>")
    try:
        builder = _Builder(X12Document(source=str(name)), keep=False, loops=loops)
        for piece, delimiters in iter_pieces(stream, chunk_size, str(name)):
            seg = Segment(piece.split(delimiters.element), 0, delimiters)
            if seg.elements[0] in ENVELOPE:
                done = builder.envelope(seg)
                if done is not None:
                    yield done
            else:
                builder.other(seg)
        last = builder.finish()
        if last is not None:
            yield last
    finally:
        if stream is not source:
            stream.close()


CLAIM_LOOPS = {"835": "2100", "837": "2300"}  # the loop that holds one claim, per ST01


@dataclass(slots=True)
class ClaimUnit:
    """One claim streamed from an 835 (loop 2100, CLP, with its 2110 service lines) or an
    837 (loop 2300, CLM, with its 2400 lines), with its context.

    ``ancestors`` are the loops that enclose the claim, outermost (the transaction's root,
    with the 835's BPR/TRN and payer/payee loops, or the 837's submitter and receiver) first,
    down to the claim's parent (the 835's 2000 LX, the 837's 2000B subscriber or 2000C
    patient HL loop, under the 2000A billing provider). They are snapshots: their segments
    as read so far and their child loops other than claims and claim-bearing loops.
    """

    transaction_set: str
    version: str
    control_number: str  # ST02
    group_control_number: str  # GS06
    interchange_control_number: str  # ISA13
    loop: Loop
    ancestors: list[Loop]
    findings: list[Finding]

    def ancestor(self, loop_id: str) -> Loop | None:
        """The nearest enclosing loop ``loop_id`` (e.g. "2000A", "1000A" under the root)."""
        for loop in reversed(self.ancestors):
            if loop.id == loop_id:
                return loop
            for child in loop.loops:
                if child.id == loop_id:
                    return child
        return None


def _claim_bearing(spec: LoopSpec, claim_id: str) -> set[int]:
    """ids of the loop specs that are, or contain, the claim loop."""
    found: set[int] = set()

    def visit(loop: LoopSpec) -> bool:
        bears = loop.id == claim_id
        for child in loop.children:
            if isinstance(child, LoopSpec) and visit(child):
                bears = True
        if bears:
            found.add(id(loop))
        return bears

    visit(spec)
    return found


class _ClaimStream:
    """Feeds one transaction's segments to a tree builder, cutting claims out as they end."""

    def __init__(self, spec: TransactionSpec, st: Segment, context: tuple[str, str]) -> None:
        self.spec = spec
        self.builder = TreeBuilder(spec, st)
        self.claim_id = CLAIM_LOOPS[spec.transaction_set]
        self.bearing = _claim_bearing(spec.root, self.claim_id)
        self.context = context
        self.st = st
        self.version = st.get(3) or ""
        self.current: Loop | None = None
        self.depth = 0  # where the current claim's frame is on the builder's stack

    def feed(self, seg: Segment) -> ClaimUnit | None:
        self.builder.add(seg)
        done = None
        stack = self.builder.stack
        current = self.current
        if current is not None:
            # the stack only loses its top frames and gains new ones: the claim is still
            # open while its frame is where it was
            depth = self.depth
            if depth < len(stack) and stack[depth].loop is current:
                return None
            done = self._cut(current)
            self.current = None
        for depth, frame in enumerate(stack):
            if frame.loop.id == self.claim_id:
                self.current = frame.loop
                self.depth = depth
                break
        return done

    def finish(self) -> ClaimUnit | None:
        if self.current is None:
            return None
        done = self._cut(self.current)
        self.current = None
        return done

    def _cut(self, claim: Loop) -> ClaimUnit:
        """Detach a finished claim (and closed claim-bearing loops) from the tree."""
        ancestors: list[Loop] = []
        open_loops = {id(frame.loop) for frame in self.builder.stack}
        chain = self._path_to(claim)
        in_chain = {id(loop) for loop in chain}
        bearing = self.bearing
        for loop in chain:
            loop.loops = [
                child
                for child in loop.loops
                if child is not claim
                and (
                    id(child.spec) not in bearing
                    or id(child) in open_loops
                    or id(child) in in_chain
                )
            ]
            context = [child for child in loop.loops if id(child.spec) not in bearing]
            ancestors.append(Loop(loop.id, loop.spec, list(loop.segments), context))
        findings = list(self.builder.findings)
        self.builder.findings.clear()
        return ClaimUnit(
            self.spec.transaction_set,
            self.version,
            self.st.get(2),
            self.context[0],
            self.context[1],
            claim,
            ancestors,
            findings,
        )

    def _path_to(self, claim: Loop) -> list[Loop]:
        path: list[Loop] = []

        def visit(loop: Loop) -> bool:
            for child in loop.loops:
                if child is claim or visit(child):
                    path.append(loop)
                    return True
            return False

        visit(self.builder.root)
        path.reverse()
        return path


def iter_claims(
    source: str | os.PathLike[str] | BinaryIO, *, chunk_size: int = 1 << 20
) -> Iterator[ClaimUnit]:
    """Claims of 835 and 837 transaction sets one at a time, in bounded memory whatever the
    file size (other transaction sets are skipped). Envelope counts are not checked here:
    ``iter_transactions`` and ``validate`` do that."""
    if isinstance(source, str | os.PathLike):
        name = str(source)
        try:
            stream: BinaryIO = open(source, "rb")  # noqa: SIM115 closed below
        except OSError as exc:
            raise X12Error(f"cannot read the file: {exc.strerror}", source=name) from exc
    else:
        stream = source
        name = getattr(source, "name", "<stream>")
    isa13 = gs06 = gs08 = ""
    claims: _ClaimStream | None = None
    position = 0
    try:
        for piece, delimiters in iter_pieces(stream, chunk_size, str(name)):
            seg = Segment(piece.split(delimiters.element), 0, delimiters)
            sid = seg.elements[0]
            if sid == "ST":
                position = 1
                seg.position = 1
                spec = None
                if seg.get(1) in CLAIM_LOOPS:
                    match = find_specs(seg.get(1), seg.get(3) or gs08)
                    spec = match.specs[0] if match.specs else None
                claims = _ClaimStream(spec, seg, (gs06, isa13)) if spec is not None else None
                if claims is not None and not claims.version:
                    claims.version = gs08
                continue
            if sid == "ISA":
                isa13 = seg.get(13)
            elif sid == "GS":
                gs06, gs08 = seg.get(6), seg.get(8)
            if claims is None:
                continue
            position += 1
            seg.position = position
            if sid == "SE":
                done = claims.finish()
                claims = None
                if done is not None:
                    yield done
                continue
            done = claims.feed(seg)
            if done is not None:
                yield done
        if claims is not None:
            done = claims.finish()
            if done is not None:
                yield done
    finally:
        if stream is not source:
            stream.close()
