"""``finclear x12``: parse, validate, pretty-print and measure X12 files."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from finclear.x12.document import Transaction, X12Document
from finclear.x12.errors import Finding, X12Error
from finclear.x12.reader import CLAIM_LOOPS, read_file
from finclear.x12.specs.registry import all_specs
from finclear.x12.tree import Loop
from finclear.x12.validate import ValidationReport, validate

FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="An X12 file.")
ACK = typer.Option(None, "--ack", help="Write a 999 acknowledgment to this file.")
JSON = typer.Option(False, "--json", help="Print the parsed document as JSON.")


def _load(path: Path) -> X12Document:
    try:
        return read_file(path)
    except X12Error as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "severity": finding.severity.value,
        "level": finding.level.value,
        "code": finding.code,
        "segment_position": finding.segment_position,
        "segment_id": finding.segment_id,
        "element_position": finding.element_position,
        "component": finding.component,
        "loop_id": finding.loop_id,
        "message": finding.message,
    }


def _loop_json(loop: Loop) -> dict[str, Any]:
    return {
        "loop": loop.id,
        "segments": [seg.elements for seg in loop.segments],
        "loops": [_loop_json(child) for child in loop.loops],
    }


def _transaction_json(tx: Transaction) -> dict[str, Any]:
    return {
        "transaction_set": tx.transaction_set,
        "control_number": tx.control_number,
        "version": tx.version,
        "guide": tx.spec.name if tx.spec else None,
        "tree": _loop_json(tx.root) if tx.root is not None else None,
        "segments": None if tx.root is not None else [seg.elements for seg in tx.segments],
        "findings": [_finding_json(f) for f in tx.findings],
    }


def document_json(doc: X12Document) -> dict[str, Any]:
    return {
        "source": doc.source,
        "findings": [_finding_json(f) for f in doc.findings],
        "interchanges": [
            {
                "control_number": ic.control_number,
                "isa": ic.isa.elements,
                "findings": [_finding_json(f) for f in ic.findings],
                "groups": [
                    {
                        "functional_id": g.functional_id,
                        "control_number": g.control_number,
                        "version": g.version,
                        "findings": [_finding_json(f) for f in g.findings],
                        "transactions": [_transaction_json(t) for t in g.transactions],
                    }
                    for g in ic.groups
                ],
            }
            for ic in doc.interchanges
        ],
    }


def count_claims(doc: X12Document) -> int:
    total = 0
    for tx in doc.transactions():
        claim_id = CLAIM_LOOPS.get(tx.transaction_set)
        if claim_id and tx.root is not None:
            total += sum(1 for loop in tx.root.walk() if loop.id == claim_id)
    return total


def _print_report(report: ValidationReport) -> None:
    for finding in report.all_findings():
        typer.echo(finding.describe())
    for group in report.groups():
        typer.echo(
            f"group {group.control_number} ({group.functional_id}): {group.ack_code}, "
            f"{group.accepted_count} of {group.received} transaction sets accepted"
        )
    typer.echo("valid" if report.valid else f"invalid: {len(report.errors)} errors")


def _write_ack(doc: X12Document, report: ValidationReport, out: Path) -> None:
    from finclear.x12.acks import build_999
    from finclear.x12.build.envelope import Envelope, SequentialControlNumbers, build_interchange

    interchange = doc.interchanges[0] if doc.interchanges else None
    if interchange is None:
        raise typer.BadParameter("no interchange to acknowledge")
    isa = interchange.isa
    envelope = Envelope(
        sender_id=isa.get(8).strip() or "FINCLEAR",
        receiver_id=isa.get(6).strip() or "UNKNOWN",
        sender_qualifier=isa.get(7) or "ZZ",
        receiver_qualifier=isa.get(5) or "ZZ",
        created=datetime.now(UTC),
        usage=isa.get(15) or "P",
    )
    acks = [
        build_999(group, f"{n:04d}", envelope.delimiters)
        for n, group in enumerate(report.groups(), 1)
    ]
    out.write_text(build_interchange(envelope, acks, SequentialControlNumbers()))


def register(app: typer.Typer) -> None:
    x12 = typer.Typer(help="Read, validate and inspect X12 5010 files.", no_args_is_help=True)
    app.add_typer(x12, name="x12")

    @x12.command(help="Parse a file: a summary, or the whole loop tree with --json.")
    def parse(
        path: Path = FILE,
        as_json: bool = JSON,
    ) -> None:
        doc = _load(path)
        if as_json:
            typer.echo(json.dumps(document_json(doc), indent=1))
            return
        for ic in doc.interchanges:
            typer.echo(f"interchange {ic.control_number}")
            for group in ic.groups:
                typer.echo(f"  group {group.control_number} {group.functional_id} {group.version}")
                for tx in group.transactions:
                    guide = tx.spec.name if tx.spec else "no guide"
                    typer.echo(
                        f"    {tx.transaction_set} {tx.control_number}: "
                        f"{len(tx.segments)} segments ({guide})"
                    )
        for finding in doc.all_findings():
            typer.echo(finding.describe())

    @x12.command(name="validate", help="Validate (SNIP 1-2); exit 0 only when the file is valid.")
    def validate_file(path: Path = FILE, ack: Path | None = ACK) -> None:
        doc = _load(path)
        report = validate(doc)
        _print_report(report)
        if ack is not None:
            _write_ack(doc, report, ack)
            typer.echo(f"999 written to {ack}")
        raise typer.Exit(0 if report.valid else 1)

    @x12.command(help="Print the segments indented by loop.")
    def pretty(path: Path = FILE) -> None:
        doc = _load(path)
        for ic in doc.interchanges:
            d = ic.delimiters
            typer.echo(d.element.join(ic.isa.elements))
            for group in ic.groups:
                typer.echo("  " + d.element.join(group.gs.elements))
                for tx in group.transactions:
                    _pretty_transaction(tx, d.element)
                if group.ge is not None:
                    typer.echo("  " + d.element.join(group.ge.elements))
            if ic.iea is not None:
                typer.echo(d.element.join(ic.iea.elements))

    @x12.command(help="Counts and parse time.")
    def stats(path: Path = FILE) -> None:
        size = path.stat().st_size
        all_specs()  # load the guides before timing the parse
        start = time.perf_counter()
        doc = _load(path)
        seconds = time.perf_counter() - start
        groups = sum(len(ic.groups) for ic in doc.interchanges)
        transactions = sum(1 for _ in doc.transactions())
        typer.echo(f"bytes         {size}")
        typer.echo(f"interchanges  {len(doc.interchanges)}")
        typer.echo(f"groups        {groups}")
        typer.echo(f"transactions  {transactions}")
        typer.echo(f"segments      {doc.segment_count}")
        typer.echo(f"claims        {count_claims(doc)}")
        typer.echo(f"findings      {sum(1 for _ in doc.all_findings())}")
        rate = size / seconds / 1e6 if seconds else 0.0
        typer.echo(f"parse time    {seconds:.3f} s ({rate:.1f} MB/s)")


def _pretty_transaction(tx: Transaction, element: str) -> None:
    """The segments in file order, indented by the depth of their loop, each loop named."""
    where: dict[int, tuple[int, Loop]] = {}

    def visit(loop: Loop, depth: int) -> None:
        for seg in loop.segments:
            where[id(seg)] = (depth, loop)
        for child in loop.loops:
            visit(child, depth + 1)

    if tx.root is not None:
        visit(tx.root, 0)
    current: Loop | None = None
    for seg in tx.segments:
        depth, loop = where.get(id(seg), (0, None))
        pad = "    " + "  " * depth
        if loop is not None and loop is not current and loop.segments and loop.segments[0] is seg:
            typer.echo(f"{pad}[{loop.id}] {loop.spec.name if loop.spec else ''}".rstrip())
        current = loop
        typer.echo(f"{pad}  {element.join(seg.elements)}")
