"""Generate finclear's X12 guide specs from pyx12's XML maps (run by a maintainer).

pyx12 (BSD-3-Clause) ships XML maps of the 5010 implementation guides. This script reads
them at build time and writes one ``finclear.x12.specs`` module per guide, in the
declarative model of ``finclear.x12.specs.model``; the generated modules are checked in,
and the application never imports pyx12 (a test dependency only). See
``docs/adr/0001-x12-guide-specs.md``.

Regenerate (from the repository root, with pyx12 installed in the virtualenv)::

    .venv/bin/python tools/gen_specs_from_pyx12.py            # rewrite the modules
    .venv/bin/python tools/gen_specs_from_pyx12.py --check    # exit 1 if any is stale
    .venv/bin/python tools/gen_specs_from_pyx12.py --out DIR  # write elsewhere

Where pyx12's map disagrees with the guide, the guide wins through ``CORRECTIONS`` below:
each entry names the place, what pyx12 says (checked, so a changed map is noticed), what
the guide says and why. Never hand-edit the generated files.

What is taken from a map: loops (wrapper loops flattened; pyx12's ``HEADER``/``DETAIL``/
``FOOTER`` are table boundaries, not guide loops), segments (usage, max use, syntax notes),
elements and composites (usage, type and lengths from ``dataele.xml``, code lists,
repeats). A segment gets a ``qualifier`` when a sibling (or a sibling loop's trigger) has
the same segment ID: the identifying element is found the way pyx12 finds it (element 01
when it is a required ID with codes, HL03 for HL, else the first component of composite 01).
A qualifier on a composite element matches that composite's first component (``HI01-1``).
Code lists that pyx12 keeps outside the map (``external``: states, countries, RARC, claim
status...) are not embedded: they change often and belong to ``finclear.codes``; the
element carries a comment naming the list.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "finclear" / "x12" / "specs"

# Loops that are pyx12 scaffolding, not guide loops: their children are lifted into the parent.
WRAPPER_LOOPS = {"HEADER", "DETAIL", "FOOTER"}


@dataclass(frozen=True)
class Guide:
    key: str
    module: str
    map_file: str
    transaction_set: str
    version: str
    name: str
    functional_id: str
    aliases: tuple[str, ...] = ()


GUIDES: tuple[Guide, ...] = (
    Guide(
        "835",
        "x221a1_835",
        "835.5010.X221.A1.xml",
        "835",
        "005010X221A1",
        "Health Care Claim Payment/Advice",
        "HP",
        ("005010X221",),
    ),
    Guide(
        "837P",
        "x222a1_837p",
        "837.5010.X222.A1.xml",
        "837",
        "005010X222A1",
        "Health Care Claim: Professional",
        "HC",
        ("005010X222", "005010X222A2"),
    ),
    Guide(
        "837I",
        "x223a2_837i",
        "837Q3.I.5010.X223.A1.xml",  # pyx12 registers this file for 005010X223A2
        "837",
        "005010X223A2",
        "Health Care Claim: Institutional",
        "HC",
        ("005010X223", "005010X223A1", "005010X223A3"),
    ),
    Guide(
        "277",
        "x212_277",
        "277.5010.X212.xml",  # shipped by pyx12 but not registered in its maps.xml
        "277",
        "005010X212",
        "Health Care Claim Status Response",
        "HN",
    ),
    Guide(
        "277CA",
        "x214_277ca",
        "277.5010.X214.xml",
        "277",
        "005010X214",
        "Health Care Claim Acknowledgment",
        "HN",
    ),
    Guide(
        "999",
        "x231a1_999",
        "999.5010X231.A1.xml",
        "999",
        "005010X231A1",
        "Implementation Acknowledgment",
        "FA",
        ("005010X231",),
    ),
)

CONTROL_MAP = "x12.control.00501.xml"
CONTROL_SEGMENTS = ("ISA", "IEA", "GS", "GE", "TA1")


@dataclass(frozen=True)
class Correction:
    """One place where pyx12's map disagrees with the implementation guide.

    ``where`` is the loop path as pyx12 nests it (wrapper loops left out), then the segment
    (``SEG`` or ``SEG:code`` to pick, among same-ID siblings, the one whose first element
    lists ``code``), then optionally an element (``STC02``, or ``STC01-3`` for a component).
    A path with no segment addresses the loop itself. ``attribute`` is ``usage``,
    ``codes`` or ``max_use``.
    """

    guide: str
    where: str
    attribute: str
    pyx12: object
    guide_value: object
    why: str


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "837P",
        "ST/ST03",
        "codes",
        None,
        ("005010X222A1",),
        "X222A1 ST03 Implementation Guide Version Name is 005010X222A1; pyx12's map lists no "
        "code for it, so any value would pass.",
    ),
    # 277CA (X214). Cross-checked against guide-derived models that keep the guide's
    # usage and repeat columns (hippo's HIPAA_277 L2000C/L2200C, OopFactory's Loop_2200C)
    # and against payers' 277CAs in ../shared/x12 (eMedNY), which pyx12 rejects.
    Correction(
        "277CA",
        "2000A/2000B/2000C/2200C",
        "usage",
        "R",
        "S",
        "X214 loop 2200C (Provider of Service Information Trace Identifier) is situational; "
        "hippo's L2000C gives it minimum 0.",
    ),
    Correction(
        "277CA",
        "2000A/2000B/2000C/2000D",
        "usage",
        "R",
        "S",
        "X214 loop 2000D (Patient Level) is situational: a billing provider rejected as a "
        "whole has no claims under it (HL04 = 0 below); hippo's L2000C gives it minimum 0.",
    ),
    Correction(
        "277CA",
        "2000A/2000B/2000C/2100C",
        "max_use",
        None,
        1,
        "X214 loop 2100C (Billing Provider Name) repeats once per provider level; hippo's "
        "L2000C gives it maximum 1.",
    ),
    # 277CA (X214), loop 2200C "Provider of Service Information Trace Identifier".
    Correction(
        "277CA",
        "2000A/2000B/2000C/2200C/STC",
        "usage",
        "R",
        "S",
        "X214 2200C STC (Billing Provider Status Information) is situational: it is sent "
        "when the billing provider itself has a status to report (hippo's L2200C STC "
        "minimum 0; OopFactory's optional list); the eMedNY 277CAs omit it.",
    ),
    Correction(
        "277CA",
        "2000A/2000B/2000C/2200C/STC/STC02",
        "usage",
        "N",
        "R",
        "X214: STC02 Status Information Effective Date is required in every STC of the "
        "277CA; pyx12 itself has it required in 2200B, 2200D and 2220D and 'not used' only "
        "in 2200C, which rejects conforming provider-level statuses.",
    ),
    Correction(
        "277CA",
        "2000A/2000B/2000C/HL/HL04",
        "codes",
        ("1",),
        ("0", "1"),
        "X214 2000C HL04 Hierarchical Child Code: a billing provider rejected at the provider "
        "level has no patient level below it, so HL04 = 0 is valid (hippo's L2000C lists 0 "
        "and 1; imsweb/x12-parser PR #34 made the same fix to its copy of this map).",
    ),
)


@dataclass(frozen=True)
class Move:
    """A structural repair: the loop at ``loop`` (a path below the root) becomes the last
    child of the loop at ``into``."""

    guide: str
    loop: str
    into: str
    why: str


_X212_FLAT = (
    "pyx12's X212 map puts the service provider, subscriber and dependent levels side by "
    "side in wrapper loops; every other map nests each HL level in its parent, as the "
    "HL02 parent links do in a file, so the 277 is nested the same way."
)
MOVES: tuple[Move, ...] = (
    Move("277", "2000C", "2000A/2000B", _X212_FLAT),
    Move("277", "2000D", "2000A/2000B/2000C", _X212_FLAT),
    Move("277", "2000E", "2000A/2000B/2000C/2000D", _X212_FLAT),
)

# pyx12's X212 map closes ST_LOOP before the SE segment (SE sits in a wrapper beside it).
SE_OUTSIDE_ST_LOOP = {"277"}


# ---------------------------------------------------------------------------------------------
# Reading the maps into a small mutable tree


@dataclass
class Elem:
    pos: int
    xid: str
    name: str
    usage: str
    ref: str
    data_type: str = ""
    min_len: int = 1
    max_len: int = 80
    codes: tuple[str, ...] | None = None
    external: str = ""
    repeat: int = 1
    components: list[Elem] = field(default_factory=list)


@dataclass
class Seg:
    id: str
    name: str
    usage: str
    max_use: int | None
    elements: list[Elem]
    syntax: tuple[str, ...]
    qualifier: tuple[int, tuple[str, ...]] | None = None


@dataclass
class Loop:
    id: str
    name: str
    usage: str
    max_use: int | None
    children: list[Seg | Loop]


def find_map_dir() -> Path:
    spec = importlib.util.find_spec("pyx12")
    if spec is None or spec.origin is None:
        raise SystemExit("pyx12 is not installed: install the dev requirements first")
    return Path(spec.origin).parent / "map"


def pyx12_version() -> str:
    return importlib.metadata.version("pyx12")


def _text(node: ET.Element, name: str) -> str:
    value = node.get(name)
    if value is None:
        value = node.findtext(name)
    return (value or "").strip()


def _max(value: str) -> int | None:
    value = value.strip()
    if value in ("", ">1"):
        return None if value == ">1" else 1
    return int(value)


def read_data_elements(map_dir: Path) -> dict[str, tuple[str, int, int]]:
    root = ET.parse(map_dir / "dataele.xml").getroot()
    return {
        node.get("ele_num", ""): (
            node.get("data_type", ""),
            int(node.get("min_len", "1")),
            int(node.get("max_len", "1")),
        )
        for node in root.iter("data_ele")
    }


class MapReader:
    def __init__(self, data_elements: dict[str, tuple[str, int, int]]) -> None:
        self.data_elements = data_elements

    def element(self, node: ET.Element) -> Elem:
        ref = _text(node, "data_ele")
        elem = Elem(
            pos=int(_text(node, "seq")),
            xid=node.get("xid", ""),
            name=_text(node, "name"),
            usage=_text(node, "usage"),
            ref=ref,
        )
        if node.tag == "composite":
            repeat = _text(node, "repeat")
            elem.repeat = int(repeat) if repeat else 1
            elem.components = [self.element(child) for child in node.findall("element")]
            elem.components.sort(key=lambda c: c.pos)
            return elem
        if ref not in self.data_elements:
            raise SystemExit(f"data element {ref} of {elem.xid} is not in dataele.xml")
        elem.data_type, elem.min_len, elem.max_len = self.data_elements[ref]
        repeat = _text(node, "repeat")
        elem.repeat = int(repeat) if repeat else 1
        valid = node.find("valid_codes")
        if valid is not None:
            elem.external = valid.get("external", "")
            codes = [(code.text or "").strip() for code in valid.findall("code")]
            if codes:
                elem.codes = tuple(codes)
        return elem

    def segment(self, node: ET.Element) -> Seg:
        parts = [self.element(child) for child in node if child.tag in ("element", "composite")]
        parts.sort(key=lambda e: e.pos)
        syntax = tuple((s.text or "").strip() for s in node.findall("syntax"))
        return Seg(
            id=node.get("xid", ""),
            name=_text(node, "name"),
            usage=_text(node, "usage"),
            max_use=_max(_text(node, "max_use")),
            elements=parts,
            syntax=tuple(s for s in syntax if s),
        )

    def children(self, node: ET.Element) -> list[Seg | Loop]:
        out: list[Seg | Loop] = []
        for child in node:
            if child.tag == "segment":
                out.append(self.segment(child))
            elif child.tag == "loop":
                if child.get("xid", "") in WRAPPER_LOOPS or child.get("type") == "wrapper":
                    out.extend(self.children(child))
                else:
                    out.append(self.loop(child))
        return out

    def loop(self, node: ET.Element) -> Loop:
        return Loop(
            id=node.get("xid", ""),
            name=_text(node, "name"),
            usage=_text(node, "usage"),
            max_use=_max(_text(node, "repeat")),
            children=self.children(node),
        )


def find_loop(node: ET.Element, xid: str) -> ET.Element:
    for loop in node.iter("loop"):
        if loop.get("xid") == xid:
            return loop
    raise SystemExit(f"loop {xid} not found")


def read_transaction(map_dir: Path, guide: Guide, reader: MapReader) -> Loop:
    root = ET.parse(map_dir / guide.map_file).getroot()
    st_loop = reader.loop(find_loop(root, "ST_LOOP"))
    tree = Loop("ST", "Transaction Set", "R", 1, st_loop.children)
    last = tree.children[-1]
    if not (isinstance(last, Seg) and last.id == "SE"):
        if guide.key not in SE_OUTSIDE_ST_LOOP:
            raise SystemExit(f"{guide.map_file}: ST_LOOP does not end with SE")
        se = next(node for node in root.iter("segment") if node.get("xid") == "SE")
        tree.children.append(reader.segment(se))
    apply_moves(guide.key, tree)
    required_triggers(tree)
    apply_corrections(guide.key, tree)
    st = st_loop.children[0]
    assert isinstance(st, Seg) and st.id == "ST", guide.map_file
    st03 = next(e for e in st.elements if e.pos == 3)
    if st03.codes is None or guide.version not in st03.codes:
        raise SystemExit(f"{guide.map_file}: ST03 does not list {guide.version}")
    # A file carrying one of the accepted aliases in GS08 carries it in ST03 as well.
    st03.codes = tuple(sorted({*st03.codes, *guide.aliases}))
    return tree


def read_control(map_dir: Path, reader: MapReader) -> dict[str, Seg]:
    root = ET.parse(map_dir / CONTROL_MAP).getroot()
    found = {node.get("xid", ""): reader.segment(node) for node in root.iter("segment")}
    return {seg_id: found[seg_id] for seg_id in CONTROL_SEGMENTS}


# ---------------------------------------------------------------------------------------------
# Repairs and corrections


def apply_moves(guide_key: str, root: Loop) -> None:
    for move in MOVES:
        if move.guide != guide_key:
            continue
        *parent_path, loop_id = move.loop.split("/")
        parent, _, _ = _locate(root, "/".join(parent_path)) if parent_path else (root, None, None)
        found = [c for c in parent.children if isinstance(c, Loop) and c.id == loop_id]
        if len(found) != 1:
            raise SystemExit(f"{guide_key}: loop {move.loop} to move not found")
        target, seg, _ = _locate(root, move.into)
        if seg is not None or target.id != move.into.split("/")[-1]:
            raise SystemExit(f"{guide_key}: loop {move.into} to move into not found")
        parent.children.remove(found[0])
        target.children.append(found[0])


def required_triggers(loop: Loop) -> None:
    """A loop's usage is its own; once the loop is there, its first segment is required.

    pyx12's maps follow that rule (its README: "the first child is then required") but a
    few triggers carry the loop's usage instead (999 2110 IK4).
    """
    for child in loop.children:
        if isinstance(child, Loop):
            _trigger(child).usage = "R"
            required_triggers(child)


def _first_codes(seg: Seg) -> tuple[str, ...]:
    if not seg.elements:
        return ()
    first = seg.elements[0]
    if first.components:
        first = first.components[0]
    return first.codes or ()


def _locate(root: Loop, where: str) -> tuple[Loop, Seg | None, Elem | None]:
    parts = where.split("/")
    loop = root
    index = 0
    while index < len(parts):
        nxt = [c for c in loop.children if isinstance(c, Loop) and c.id == parts[index]]
        if not nxt:
            break
        if len(nxt) > 1:
            raise SystemExit(f"correction path {where}: loop {parts[index]} is ambiguous")
        loop = nxt[0]
        index += 1
    rest = parts[index:]
    if not rest:
        return loop, None, None
    seg_id, _, code = rest[0].partition(":")
    segs = [
        c
        for c in loop.children
        if isinstance(c, Seg) and c.id == seg_id and (not code or code in _first_codes(c))
    ]
    if len(segs) != 1:
        raise SystemExit(f"correction path {where}: {len(segs)} segments match {rest[0]}")
    seg = segs[0]
    if len(rest) == 1:
        return loop, seg, None
    xid, _, component = rest[1].partition("-")
    pos = int(xid[len(seg_id) :])
    elem = next((e for e in seg.elements if e.pos == pos), None)
    if elem is not None and component:
        elem = next((c for c in elem.components if c.pos == int(component)), None)
    if elem is None or len(rest) > 2:
        raise SystemExit(f"correction path {where}: element {rest[1]} not found")
    return loop, seg, elem


def apply_corrections(guide_key: str, root: Loop) -> None:
    for fix in CORRECTIONS:
        if fix.guide != guide_key:
            continue
        loop, seg, elem = _locate(root, fix.where)
        target: Loop | Seg | Elem = elem or seg or loop
        current = getattr(target, fix.attribute)
        if isinstance(current, tuple):
            current = tuple(current)
        if current != fix.pyx12:
            raise SystemExit(
                f"{guide_key} {fix.where} {fix.attribute}: pyx12 now says {current!r}, "
                f"not {fix.pyx12!r}; review the correction"
            )
        setattr(target, fix.attribute, fix.guide_value)


# ---------------------------------------------------------------------------------------------
# Qualifiers: only where siblings share a segment ID


def _identifying(seg: Seg) -> tuple[int, tuple[str, ...]] | None:
    elems = {e.pos: e for e in seg.elements}
    first = elems.get(1)
    if seg.id == "HL":
        hl03 = elems.get(3)
        return (3, hl03.codes) if hl03 is not None and hl03.codes else None
    if first is None:
        return None
    if not first.components:
        if first.data_type == "ID" and first.usage == "R" and first.codes:
            return (1, first.codes)
        return None
    component = first.components[0]
    return (1, component.codes) if component.codes else None


def _heads(loop: Loop) -> list[Seg]:
    """The segments met at this level: own segments and the triggers of child loops."""
    return [c if isinstance(c, Seg) else _trigger(c) for c in loop.children]


def _trigger(loop: Loop) -> Seg:
    first = loop.children[0]
    if not isinstance(first, Seg):
        raise SystemExit(f"loop {loop.id} does not start with a segment")
    return first


def assign_qualifiers(loop: Loop, warnings: list[str], path: str = "") -> None:
    here = f"{path}/{loop.id}" if path else loop.id
    heads = _heads(loop)
    counts: dict[str, int] = {}
    for seg in heads:
        counts[seg.id] = counts.get(seg.id, 0) + 1
    for seg in heads:
        if counts[seg.id] > 1:
            seg.qualifier = _identifying(seg)
            if seg.qualifier is None:
                warnings.append(f"{here}: {seg.id} repeats among siblings without a qualifier")
    for child in loop.children:
        if isinstance(child, Loop):
            assign_qualifiers(child, warnings, here)


# ---------------------------------------------------------------------------------------------
# Writing Python


USAGE = {"R": "_R", "S": "_S", "N": "_N"}
HEADER = """\
# Generated by tools/gen_specs_from_pyx12.py from pyx12 {pyx12} map {map_file}.
# DO NOT EDIT: fix the generator or its CORRECTIONS table, then regenerate with
#     .venv/bin/python tools/gen_specs_from_pyx12.py
#
# The structure below is derived from pyx12's XML maps, distributed under this notice:
#
"""


def license_notice() -> str:
    dist = importlib.metadata.distribution("pyx12")
    text = ""
    for file in dist.files or ():
        if file.name.upper().startswith("LICENSE"):
            text = Path(str(dist.locate_file(file))).read_text(encoding="utf-8")
            break
    if not text:
        raise SystemExit("pyx12's LICENSE file was not found in its distribution")
    lines = [line.rstrip().replace("\t", "    ") for line in text.strip().splitlines()]
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


class Writer:
    def __init__(self) -> None:
        self.code_sets: dict[tuple[str, ...], str] = {}
        self.code_set_order: list[tuple[str, tuple[str, ...]]] = []
        self.loop_names: dict[int, str] = {}
        self.loop_defs: list[tuple[str, str, str, str]] = []
        self.defined: dict[str, str] = {}

    def codes(self, ref: str, codes: tuple[str, ...]) -> str:
        ordered = tuple(sorted(set(codes)))
        if len(ordered) <= 3:
            return "frozenset({" + ", ".join(repr(c) for c in ordered) + "})"
        if ordered not in self.code_sets:
            base = f"_CODES_{ref or 'X'}"
            taken = {name for name, _ in self.code_set_order}
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            self.code_sets[ordered] = name
            self.code_set_order.append((name, ordered))
        return self.code_sets[ordered]

    def element(self, e: Elem) -> str:
        args = [str(e.pos), repr(e.name), USAGE[e.usage]]
        if e.components:
            args.append('""')
            kwargs = []
            if e.repeat != 1:
                kwargs.append(f"repeat={e.repeat}")
            comps = "".join(self.line(c) for c in e.components)
            kwargs.append(f"components=(\n{comps})")
            if e.ref:
                kwargs.append(f"ref={e.ref!r}")
            return "ElementSpec(" + ", ".join(args + kwargs) + ")"
        args += [repr(e.data_type), str(e.min_len), str(e.max_len)]
        kwargs = []
        if e.codes:
            kwargs.append(f"codes={self.codes(e.ref, e.codes)}")
        if e.repeat != 1:
            kwargs.append(f"repeat={e.repeat}")
        kwargs.append(f"ref={e.ref!r}")
        return "ElementSpec(" + ", ".join(args + kwargs) + ")"

    def line(self, e: Elem) -> str:
        """One element as a line of a tuple, with a comment naming an external code list."""
        if e.external:
            return f"{self.element(e)},  # codes: external list {e.external!r}\n"
        return f"{self.element(e)},\n"

    def segment(self, s: Seg) -> str:
        lines = [f"SegmentSpec(\n{s.id!r},\n{s.name!r},\n{USAGE[s.usage]},\n"]
        if s.max_use != 1:
            lines.append(f"max_use={s.max_use},\n")
        if s.qualifier is not None:
            pos, codes = s.qualifier
            lines.append(f"qualifier=({pos}, {self.codes('Q', codes)}),\n")
        if s.syntax:
            notes = ", ".join(repr(x) for x in s.syntax)
            lines.append(f"syntax=({notes}{',' if len(s.syntax) == 1 else ''}),\n")
        body = "".join(self.line(e) for e in s.elements)
        lines.append(f"elements=(\n{body}),\n)")
        return "".join(lines)

    def loop(self, loop: Loop, parent: str = "") -> str:
        """Define the loop as a module constant (children first); return its name."""
        children = []
        for child in loop.children:
            if isinstance(child, Loop):
                children.append(self.loop(child, loop.id))
            else:
                children.append(self.segment(child))
        body = "".join(f"{c},\n" for c in children)
        max_use = "" if loop.max_use == 1 else f"max_use={loop.max_use},\n"
        head = f"LoopSpec(\n{loop.id!r},\n{loop.name!r},\n{USAGE[loop.usage]},\n{max_use}"
        text = head + body
        base = "ROOT" if loop.id == "ST" else f"LOOP_{loop.id}"
        if self.defined.get(base, text) != text:
            base = f"LOOP_{parent}_{loop.id}"
        name, n = base, 1
        while self.defined.get(name, text) != text:
            n += 1
            name = f"{base}_{n}"
        if name not in self.defined:
            self.defined[name] = text
            self.loop_defs.append((name, loop.id, head, body))
        return name

    def loop_source(self) -> str:
        """The loop constants; children shared by loops that differ only in usage or
        repeat (837 loop 2300 under 2000B and 2000C) are written once."""
        users: dict[str, int] = {}
        for _, _, _, body in self.loop_defs:
            users[body] = users.get(body, 0) + 1
        shared: dict[str, str] = {}
        out = []
        for name, loop_id, head, body in self.loop_defs:
            if users[body] > 1:
                if body not in shared:
                    shared[body] = f"_CHILDREN_{loop_id}"
                    out.append(
                        f"{shared[body]}: tuple[SegmentSpec | LoopSpec, ...] = (\n{body})\n\n"
                    )
                out.append(f"{name} = {head}children={shared[body]},\n)\n\n")
            else:
                out.append(f"{name} = {head}children=(\n{body}),\n)\n\n")
        return "".join(out)

    def code_set_defs(self) -> str:
        return "".join(
            f"{name} = frozenset({{" + ", ".join(repr(c) for c in codes) + "})\n"
            for name, codes in self.code_set_order
        )


def module_source(guide: Guide, root: Loop, map_dir: Path) -> str:
    writer = Writer()
    root_name = writer.loop(root)
    corrections = [c for c in CORRECTIONS if c.guide == guide.key]
    doc = (
        f'"""{guide.transaction_set} {guide.name} ({guide.version}): the guide\'s structure '
        f"as data.\n\nGenerated from pyx12's map {guide.map_file}"
    )
    moves = [m for m in MOVES if m.guide == guide.key]
    if moves:
        doc += ", its HL levels nested as in the other maps ("
        doc += ", ".join(f"``{m.loop}`` into ``{m.into}``" for m in moves) + ")"
    if corrections:
        doc += ", with these corrections to match the guide:\n\n"
        doc += "".join(
            f"* ``{c.where}`` {c.attribute}: pyx12 {c.pyx12!r}, guide {c.guide_value!r}.\n"
            for c in corrections
        )
        doc += '"""\n'
    else:
        doc += '.\n"""\n'
    source = (
        HEADER.format(pyx12=pyx12_version(), map_file=guide.map_file)
        + license_notice()
        + doc
        + "\nfrom __future__ import annotations\n\n"
        + "from finclear.x12.specs.model import (\n"
        + "ElementSpec,\nLoopSpec,\nSegmentSpec,\nTransactionSpec,\nUsage,\n)\n\n"
        + "_R = Usage.REQUIRED\n_S = Usage.SITUATIONAL\n_N = Usage.NOT_USED\n\n"
    )
    source += writer.code_set_defs() + "\n" + writer.loop_source()
    aliases = "".join(f"{a!r}, " for a in guide.aliases)
    source += (
        f"SPEC: TransactionSpec = TransactionSpec(\n"
        f"transaction_set={guide.transaction_set!r},\n"
        f"version={guide.version!r},\n"
        f"name={guide.name!r},\n"
        f"functional_id={guide.functional_id!r},\n"
        f"root={root_name},\n"
        f"aliases=({aliases}),\n"
        f"source={_source(guide.map_file)!r},\n"
        ")\n"
    )
    return source


def _source(map_file: str) -> str:
    return f"pyx12 {pyx12_version()} map {map_file} (BSD-3-Clause), corrected to the guide"


def common_source(segments: dict[str, Seg]) -> str:
    writer = Writer()
    defs = "".join(
        f"{seg_id}: SegmentSpec = {writer.segment(segments[seg_id])}\n\n"
        for seg_id in CONTROL_SEGMENTS
    )
    doc = (
        '"""Envelope segments shared by every guide: ISA/IEA, GS/GE and TA1.\n\n'
        f"Generated from pyx12's map {CONTROL_MAP} (interchange control, version 00501).\n"
        '"""\n'
    )
    return (
        HEADER.format(pyx12=pyx12_version(), map_file=CONTROL_MAP)
        + license_notice()
        + doc
        + "\nfrom __future__ import annotations\n\n"
        + "from finclear.x12.specs.model import ElementSpec, SegmentSpec, Usage\n\n"
        + "_R = Usage.REQUIRED\n_S = Usage.SITUATIONAL\n_N = Usage.NOT_USED\n\n"
        + writer.code_set_defs()
        + "\n"
        + defs
    )


def ruff_format(source: str, filename: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", filename, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"ruff format failed on {filename}:\n{done.stderr}")
    return done.stdout


def build_all() -> tuple[dict[str, str], list[str]]:
    """Every generated file name with its text, and the warnings met on the way."""
    map_dir = find_map_dir()
    reader = MapReader(read_data_elements(map_dir))
    warnings: list[str] = []
    files: dict[str, str] = {}
    for guide in GUIDES:
        root = read_transaction(map_dir, guide, reader)
        guide_warnings: list[str] = []
        assign_qualifiers(root, guide_warnings)
        warnings += [f"{guide.key} {w}" for w in guide_warnings]
        name = f"{guide.module}.py"
        files[name] = ruff_format(module_source(guide, root, map_dir), name)
    files["common.py"] = ruff_format(common_source(read_control(map_dir, reader)), "common.py")
    return files, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("--quiet", action="store_true", help="do not print warnings")
    args = parser.parse_args(argv)
    files, warnings = build_all()
    if not args.quiet:
        for warning in warnings:
            sys.stderr.write(f"warning: {warning}\n")
    if args.check:
        stale = [
            name
            for name, text in files.items()
            if not (args.out / name).exists() or (args.out / name).read_text("utf-8") != text
        ]
        for name in stale:
            sys.stderr.write(f"stale: {args.out / name}\n")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        with tempfile.NamedTemporaryFile("w", dir=args.out, delete=False, encoding="utf-8") as f:
            f.write(text)
        Path(f.name).chmod(0o644)
        Path(f.name).replace(args.out / name)
        sys.stderr.write(f"wrote {args.out / name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
