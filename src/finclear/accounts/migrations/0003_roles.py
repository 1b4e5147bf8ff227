"""Create the roles (groups) with their permissions.

The same code runs after every ``migrate`` and from ``finclear manage setup_roles``, so
models added later reach their roles; this migration makes the roles exist from the start.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from finclear.accounts.roles import apply_roles


def create_roles(apps, schema_editor):
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=schema_editor.connection.alias, apps=apps)
    apply_roles(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        apps.get_model("contenttypes", "ContentType"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_facilities"),
        ("audit", "0002_append_only_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organizations", "0001_initial"),
        ("payers", "0001_initial"),
        ("patients", "0001_initial"),
        ("scheduling", "0001_initial"),
        ("workqueue", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
