"""Checks on register values that need more than a field type: ID numbers against what was
entered, phone numbers, grids. Errors name the field, in Chinese and English."""

import phonenumbers
from django.core.exceptions import ValidationError

from gridgov.registry import idnumbers
from gridgov.registry.choices import Sex


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """A Chinese mobile or landline number as digits (landlines keep their leading 0)."""
    text = idnumbers.normalise(raw).replace("-", "").replace("+86", "")
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as error:
        raise ValidationError({field: f"电话号码无法识别 Not a phone number: {raw}"}) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: f"电话号码无效 Not a valid phone number: {raw}"})
    national = str(number.national_number)
    return national if national.startswith("1") else "0" + national


def apply_id_number(resident) -> None:
    """Check the ID number and fill (or check) birth date and sex from it."""
    if not resident.id_number:
        resident.id_number = None
        resident.id_last6 = ""
        return
    try:
        parsed = idnumbers.parse(resident.id_number)
    except idnumbers.IdNumberError as error:
        raise ValidationError({"id_number": str(error)}) from error
    errors = {}
    if resident.birth_date and resident.birth_date != parsed.birth_date:
        errors["birth_date"] = (
            f"出生日期与身份证号码不符（号码为 {parsed.birth_date:%Y-%m-%d}） "
            f"The birth date does not match the ID number ({parsed.birth_date:%Y-%m-%d})."
        )
    if resident.sex and resident.sex != parsed.sex:
        label = "男 male" if parsed.sex == Sex.MALE else "女 female"
        errors["sex"] = (
            f"性别与身份证号码不符（号码为{label}） The sex does not match the ID number."
        )
    if errors:
        raise ValidationError(errors)
    resident.id_number = parsed.value
    resident.id_last6 = parsed.value[-6:]
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex
