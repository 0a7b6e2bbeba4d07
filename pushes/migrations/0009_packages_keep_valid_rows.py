"""Packages that keep their valid rows: derived packages and header detection."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pushes", "0008_plan_gateway_stats")]

    operations = [
        migrations.AddField(
            model_name="accountpackage",
            name="header_line",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="accountpackage",
            name="duplicates_listed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="accountpackage",
            name="duplicate_rows",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="accountpackage",
            name="derived_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="derived_packages",
                to="pushes.accountpackage",
            ),
        ),
        migrations.AddField(
            model_name="accountpackage",
            name="derived_from_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="accountpackage",
            name="rows_dropped",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="accountpackage",
            constraint=models.UniqueConstraint(
                fields=("derived_from",), name="package_derived_once"
            ),
        ),
    ]
