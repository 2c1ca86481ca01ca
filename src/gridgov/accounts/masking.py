"""Masking of sensitive personal data (design decision 3).

Values are masked by default on every surface: web, API, exports, logs and the audit log.
The registry adds its own fields to `SENSITIVE_FIELDS`; this module only knows the shapes.
"""

from collections.abc import Mapping
from typing import Any

MASK = "****"


def mask_id_number(value: str | None) -> str:
    """433101199001011234 → 433101********1234: region kept, birth date and serial hidden."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return MASK
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812341234 → 138****1234."""
    if not value:
        return ""
    digits = str(value).strip()
    if len(digits) < 7:
        return MASK
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(value: Any) -> str:
    return MASK if value not in (None, "") else ""


# Field name → masking function. Any mapping written to the audit log passes through here.
SENSITIVE_FIELDS: dict[str, Any] = {
    "national_id": mask_id_number,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "mobile": mask_phone,
    "password": mask_text,
    "token": mask_text,
    "digest": mask_text,
}


def _mask_nested(value: Any) -> Any:
    if isinstance(value, Mapping):
        return mask_mapping(value)
    if isinstance(value, list | tuple):
        # A household's members, a list of contacts: each item is masked the same way.
        return [_mask_nested(item) for item in value]
    return value


def mask_mapping(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A copy of `data` with every sensitive field masked (nested mappings and lists of
    mappings included)."""
    if data is None:
        return None
    masked: dict[str, Any] = {}
    for key, value in data.items():
        if key in SENSITIVE_FIELDS and isinstance(value, list | tuple):
            masked[key] = [SENSITIVE_FIELDS[key](item) for item in value]
        elif key in SENSITIVE_FIELDS and value not in (None, ""):
            masked[key] = SENSITIVE_FIELDS[key](value)
        else:
            masked[key] = _mask_nested(value)
    return masked
