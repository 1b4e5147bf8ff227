"""PostgreSQL: a check's large columns compressed with lz4 instead of the default pglz.

A 271 (2.5 kB of text) and its benefit rows (18 kB of JSON) are compressed when stored and
decompressed when an estimate compares them. With pglz, compressing and decompressing them
took about a seventh of PostgreSQL's CPU in a batch (perf of the backend during
bench/eligibility.py); lz4 does the same several times faster. Rows already stored keep their
compression until rewritten; both are read alike. A server built without lz4 keeps pglz.
Other databases: nothing to do.
"""

from django.db import migrations

TABLE = "eligibility_eligibilitycheck"
COLUMNS = ("raw_270", "raw_271", "benefits")


def build_sql(method: str) -> str:
    columns = ", ".join(f"ALTER COLUMN {name} SET COMPRESSION {method}" for name in COLUMNS)
    return (
        f"DO $$ BEGIN ALTER TABLE {TABLE} {columns}; "
        "EXCEPTION WHEN feature_not_supported THEN "
        f"RAISE NOTICE 'no {method} compression on this server: {TABLE} keeps its own'; END $$"
    )


def set_compression(method: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(build_sql(method))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0002_coverage_window_index"),
    ]

    operations = [
        migrations.RunPython(set_compression("lz4"), set_compression("pglz"), elidable=True),
    ]
