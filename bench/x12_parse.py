"""X12 parse benchmark: finclear beside its Python peers, on an 835 and an 837P of ~20 MB.

Builds the two files under var/bench/ from the shared samples (their claim loops repeated,
with valid counts and unique claim IDs), then measures every contender in a subprocess of its
own and prints MB/s (wall clock), CPU MB/s (the process's CPU time: less sensitive to other
load on a shared machine) and peak RSS (ru_maxrss of that subprocess). Not a test: figures
depend on the machine and its load; compare ratios within one run. The 837P source sample
writes its HI diagnoses as separate elements, numbers its HL loops and service lines
wrongly and its claim charges do not add up to their lines; the builder repairs them, so both files are valid and validation measures the checking path.

    .venv/bin/python bench/x12_parse.py [--mb 20] [--no-peers] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FINCLEAR_SHARED_X12", ROOT.parent / "shared" / "x12"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared/x12")
OUT = ROOT / "var" / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
LFH_PYTHON = ROOT / ".venv-peers" / "lfh" / "bin" / "python"

SOURCE_835 = "edi-835-parser/tests/test_edi_835_files/emedny_sample.txt"
SOURCE_837P = "imsweb-x12-parser/src/test/resources/837_5010/x12_valid.txt"

sys.path.insert(0, str(ROOT / "src"))

# The files are built in a subprocess of their own: ru_maxrss of a child starts from its
# parent's resident size at fork, so the measuring process must stay small.
from finclear.x12.reader import read  # noqa: E402
from finclear.x12.tree import Delimiters, Segment  # noqa: E402
from finclear.x12.writer import write_segments  # noqa: E402


def _envelope_and_body(path: Path) -> tuple[list[Segment], list[Segment], list[Segment], str]:
    doc = read(path.read_bytes(), str(path), loops=False)
    interchange = doc.interchanges[0]
    group = interchange.groups[0]
    tx = group.transactions[0]
    head = [interchange.isa, group.gs]
    tail = [group.ge, interchange.iea]
    assert tail[0] is not None and tail[1] is not None
    return head, tx.segments, [s for s in tail if s is not None], interchange.delimiters.suffix


def _assemble(head: list[Segment], segments: list[Segment], tail: list[Segment]) -> list[Segment]:
    segments[-1] = Segment(["SE", str(len(segments)), segments[0].get(2)])
    ge, iea = tail
    return [*head, *segments, Segment(["GE", "1", ge.get(2)]), Segment(["IEA", "1", iea.get(2)])]


def build_835(target: int) -> Path:
    """One 835 transaction whose 2100 claim loops are repeated up to ``target`` bytes."""
    head, segments, tail, suffix = _envelope_and_body(SHARED / SOURCE_835)
    first = next(i for i, s in enumerate(segments) if s.id == "CLP")
    end = next(i for i, s in enumerate(segments) if s.id in ("PLB", "SE"))
    header, claims, trailer = segments[:first], segments[first:end], segments[end:]
    block_size = len(write_segments(claims)) + len(claims) * len(suffix)
    copies = max(1, target // block_size)
    body = list(header)
    for n in range(copies):
        for seg in claims:
            elements = list(seg.elements)
            if elements[0] == "CLP":
                elements[1] = f"{elements[1][:24]}{n:08d}"
            body.append(Segment(elements))
    body.extend(trailer)
    return _write("bench_835.x12", _assemble(head, body, tail), suffix)


def build_837p(target: int) -> Path:
    """One 837P transaction whose subscriber (2000B, with its claims) loops are repeated.

    The source sample is repaired on the way (see ``_repair_837p``) so that the file is valid.
    """
    head, segments, tail, suffix = _envelope_and_body(SHARED / SOURCE_837P)
    component = head[0].delimiters.component
    first = next(i for i, s in enumerate(segments) if s.id == "HL" and s.get(3) == "22")
    end = next(
        (i for i, s in enumerate(segments) if i > first and s.id == "HL" and s.get(3) == "20"),
        len(segments) - 1,
    )
    header, block, trailer = segments[:first], segments[first:end], segments[end:]
    block = _balance_claims([_repair_837p(seg, component) for seg in block])
    block_size = len(write_segments(block)) + len(block) * len(suffix)
    copies = max(1, target // block_size)
    billing = next(s.get(1) for s in header if s.id == "HL" and s.get(3) == "20")
    next_id = int(billing) + 1
    body = list(header)
    line = 0
    for n in range(copies):
        for seg in block:
            elements = list(seg.elements)
            if elements[0] == "HL":
                # each subscriber is its own patient: under the billing provider, no children
                elements[1:5] = [str(next_id), billing, "22", "0"]
                next_id += 1
            elif elements[0] == "CLM":
                elements[1] = f"{elements[1][:28]}{n:08d}"
                line = 0
            elif elements[0] == "LX":
                line += 1  # service lines are numbered from 1 within each claim
                elements[1] = str(line)
            body.append(Segment(elements))
    body.extend(trailer)
    return _write("bench_837p.x12", _assemble(head, body, tail), suffix)


def _balance_claims(segments: list[Segment]) -> list[Segment]:
    """CLM02, the claim's charge, set to the sum of its lines' SV102 (the guide's rule; the
    sample's claims do not add up)."""
    out = list(segments)
    clm_at = None
    for i, seg in enumerate([*out, Segment(["HL"])]):
        if seg.id in ("CLM", "HL") and clm_at is not None:
            lines = [s for s in out[clm_at:i] if s.id == "SV1"]
            elements = list(out[clm_at].elements)
            elements[2] = str(sum(Decimal(s.get(2)) for s in lines))
            out[clm_at] = Segment(elements, 0, out[clm_at].delimiters)
            clm_at = None
        if seg.id == "CLM":
            clm_at = i
    return out


def _repair_837p(seg: Segment, component: str) -> Segment:
    """The sample's HI segments write each diagnosis as two elements (``HI*BK*8901*BF*87200``)
    where the guide wants one composite (``HI*BK:8901*BF:87200``): join them."""
    if seg.id != "HI":
        return seg
    elements = [seg.elements[0]]
    rest = seg.elements[1:]
    while rest:
        value = rest.pop(0)
        if component not in value and rest and component not in rest[0]:
            value = f"{value}{component}{rest.pop(0)}"
        elements.append(value)
    return Segment(elements, 0, seg.delimiters)


def _write(name: str, segments: list[Segment], suffix: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    d = segments[0].delimiters
    text = write_segments(
        segments, Delimiters(d.element, d.component, d.repetition, d.segment, suffix)
    )
    path.write_text(text)
    return path


# -- contenders: each is a Python snippet run in its own process ------------------------------

DRIVER = textwrap.dedent(
    """
    import json, resource, sys, time
    path = sys.argv[1]
    start = time.perf_counter()
    cpu_start = time.process_time()
    items = None
    error = None
    try:
    {body}
    except Exception as exc:
        error = f"{{type(exc).__name__}}: {{str(exc)[:120]}}"
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"seconds": seconds, "cpu": cpu, "rss_kb": rss, "items": items, "error": error}}))
    """
)

# Every claim and line of the views is read, so that nothing is left unbuilt.
FINCLEAR_VIEWS_835 = """
from finclear.x12.reader import read_file
from finclear.x12.views import RemittanceView
from finclear.x12.specs.registry import all_specs
all_specs()
start, cpu_start = time.perf_counter(), time.process_time()
doc = read_file(path)
views = [RemittanceView.from_transaction(tx) for tx in doc.transactions()]
paid = sum(c.payment + sum(line.payment for line in c.lines) for v in views for c in v.claims)
items = f"{sum(len(v.claims) for v in views)} claims"
"""

FINCLEAR_VIEWS_837 = """
from finclear.x12.reader import read_file
from finclear.x12.views import ClaimView
from finclear.x12.specs.registry import all_specs
all_specs()
start, cpu_start = time.perf_counter(), time.process_time()
doc = read_file(path)
views = [ClaimView.from_transaction(tx) for tx in doc.transactions()]
charged = sum(c.charge + sum(line.charge for line in c.lines) for v in views for c in v.claims)
items = f"{sum(len(v.claims) for v in views)} claims"
"""

FINCLEAR_VALIDATE = """
from finclear.x12.reader import read_file
from finclear.x12.validate import validate
from finclear.x12.specs.registry import all_specs
all_specs()
start, cpu_start = time.perf_counter(), time.process_time()
report = validate(read_file(path))
items = f"{len(report.errors)} errors"
"""

FINCLEAR_STREAM = """
from finclear.x12.reader import iter_claims
from finclear.x12.specs.registry import all_specs
all_specs()
start, cpu_start = time.perf_counter(), time.process_time()
items = f"{sum(1 for _ in iter_claims(path))} claims"
"""

BARE_SPLIT = """
import gc
gc.disable()
text = open(path).read()
start, cpu_start = time.perf_counter(), time.process_time()
items = f"{len([seg.split('*') for seg in text.split('~')])} segments"
"""

PYX12_PARSE = """
import pyx12.error_handler, pyx12.params, pyx12.x12context
with open(path) as fd:
    reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), pyx12.error_handler.errh_null(), fd)
    items = sum(1 for _ in reader.iter_segments())
"""

PYX12_VALIDATE = """
import io, pyx12.params, pyx12.x12n_document
ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=path,
    fd_997=io.StringIO(), fd_html=None, fd_xmldoc=None, fd_json=io.StringIO())
items = "valid" if ok else "invalid"
"""

X12SDK = """
from x12sdk.io import X12ModelReader
with X12ModelReader(path) as reader:
    items = sum(1 for _ in reader.models())
"""

LFH = """
from linuxforhealth.x12.io import X12ModelReader
with X12ModelReader(path) as reader:
    items = sum(1 for _ in reader.models())
"""


@dataclass
class Result:
    label: str
    mb_s: str
    rss: str
    note: str
    cpu_mb_s: str = "-"


def measure(label: str, python: Path, body: str, path: Path, timeout: int) -> Result:
    if not python.exists():
        return Result(label, "n/a", "n/a", f"{python} missing (make peers)")
    indented = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    code = DRIVER.format(body=indented)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONWARNINGS="ignore")
    try:
        done = subprocess.run(
            [str(python), "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Result(label, "timeout", "-", f"over {timeout} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return Result(label, "error", "-", (done.stderr.strip().splitlines() or ["?"])[-1][:90])
    data = json.loads(lines[-1])
    size = path.stat().st_size / 1e6
    rss = f"{data['rss_kb'] / 1024:.0f} MB"
    if data["error"]:
        return Result(label, "error", rss, data["error"])
    return Result(
        label,
        f"{size / data['seconds']:.2f}",
        rss,
        f"{data['items']}",
        f"{size / data['cpu']:.2f}" if data.get("cpu") else "-",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of each file, in MB")
    parser.add_argument("--no-peers", action="store_true", help="finclear only")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per contender")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    target = int(args.mb * 1e6)
    if args.build_only:
        build_835(target)
        build_837p(target)
        return
    subprocess.run(
        [str(PYTHON), __file__, "--build-only", "--mb", str(args.mb)], check=True, env=os.environ
    )
    files = {"835": OUT / "bench_835.x12", "837P": OUT / "bench_837p.x12"}
    for kind, path in files.items():
        size = path.stat().st_size / 1e6
        print(f"\n{kind}: {path.relative_to(ROOT)}  {size:.1f} MB")
        contenders: list[tuple[str, Path, str]] = [
            ("reference: bare str.split, GC off", PYTHON, BARE_SPLIT)
        ]
        views = FINCLEAR_VIEWS_835 if kind == "835" else FINCLEAR_VIEWS_837
        contenders.append(("finclear parse to typed views", PYTHON, views))
        contenders += [
            ("finclear parse + full validation", PYTHON, FINCLEAR_VALIDATE),
            ("finclear streaming claims", PYTHON, FINCLEAR_STREAM),
        ]
        if not args.no_peers:
            contenders += [
                ("pyx12 4.0.0 parse", PYTHON, PYX12_PARSE),
                ("pyx12 4.0.0 validate", PYTHON, PYX12_VALIDATE),
                ("x12sdk 2.2.0", PYTHON, X12SDK),
                ("linuxforhealth-x12 (own venv)", LFH_PYTHON, LFH),
            ]
        results = [measure(label, py, body, path, args.timeout) for label, py, body in contenders]
        print(f"  {'contender':34} {'MB/s':>8} {'CPU MB/s':>9} {'peak RSS':>10}  result")
        for r in results:
            note = " ".join(r.note.split())[:100]
            print(f"  {r.label:34} {r.mb_s:>8} {r.cpu_mb_s:>9} {r.rss:>10}  {note}")


if __name__ == "__main__":
    main()
