"""Account lookup: the per-package index of account hashes, and a GIN index over typed accounts.

The GIN index (jsonb_path_ops) makes `accounts @> '["bob"]'` an index scan on PostgreSQL;
SQLite has no such index type, and the lookup scans there instead.
"""

from django.db import migrations, models

GIN_NAME = "push_accounts_gin"


def add_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_NAME} ON pushes_push "
            "USING gin (accounts jsonb_path_ops)"
        )


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_NAME}")


class Migration(migrations.Migration):
    dependencies = [("pushes", "0009_packages_keep_valid_rows")]

    operations = [
        migrations.AddField(
            model_name="accountpackage",
            name="account_index",
            field=models.FileField(blank=True, max_length=300, upload_to=""),
        ),
        migrations.RunPython(add_gin, drop_gin),
    ]
