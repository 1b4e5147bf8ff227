"""What finclear sets up in PostgreSQL beyond the schema: planner statistics after a bulk load,
lz4 for the large columns of an eligibility check."""

from __future__ import annotations

import pytest
from django.db import connection

from finclear.demo.bulk import do_analyze
from finclear.payers.models import Payer
from tests.integration.model_builders import build_payer

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and compression"
)


def estimated_rows(model: type[Payer]) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return float(cursor.fetchone()[0])


@on_postgres
def test_after_a_bulk_load_the_planner_knows_the_tables_row_counts():
    for n in range(7):
        build_payer("commercial", name=f"Payer {n}")
    count = Payer.objects.count()
    assert estimated_rows(Payer) != count
    do_analyze([Payer])
    assert estimated_rows(Payer) == count


def test_gathering_statistics_elsewhere_does_nothing_and_fails_nothing():
    build_payer("commercial", name="Payer")
    do_analyze([Payer])
    do_analyze()


@on_postgres
def test_a_checks_large_columns_are_compressed_with_lz4_where_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'eligibility_eligibilitycheck'::regclass AND attname IN ('raw_270', 'raw_271', "
            "'benefits', 'error') ORDER BY attname"
        )
        methods = dict(cursor.fetchall())
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        has_lz4 = cursor.fetchone() is not None
    expected = "l" if has_lz4 else ""
    assert methods == {"benefits": expected, "raw_270": expected, "raw_271": expected, "error": ""}
