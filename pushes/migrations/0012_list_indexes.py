"""Indexes that match each console list's filter and order, and the history of an object.

On PostgreSQL, searching titles (a case-insensitive part of the title) uses a trigram index;
SQLite has no such index and scans, which suits the embedded setup's sizes.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TRIGRAM_INDEX = "push_title_trgm"


def create_title_search_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Django's icontains compares UPPER(title) with LIKE: the index holds the same expression.
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON pushes_push"
        " USING gin (UPPER(title) gin_trgm_ops)"
    )


def drop_title_search_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("pushes", "0011_reach_preflight")]

    operations = [
        migrations.AddIndex(
            model_name="push",
            index=models.Index(fields=["-created_at", "-id"], include=["app"], name="push_newest"),
        ),
        migrations.AddIndex(
            model_name="push",
            index=models.Index(fields=["app", "-created_at", "-id"], name="push_app_newest"),
        ),
        migrations.AddIndex(
            model_name="push",
            index=models.Index(
                fields=["status", "-created_at", "-id"], include=["app"], name="push_status_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="push",
            index=models.Index(
                fields=["created_by", "-created_at", "-id"],
                include=["app"],
                name="push_author_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="push",
            index=models.Index(fields=["app", "created_by"], name="push_app_author"),
        ),
        migrations.AddIndex(
            model_name="push",
            index=models.Index(
                condition=models.Q(status="pending_review"),
                fields=["submitted_at", "id"],
                name="push_review_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id", "id"], name="audit_object"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "app"], name="audit_actor_app"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(actor__isnull=True), fields=["actor_name"], name="audit_gone"
            ),
        ),
        migrations.RunPython(create_title_search_index, drop_title_search_index, elidable=False),
    ]
