"""Reachability preflight: estimates and the recorded override."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pushes", "0010_account_lookup"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="push",
            name="reach_override",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="ReachCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("target_hash", models.CharField(max_length=64)),
                ("gateway", models.CharField(max_length=16)),
                ("account_type", models.PositiveIntegerField(default=0)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting for a worker"),
                            ("running", "Checking"),
                            ("done", "Checked"),
                            ("not_checked", "Not checked"),
                        ],
                        default="queued",
                        max_length=12,
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("timeout", "The gateway did not answer in time"),
                            ("gateway", "The gateway answered with an error"),
                            ("no_file", "The account package file is no longer stored"),
                            ("no_worker", "The task queue could not be reached"),
                            ("failed", "The check failed unexpectedly"),
                            ("changed", "The push changed before the check ran"),
                        ],
                        max_length=12,
                    ),
                ),
                ("detail", models.TextField(blank=True)),
                ("total", models.PositiveIntegerField(default=0)),
                ("sample_size", models.PositiveIntegerField(default=0)),
                ("exact", models.BooleanField(default=False)),
                ("read", models.PositiveIntegerField(default=0)),
                ("checked", models.PositiveIntegerField(default=0)),
                ("bound", models.PositiveIntegerField(default=0)),
                ("devices", models.PositiveIntegerField(default=0)),
                ("unbound", models.JSONField(blank=True, default=list)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "push",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reach_checks",
                        to="pushes.push",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-id"],
                "indexes": [
                    models.Index(fields=["push", "target_hash"], name="reach_check_target")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("bound__lte", models.F("checked"))),
                        name="reach_bound_lte_checked",
                    )
                ],
            },
        ),
    ]
