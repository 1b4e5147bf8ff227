from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from finclear.cli import build_app

pytestmark = pytest.mark.django_db(transaction=True)


def test_cli_reports_problems_and_exits_non_zero(clinic: dict[str, Any], examples: Path) -> None:
    runner = CliRunner()
    app = build_app()
    bad = runner.invoke(app, ["import", str(examples / "schedule_bad.csv")])
    assert bad.exit_code == 1
    assert "schedule_bad.csv:line 8: primary_payer_id: no payer with ID or name" in bad.output
    assert "created 2, updated 0, unchanged 0, failed 10" in bad.output
    good = runner.invoke(app, ["import", str(examples / "bundle.json")])
    assert good.exit_code == 0, good.output
    assert "[fhir]" in good.output and "created 3" in good.output
    dry = runner.invoke(app, ["import", "--dry-run", str(examples / "siu_s12.hl7")])
    assert dry.exit_code == 0 and "dry run" in dry.output and "created 3" in dry.output
