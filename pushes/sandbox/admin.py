"""Django admin for the sandbox: inspect devices and pushes, script fault plans by hand."""

from __future__ import annotations

from django.contrib import admin

from pushes.sandbox.models import AccountBinding, Device, FaultPlan, SandboxApp, SandboxPush


@admin.register(SandboxApp)
class SandboxAppAdmin(admin.ModelAdmin):
    list_display = ("access_id", "name", "created_at")
    search_fields = ("access_id", "name")
    # The secret stays encrypted and out of forms; apps are created from the console.
    fields = ("access_id", "name")
    readonly_fields = ("access_id",)

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("token", "label", "platform", "app", "created_at")
    list_filter = ("app", "platform")
    search_fields = ("token", "label")


@admin.register(AccountBinding)
class AccountBindingAdmin(admin.ModelAdmin):
    list_display = ("account", "account_type", "device", "app", "bound_at")
    list_filter = ("app", "account_type")
    search_fields = ("account", "device__token")
    raw_id_fields = ("device",)


@admin.register(SandboxPush)
class SandboxPushAdmin(admin.ModelAdmin):
    list_display = (
        "push_id", "app", "audience_type", "status", "title", "targeted", "delivered", "unbound",
        "created_at",
    )  # fmt: skip
    list_filter = ("app", "status", "audience_type")
    search_fields = ("push_id", "title", "content")
    raw_id_fields = ("upload",)


@admin.register(FaultPlan)
class FaultPlanAdmin(admin.ModelAdmin):
    list_display = ("app", "endpoint", "action", "remaining", "ret_code", "seconds", "after_apply")
    list_filter = ("app", "endpoint", "action", "after_apply")
