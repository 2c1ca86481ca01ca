"""Writing the audit log. Actions call `record()` explicitly, inside their transaction."""

from typing import Any

from django.db import models

from gridgov.accounts.masking import mask_mapping
from gridgov.accounts.middleware import client_ip_var, request_id_var


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a model instance's concrete fields (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(instance, field.attname)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, bytes | memoryview):
            continue
        elif not isinstance(value, str | int | float | bool | list | dict | type(None)):
            value = str(value)
        data[field.name] = value
    return data


def _describe(instance: models.Model | None) -> str:
    """How the log names a record: a model may offer `audit_repr` (already masked) when its
    plain name is personal data, such as a child's name."""
    if instance is None:
        return ""
    return str(getattr(instance, "audit_repr", None) or instance)[:200]


def record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    region_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
):
    """Append one audit entry; sensitive values in `before`/`after` are masked here."""
    from gridgov.accounts.models import AuditEntry

    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_label=actor.get_username() if authenticated else "",
        action=action,
        object_type=instance._meta.label_lower if instance is not None else "",
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=_describe(instance),
        region_code=region_code,
        before=mask_mapping(before),
        after=mask_mapping(after),
        reason=reason[:500],
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
    )
