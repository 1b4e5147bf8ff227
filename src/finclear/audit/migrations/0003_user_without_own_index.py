"""The user's own index on audit events goes: ``audit_user_time`` (user, occurred_at) leads
with the user and serves the same lookups, and every event wrote both.

Only the index is dropped, by name as the database reports it. A plain ``AlterField`` would
have SQLite copy the table into a new one, and the append-only trigger of 0002 would not
survive the copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditevent"
REVERSE_INDEX = "audit_auditevent_user_id_own"


def user_only_indexes(schema_editor):
    """The names of the plain (not unique, not primary key) indexes on exactly the user."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == ["user_id"]
    ]


def drop_user_index(apps, schema_editor):
    for name in user_only_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_user_index(apps, schema_editor):
    if not user_only_indexes(schema_editor):
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(REVERSE_INDEX)} "
            f"ON {schema_editor.quote_name(TABLE)} ({schema_editor.quote_name('user_id')})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_user_index, create_user_index)],
        ),
    ]
