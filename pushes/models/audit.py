from __future__ import annotations

from django.conf import settings
from django.db import models

from pushes.models.app import App


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every state change and admin action."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    # Unique prev_hash keeps the chain linear: two writers racing for the same
    # tail cannot both append; the loser retries on the new tail.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        # A push's (or package's) history on its record page.
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object"),
            # Whether a person acted in an app (the log's Who filter), and deleted people's
            # names, without reading every event.
            models.Index(fields=["actor", "app"], name="audit_actor_app"),
            models.Index(
                fields=["actor_name"], condition=models.Q(actor__isnull=True), name="audit_gone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only")
