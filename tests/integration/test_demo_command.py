"""``finclear demo`` end to end in a subprocess, on a fresh SQLite database in a temp dir."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from finclear.demo.scenario import read_scenario

pytestmark = pytest.mark.slow

FINCLEAR = Path(sys.executable).with_name("finclear")


def run_demo(var: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FINCLEAR_VAR_DIR": str(var),
        "FINCLEAR_DATABASE_URL": f"sqlite:///{var / 'demo.sqlite3'}",
        "FINCLEAR_DEMO_SERVE": "0",
        "FINCLEAR_DEMO_PATIENTS": "60",
        "FINCLEAR_DEMO_DAYS": "5",
        "COLUMNS": "200",
    }
    env.pop("FINCLEAR_DEMO_PASSWORD", None)
    return subprocess.run(
        [str(FINCLEAR), "demo"], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_demo_seeds_runs_the_pipeline_summarizes_and_exits(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:] + first.stdout[-3000:]
    out = first.stdout
    assert "patients" in out and "encounters" in out
    assert "Pipeline: clearance status" in out
    assert "Clearance status of the open encounters" in out
    assert "Needs eligibility" in out
    match = re.search(
        r"Dollars at risk \(charges of encounters not cleared\): \$([\d,]+\.\d\d)", out
    )
    assert match and float(match.group(1).replace(",", "")) > 0
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert f"demo-specialist / {password}" in out
    assert "not serving" in out
    scenario = read_scenario(tmp_path / "scenario.json")
    assert scenario.generator.patients == 60 and scenario.generator.seed == 42

    written = (tmp_path / "scenario.json").read_bytes()
    (tmp_path / "scenario.json").unlink()
    second = run_demo(tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "already seeded with these parameters" in second.stdout
    assert "Scenario file was missing" in second.stdout
    assert (tmp_path / "scenario.json").read_bytes() == written
    assert f"demo-specialist / {password}" in second.stdout
