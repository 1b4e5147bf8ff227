"""The one generic loop parser: flat segments + a ``TransactionSpec`` -> a ``Loop`` tree.

It walks the segments in file order with a stack of open loops. Each segment is placed,
in this order of preference:

1. forward in the innermost open loop, or else in an enclosing one (closing the loops
   above it), on a child whose segment ID and ``qualifier`` match; a child loop whose
   trigger segment matches opens a new instance of that loop (HL loops are told apart by
   their HL03 level code the same way);
2. the same on the segment ID alone (a wrong qualifier is the validator's to report);
3. backward in an open loop: kept there, reported as out of order (IK304 7);
4. otherwise kept in the innermost loop without a spec, reported as unexpected (IK304 2),
   not in the transaction set (6) or unrecognized (1).

Nothing raises: every segment ends up in the tree exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from finclear.x12.errors import Finding, Level, Severity
from finclear.x12.specs.model import LoopSpec, SegmentSpec, TransactionSpec, Usage
from finclear.x12.tree import Loop, Segment

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A child of a loop that a segment with a given ID can go to."""

    index: int  # the child's position in the loop's children
    path: tuple[int, ...]  # child indices from the child down to the segment spec
    segment: SegmentSpec  # the spec the segment gets
    qualifier: tuple[int, frozenset[str]] | None
    composite: bool  # the qualifier is the first component of a composite element (HI01-1)
    opens: tuple[tuple[int, LoopSpec, _LoopIndex], ...]  # loops the path opens, outermost first
    last: int  # the segment's position among the children of the innermost loop


class _LoopIndex:
    """Per loop spec, worked out once: for each segment ID, the children that can take it.

    ``forward[cur]`` maps a segment ID to the candidates at or after child ``cur`` (and
    after the trigger): the parser looks a segment up there in one step.
    """

    __slots__ = ("by_id", "first", "forward", "spec")

    def __init__(self, spec: LoopSpec) -> None:
        self.spec = spec
        # a loop whose first child is a segment: that trigger opens a new instance instead
        self.first = 1 if spec.children and isinstance(spec.children[0], SegmentSpec) else 0
        self.by_id: dict[str, list[_Candidate]] = {}
        for i, child in enumerate(spec.children):
            entries: list[tuple[tuple[int, ...], SegmentSpec]]
            if isinstance(child, SegmentSpec):
                entries = [((i,), child)]
            else:
                entries = [((i, *path), seg) for path, seg in _entries(child)]
            for path, seg in entries:
                candidate = _Candidate(
                    i, path, seg, seg.qualifier, _composite(seg), _opens(spec, path), path[-1]
                )
                self.by_id.setdefault(seg.id, []).append(candidate)
        self.forward: list[dict[str, tuple[_Candidate, ...]]] = []
        for cur in range(len(spec.children) + 1):
            low = max(cur, self.first)
            table: dict[str, tuple[_Candidate, ...]] = {}
            for seg_id, cands in self.by_id.items():
                after = tuple(cand for cand in cands if cand.index >= low)
                if after:
                    table[seg_id] = after
            self.forward.append(table)


def _composite(seg: SegmentSpec) -> bool:
    if seg.qualifier is None:
        return False
    pos = seg.qualifier[0]
    return 0 < pos <= len(seg.elements) and bool(seg.elements[pos - 1].components)


def _opens(spec: LoopSpec, path: tuple[int, ...]) -> tuple[tuple[int, LoopSpec, _LoopIndex], ...]:
    """The loops that placing a segment at ``path`` below ``spec`` opens, with their indexes."""
    opened: list[tuple[int, LoopSpec, _LoopIndex]] = []
    loop = spec
    for step in path[:-1]:
        child = loop.children[step]
        assert isinstance(child, LoopSpec)
        opened.append((step, child, _index(child)))
        loop = child
    return tuple(opened)


def _entries(loop: LoopSpec) -> list[tuple[tuple[int, ...], SegmentSpec]]:
    """The segments that can begin an instance of ``loop``, with their paths inside it."""
    first = loop.children[0] if loop.children else None
    if isinstance(first, SegmentSpec):
        return [((0,), first)]
    found: list[tuple[tuple[int, ...], SegmentSpec]] = []
    for i, child in enumerate(loop.children):
        if isinstance(child, SegmentSpec):
            found.append(((i,), child))
        else:
            found.extend(((i, *path), seg) for path, seg in _entries(child))
        if child.usage is Usage.REQUIRED:
            break
    return found


_INDEXES: dict[int, _LoopIndex] = {}
_SEGMENT_IDS: dict[int, frozenset[str]] = {}


def _index(spec: LoopSpec) -> _LoopIndex:
    found = _INDEXES.get(id(spec))
    if found is None or found.spec is not spec:
        found = _INDEXES[id(spec)] = _LoopIndex(spec)
    return found


def segment_ids(spec: TransactionSpec) -> frozenset[str]:
    """Every segment ID the guide uses."""
    found = _SEGMENT_IDS.get(id(spec))
    if found is None:
        ids: set[str] = set()
        stack: list[LoopSpec] = [spec.root]
        while stack:
            loop = stack.pop()
            for child in loop.children:
                if isinstance(child, SegmentSpec):
                    ids.add(child.id)
                else:
                    stack.append(child)
        found = _SEGMENT_IDS[id(spec)] = frozenset(ids)
    return found


class _Frame:
    """An open loop: its index and ``cur``, the child it has reached."""

    __slots__ = ("cur", "index", "loop")

    def __init__(self, loop: Loop, index: _LoopIndex, cur: int) -> None:
        self.loop = loop
        self.index = index
        self.cur = cur


def _qualified(cand: _Candidate, seg: Segment) -> bool:
    qualifier = cand.qualifier
    if qualifier is None:
        return True
    pos, values = qualifier
    elements = seg.elements
    if pos >= len(elements):
        return False
    if cand.composite:
        return elements[pos].split(seg.delimiters.component, 1)[0] in values
    return elements[pos] in values


def _backward(frame: _Frame, seg: Segment) -> _Candidate | None:
    cands = frame.index.by_id.get(seg.elements[0])
    if cands is None:
        return None
    for cand in cands:
        if frame.index.first <= cand.index < frame.cur and _qualified(cand, seg):
            return cand
    return None


def _place(stack: list[_Frame], depth: int, cand: _Candidate, seg: Segment) -> None:
    """Put ``seg`` at ``cand`` of the frame at ``depth``, closing the frames above it and
    opening the loops on the candidate's path."""
    del stack[depth + 1 :]
    frame = stack[depth]
    for step, child, index in cand.opens:
        frame.cur = step
        loop = Loop(child.id, child, [], [])
        frame.loop.loops.append(loop)
        frame = _Frame(loop, index, 0)
        stack.append(frame)
    frame.cur = cand.last
    seg.spec = cand.segment
    frame.loop.segments.append(seg)


class TreeBuilder:
    """Builds a transaction's loop tree one segment at a time (``build_tree`` feeds it a
    whole list; the claim streamer feeds it from a file and prunes what it has yielded).

    ``stack`` holds the open loops, outermost (the root) first.
    """

    __slots__ = ("findings", "ids", "root", "spec", "stack")

    def __init__(self, spec: TransactionSpec, first: Segment) -> None:
        self.spec = spec
        self.findings: list[Finding] = []
        root_spec = spec.root
        self.root = Loop(root_spec.id, root_spec, [], [])
        self.stack = [_Frame(self.root, _index(root_spec), 0)]
        self.ids = segment_ids(spec)
        if root_spec.children and isinstance(root_spec.children[0], SegmentSpec):
            first.spec = root_spec.children[0]
        self.root.segments.append(first)

    def open_loops(self) -> list[Loop]:
        return [frame.loop for frame in self.stack]

    def add(self, seg: Segment) -> None:
        """Place ``seg``: the common case (the innermost loop's first candidate takes it, about
        two segments in three in an 835) inline, else ``feed``."""
        frame = self.stack[-1]
        elements = seg.elements
        cands = frame.index.forward[frame.cur].get(elements[0])
        if cands is not None:
            cand = cands[0]
            qualifier = cand.qualifier
            if not cand.opens and (
                qualifier is None
                or (qualifier[0] < len(elements) and elements[qualifier[0]] in qualifier[1])
            ):
                frame.cur = cand.last
                seg.spec = cand.segment
                frame.loop.segments.append(seg)
                return
        self.feed(seg)

    def feed(self, seg: Segment) -> None:
        stack = self.stack
        elements = seg.elements
        sid = elements[0]
        top = len(stack) - 1
        # forward, on the segment ID and qualifier: the innermost open loop that has a place
        fallback = -1
        for depth in range(top, -1, -1):
            frame = stack[depth]
            cands = frame.index.forward[frame.cur].get(sid)
            if cands is None:
                continue
            for cand in cands:
                qualifier = cand.qualifier
                if (
                    qualifier is None
                    or (qualifier[0] < len(elements) and elements[qualifier[0]] in qualifier[1])
                    or (cand.composite and _qualified(cand, seg))
                ):
                    if depth == top and not cand.opens:
                        frame.cur = cand.last
                        seg.spec = cand.segment
                        frame.loop.segments.append(seg)
                    else:
                        _place(stack, depth, cand, seg)
                    return
            if fallback < 0:
                fallback = depth
        if fallback >= 0:
            # forward on the segment ID alone: a wrong qualifier is the validator's to report
            frame = stack[fallback]
            _place(stack, fallback, frame.index.forward[frame.cur][sid][0], seg)
            return
        self._misplaced(seg)

    def _misplaced(self, seg: Segment) -> None:
        """A segment with no place ahead: out of order in an open loop, or unexpected."""
        stack = self.stack
        top = len(stack) - 1
        for depth in range(top, -1, -1):
            frame = stack[depth]
            cand = _backward(frame, seg)
            if cand is not None:
                cur = frame.cur
                _place(stack, depth, cand, seg)
                if len(stack) == depth + 1:
                    frame.cur = cur  # a stray segment does not move the loop on
                message = "segment out of order in its loop"
                self.findings.append(_segment_finding(seg, "7", message, stack[-1].loop.id))
                return
        seg.spec = None
        loop = stack[-1].loop
        loop.segments.append(seg)
        sid = seg.elements[0]
        if sid in self.ids:
            code, message = "2", f"unexpected segment: the guide has no {sid} here"
        elif SEGMENT_ID.fullmatch(sid):
            code, message = "6", f"segment {sid} is not in the {self.spec.transaction_set} guide"
        else:
            code, message = "1", f"unrecognized segment ID {sid[:10]!r}"
        self.findings.append(_segment_finding(seg, code, message, loop.id))


def build_tree(spec: TransactionSpec, segments: Sequence[Segment]) -> tuple[Loop, list[Finding]]:
    """The loop tree of one transaction set (``segments`` from ST to SE, in file order).

    Assigns each segment's ``spec`` (None for a segment the guide has no place for).
    """
    if not segments:
        return Loop(spec.root.id, spec.root), []
    builder = TreeBuilder(spec, segments[0])
    add = builder.add
    for seg in segments[1:]:
        add(seg)
    return builder.root, builder.findings


def _segment_finding(seg: Segment, code: str, message: str, loop_id: str) -> Finding:
    return Finding(
        Severity.ERROR,
        Level.SEGMENT,
        code,
        message,
        segment_position=seg.position or None,
        segment_id=seg.elements[0][:3],
        loop_id=loop_id,
    )


def _code_mismatches(segments: Sequence[Segment]) -> int:
    """How many coded elements hold values their spec does not list."""
    count = 0
    for seg in segments:
        if seg.spec is None:
            count += 1
            continue
        for element in seg.spec.elements:
            if element.codes and element.pos < len(seg.elements):
                value = seg.elements[element.pos]
                if value and value not in element.codes:
                    count += 1
    return count


def choose_tree(
    specs: Sequence[TransactionSpec], segments: Sequence[Segment]
) -> tuple[TransactionSpec, Loop, list[Finding]]:
    """Build the tree with each candidate guide (278 request and response share ST01 and
    version) and keep the one that fits best: fewest structural findings, then fewest
    code values it does not list."""
    best: tuple[tuple[int, int], TransactionSpec, Loop, list[Finding]] | None = None
    for spec in specs:
        root, findings = build_tree(spec, segments)
        score = (len(findings), _code_mismatches(segments) if len(specs) > 1 else 0)
        if best is None or score < best[0]:
            best = (score, spec, root, findings)
    assert best is not None, "choose_tree needs at least one spec"
    _, spec, root, findings = best
    if spec is not specs[-1]:
        root, findings = build_tree(spec, segments)  # reassign the segments' specs
    return spec, root, findings
