"""What of a person each viewer may see (design decision 3).

Sensitive values (ID numbers, phone numbers, key-population tags) and everything about a
child under 14 are masked on every surface unless the viewer holds a live reveal grant for
that person: given for a stated reason, audited, lapsing after REVEAL_MINUTES.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.utils import timezone

from gridgov.accounts.masking import MASK, SENSITIVE_FIELDS, mask_id_number, mask_phone
from gridgov.registry.choices import SENSITIVE_TAGS
from gridgov.registry.models import Resident, RevealGrant

REVEAL_MINUTES = 30
MINOR_AGE = 14
SENSITIVE_TAG_LABEL = "重点人群 ****"

# Contact numbers of places and organisations are masked in audit entries too.
SENSITIVE_FIELDS.setdefault("keeper_phone", mask_phone)
SENSITIVE_FIELDS.setdefault("contact_phone", mask_phone)


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    years = today.year - birth_date.year
    return years - ((today.month, today.day) < (birth_date.month, birth_date.day))


def is_minor(resident: Resident, today: date | None = None) -> bool:
    age = age_on(resident.birth_date, today or timezone.localdate())
    return age is not None and age < MINOR_AGE


def revealed_ids(user, residents: Iterable[Resident]) -> set[int]:
    """The residents among `residents` whose data `user` may see in clear right now."""
    ids = [resident.pk for resident in residents]
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        RevealGrant.objects.filter(
            user=user, resident_id__in=ids, expires_at__gt=timezone.now()
        ).values_list("resident_id", flat=True)
    )


def mask_name(name: str) -> str:
    """龙小燕 → 龙**: the surname stays so a worker can still tell families apart."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def resident_view(resident: Resident, *, revealed: bool, today: date | None = None) -> dict:
    """The resident's fields as this viewer may see them."""
    today = today or timezone.localdate()
    minor = is_minor(resident, today)
    tags = [
        {
            "uuid": str(tag.uuid),
            "tag": tag.tag if (revealed or tag.tag not in SENSITIVE_TAGS) else "",
            "label": tag.get_tag_display()
            if (revealed or tag.tag not in SENSITIVE_TAGS)
            else SENSITIVE_TAG_LABEL,
            "attention_level": tag.attention_level
            if (revealed or tag.tag not in SENSITIVE_TAGS)
            else "",
            "start_date": tag.start_date,
            "end_date": tag.end_date,
            "masked": not revealed and tag.tag in SENSITIVE_TAGS,
        }
        for tag in resident.tags.all()
        if tag.end_date is None or tag.end_date >= today
    ]
    view = {
        "uuid": str(resident.uuid),
        "household_uuid": str(resident.household.uuid) if resident.household_id else None,
        "region_code": resident.region_code,
        "name": resident.name,
        "id_number": resident.id_number or "",
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "age": age_on(resident.birth_date, today),
        "sex": resident.sex,
        "ethnicity": resident.ethnicity,
        "phone": resident.phone,
        "relation_to_head": resident.relation_to_head,
        "residence_status": resident.residence_status,
        "away_since": resident.away_since.isoformat() if resident.away_since else None,
        "education": resident.education,
        "health_insurance": resident.health_insurance,
        "disability_level": resident.disability_level,
        "notes": resident.notes,
        "tags": tags,
        "version": resident.version,
        "masked": not revealed,
        "minor": minor,
    }
    if revealed:
        return view
    view["id_number"] = mask_id_number(resident.id_number)
    view["phone"] = mask_phone(resident.phone)
    if minor:
        # A child's record shows only that there is a child: no name, date, or details.
        view.update(
            name=mask_name(resident.name),
            birth_date=None,
            age=None,  # the age would give the birth year away
            ethnicity="",
            education="",
            health_insurance="",
            disability_level="",
            notes=MASK if resident.notes else "",
            tags=[dict(tag, tag="", label=MASK, attention_level="", masked=True) for tag in tags],
        )
    return view


def audit_view(resident: Resident) -> dict:
    """What the audit log keeps of a resident: the masked view, never clear values."""
    view = resident_view(resident, revealed=False)
    view.pop("tags", None)
    return view


def grant(*, user, resident: Resident, reason: str) -> RevealGrant:
    return RevealGrant.objects.create(
        user=user,
        resident=resident,
        reason=reason,
        expires_at=timezone.now() + timedelta(minutes=REVEAL_MINUTES),
    )
