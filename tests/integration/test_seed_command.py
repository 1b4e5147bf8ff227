"""``finclear seed`` on the test database, through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from django.utils import timezone
from typer.testing import CliRunner

from finclear.cli import build_app
from finclear.demo.scenario import read_scenario
from finclear.patients.models import Patient
from finclear.scheduling.models import Encounter

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


def seed(app: typer.Typer, tmp_path: Path, *extra: str) -> tuple[int, str]:
    args = ["seed", "--patients", "25", "--days", "4", "--scenario", str(tmp_path / "s.json")]
    result = CliRunner().invoke(app, [*args, *extra], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_seed_prints_what_it_created_and_the_time(app: typer.Typer, tmp_path: Path) -> None:
    start = timezone.localdate().isoformat()
    code, out = seed(app, tmp_path, "--seed", "5", "--start", start)
    assert code == 0, out
    assert Patient.objects.count() == 25
    assert re.search(rf"│ encounters\s*│\s*{Encounter.objects.count()} │", out), out
    assert re.search(r"│ patients\s*│\s*25 │", out), out
    assert "Time:" in out and "Scenario file" in out
    scenario = read_scenario(tmp_path / "s.json")
    assert scenario.generator.seed == 5 and scenario.generator.start_date.isoformat() == start


def test_seed_refuses_existing_data_unless_reset(app: typer.Typer, tmp_path: Path) -> None:
    assert seed(app, tmp_path)[0] == 0
    code, out = seed(app, tmp_path)
    assert code == 1
    assert "already holds data" in out and "--reset" in out
    code, out = seed(app, tmp_path, "--reset", "--seed", "9")
    assert code == 0, out
    assert "Reset: deleted" in out
    assert Patient.objects.count() == 25


def test_seed_names_a_bad_start_date(app: typer.Typer, tmp_path: Path) -> None:
    code, out = seed(app, tmp_path, "--start", "2026-13-40")
    assert code == 2
    assert "--start" in out and "YYYY-MM-DD" in out
    assert Patient.objects.count() == 0
