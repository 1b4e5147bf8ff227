"""The domain models and their migrations agree, and the migrations apply on this database.

Run once with FINCLEAR_DATABASE_URL=postgres://... to check PostgreSQL as well as SQLite.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DOMAIN_APPS = ("organizations", "payers", "patients", "scheduling", "workqueue")

pytestmark = pytest.mark.django_db


def test_makemigrations_reports_no_changes() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models and migrations disagree (exit {exc.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_every_domain_migration_is_applied_on_this_database() -> None:
    executor = MigrationExecutor(connection)
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] in DOMAIN_APPS]
    assert {app for app, _ in leaves} == set(DOMAIN_APPS)
    assert executor.migration_plan(leaves) == []
    applied = executor.loader.applied_migrations
    for app in DOMAIN_APPS:
        assert (app, "0001_initial") in applied


def test_domain_tables_and_indexes_exist() -> None:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        assert {
            "organizations_facility",
            "payers_plan",
            "patients_coverage",
            "scheduling_encounter",
            "workqueue_clearancecase",
        } <= tables
        encounter = connection.introspection.get_constraints(cursor, "scheduling_encounter")
        case = connection.introspection.get_constraints(cursor, "workqueue_clearancecase")
    assert encounter["encounter_facility_when_idx"]["columns"] == ["facility_id", "scheduled_at"]
    assert case["case_worklist_idx"]["columns"] == ["status", "owner_id", "due_date"]
