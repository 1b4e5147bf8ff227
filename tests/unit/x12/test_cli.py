from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from finclear.commands.x12 import register
from finclear.x12.reader import read_file
from finclear.x12.views import AcknowledgmentView
from tests.unit.x12.texts import BODY_835, interchange, sample_835, transaction


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command keeps "x12" a sub-command, as in finclear
        pass

    return app


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    path = tmp_path / "valid.835"
    path.write_text(sample_835("\n"))
    return path


@pytest.fixture
def invalid(tmp_path: Path) -> Path:
    body = [seg.replace("CLP*CLAIM1*1*", "CLP*CLAIM1*Q*") for seg in BODY_835]
    path = tmp_path / "invalid.835"
    path.write_text(interchange([transaction(body)], suffix="\n"))
    return path


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["x12", *args])
    return result.exit_code, result.output


def test_validate_exits_zero_only_when_valid(app: typer.Typer, valid: Path, invalid: Path) -> None:
    code, out = run(app, "validate", str(valid))
    assert code == 0 and out.strip().endswith("valid")
    code, out = run(app, "validate", str(invalid))
    assert code == 1
    assert "segment 11, CLP02" in out and "[element 7]" in out


def test_validate_writes_a_999(app: typer.Typer, invalid: Path, tmp_path: Path) -> None:
    out = tmp_path / "ack.999"
    code, _ = run(app, "validate", str(invalid), "--ack", str(out))
    assert code == 1
    [tx] = read_file(out).transactions()
    view = AcknowledgmentView.from_transaction(tx)
    assert [t.status for t in view.transactions] == ["R"]


def test_parse_json_holds_the_loop_tree(app: typer.Typer, valid: Path) -> None:
    code, out = run(app, "parse", "--json", str(valid))
    assert code == 0
    data = json.loads(out)
    [tx] = data["interchanges"][0]["groups"][0]["transactions"]
    loops = [child["loop"] for child in tx["tree"]["loops"]]
    assert loops == ["1000A", "1000B", "2000"]


def test_pretty_and_stats(app: typer.Typer, valid: Path) -> None:
    code, out = run(app, "pretty", str(valid))
    assert code == 0 and "[2110]" in out and "      SVC*HC:99213" in out
    code, out = run(app, "stats", str(valid))
    assert code == 0
    assert "claims        1" in out and "transactions  1" in out


def test_unreadable_file_exits_two(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "not.x12"
    path.write_text("hello")
    code, out = run(app, "parse", str(path))
    assert code == 2 and "no ISA segment" in out
