"""Errors as users read them: every validation error names its field and says what is wrong,
in Chinese and in English."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

# pydantic error types → (Chinese, English) templates; `{ctx}` fields come from the error.
_PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "This field is required."),
    "string_too_short": (
        "太短，至少 {min_length} 个字符",
        "Too short: at least {min_length} characters.",
    ),
    "string_too_long": (
        "太长，最多 {max_length} 个字符",
        "Too long: at most {max_length} characters.",
    ),
    "string_pattern_mismatch": ("格式不正确", "Wrong format."),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}."),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}."),
    "greater_than": ("必须大于 {gt}", "Must be greater than {gt}."),
    "less_than": ("必须小于 {lt}", "Must be less than {lt}."),
    "float_parsing": ("必须是数字", "Must be a number."),
    "int_parsing": ("必须是整数", "Must be a whole number."),
    "bool_parsing": ("必须是 true 或 false", "Must be true or false."),
    "uuid_parsing": ("必须是 UUID", "Must be a UUID."),
    "datetime_parsing": ("不是有效的时间", "Not a valid date and time."),
    "date_from_datetime_parsing": ("不是有效的日期", "Not a valid date."),
    "enum": ("必须是以下之一：{expected}", "Must be one of: {expected}."),
    "literal_error": ("必须是以下之一：{expected}", "Must be one of: {expected}."),
    "json_invalid": ("请求体不是有效的 JSON", "The request body is not valid JSON."),
    "string_type": ("必须是文本", "Must be text."),
    "int_type": ("必须是整数", "Must be a whole number."),
    "int_from_float": ("必须是整数", "Must be a whole number."),
    "float_type": ("必须是数字", "Must be a number."),
    "bool_type": ("必须是 true 或 false", "Must be true or false."),
    "dict_type": ("必须是对象", "Must be an object."),
    "model_type": ("必须是对象", "Must be an object."),
    "model_attributes_type": ("必须是对象", "Must be an object."),
    "list_type": ("必须是列表", "Must be a list."),
    "too_short": ("太少，至少 {min_length} 项", "Too few: at least {min_length} items."),
    "too_long": ("太多，最多 {max_length} 项", "Too many: at most {max_length} items."),
    "extra_forbidden": ("不允许这个字段", "This field is not allowed."),
}


def field_error(field: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def from_pydantic(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    result = []
    for error in errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        field = ".".join(location) or "body"
        kind = error.get("type", "value_error")
        template = _PYDANTIC_MESSAGES.get(kind)
        if template:
            context = error.get("ctx") or {}
            try:
                message = f"{template[0].format(**context)} {template[1].format(**context)}"
            except (KeyError, IndexError):
                message = f"{template[0]} {template[1]}"
        else:
            # An error type without a template still tells a Chinese reader what happened.
            message = f"无效 Invalid: {error.get('msg', '')}".strip()
        result.append(field_error(field, message, kind))
    return result


def from_django(error: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            field_error("body" if field == "__all__" else field, " ".join(messages), "invalid")
            for field, messages in error.message_dict.items()
        ]
    return [field_error("body", message, "invalid") for message in error.messages]
