"""Every change to the register. Each action is atomic, checks scope after the write, and
writes its audit entry with personal values masked."""

import uuid as uuid_module
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.scope import has_permission, require_within_scope
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry import privacy, signals
from gridgov.registry.models import (
    Household,
    Organisation,
    Place,
    PopulationTag,
    Resident,
    ResidentMove,
)
from gridgov.registry.validation import apply_id_number, normalise_phone

DUPLICATE_ID_NUMBER = "该身份证号码已登记 This ID number is already registered."
END_BEFORE_START = "结束日期早于开始日期 The end date is before the start date."


class VersionConflict(Exception):
    """The record changed since the client read it (a stale ETag / If-Match)."""

    def __init__(self, current_version: int):
        super().__init__(f"current version is {current_version}")
        self.current_version = current_version


class PermissionDenied(Exception):
    """The actor can see the record but may not do this to it."""


def _require(actor, permission: str, region_code: str) -> None:
    if not has_permission(actor, permission, region_code):
        raise PermissionDenied(permission)


def _snapshot(instance: models.Model) -> dict[str, Any]:
    if isinstance(instance, Resident):
        return privacy.audit_view(instance)
    return audit.snapshot(
        instance, [f.name for f in instance._meta.concrete_fields if f.name != "id"]
    )


def _place_in_grid(instance, grid: Region) -> None:
    instance.grid = grid
    instance.region_code = grid.code


def _save_new(actor, instance, *, action: str, permission: str = "registry.edit"):
    """Insert a record created with a client UUID exactly once.

    The UUID is unique in the database, so a retried request (the first response was lost)
    hits the constraint instead of creating a twin; it then gets the first record back.
    Returns (instance, created).
    """
    _require(actor, permission, instance.region_code)
    # Uniqueness is left to the database: the UUID constraint is what makes retries safe.
    instance.full_clean(exclude=["grid"] if instance.grid_id else None, validate_unique=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        existing = type(instance).objects.visible_to(actor).filter(uuid=instance.uuid).first()
        if existing is None:
            if type(instance).objects.filter(uuid=instance.uuid).exists():
                raise Http404 from None  # someone else's record: say nothing about it
            if isinstance(instance, Resident) and instance.id_number:
                # Two people registered the same ID number at the same moment. Say so as a
                # field error; a bare IntegrityError would be a 500 whose log line carries
                # the clear ID number (PostgreSQL repeats the key in its DETAIL).
                raise ValidationError({"id_number": DUPLICATE_ID_NUMBER}) from None
            raise
        return existing, False
    require_within_scope(actor, permission, [instance.region_code])
    audit.record(
        actor=actor,
        action=action,
        instance=instance,
        region_code=instance.region_code,
        after=_snapshot(instance),
    )
    return instance, True


def _save_changes(actor, instance, changes: dict[str, Any], *, expected_version: int | None):
    """Apply `changes` if the client saw the current version; bump the version."""
    # Permission first: someone who may not change the record learns nothing from a 412.
    _require(actor, "registry.edit", instance.region_code)
    if expected_version is not None and expected_version != instance.version:
        raise VersionConflict(instance.version)
    before = _snapshot(instance)
    for field, value in changes.items():
        setattr(instance, field, value)
    return instance, before


def _finish_update(actor, instance, before: dict, *, action: str):
    instance.full_clean(exclude=["grid"], validate_unique=False)
    # The version moves in the same UPDATE as the change: two writers cannot both win.
    updated = (
        type(instance)
        .objects.filter(pk=instance.pk, version=instance.version)
        .update(
            **{
                f.attname: getattr(instance, f.attname)
                for f in instance._meta.concrete_fields
                if f.name not in ("id", "version", "created_at", "updated_at", "uuid")
            },
            version=instance.version + 1,
            # update() does not apply auto_now: set the time of the change here.
            updated_at=timezone.now(),
        )
    )
    if not updated:
        raise VersionConflict(type(instance).objects.get(pk=instance.pk).version)
    instance.version += 1
    require_within_scope(actor, "registry.edit", [instance.region_code])
    audit.record(
        actor=actor,
        action=action,
        instance=instance,
        region_code=instance.region_code,
        before=before,
        after=_snapshot(instance),
    )
    return instance


# --- Households ---------------------------------------------------------------------------


@transaction.atomic
def create_household(
    *, actor, grid: Region, uuid: uuid_module.UUID | None = None, **fields
) -> tuple[Household, bool]:
    """Register a household in a grid; its location defaults to the grid's centre."""
    household = Household(uuid=uuid or uuid_module.uuid4(), **fields)
    _place_in_grid(household, grid)
    if household.latitude is None and household.longitude is None:
        household.latitude, household.longitude = grid.centroid_lat, grid.centroid_lon
    return _save_new(actor, household, action="registry.create_household")


@transaction.atomic
def update_household(
    *, actor, household: Household, changes: dict, expected_version: int | None = None
) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    grid = changes.pop("grid", None)
    rating_changes = "housing_safety" in changes
    old_grid = household.grid
    household, before = _save_changes(actor, household, changes, expected_version=expected_version)
    if grid is not None and grid.pk != household.grid_id:
        _place_in_grid(household, grid)
        at_old_centre = (household.latitude, household.longitude) == (
            old_grid.centroid_lat,
            old_grid.centroid_lon,
        )
        if at_old_centre and "latitude" not in changes and "longitude" not in changes:
            # The pin was only the old grid's default: put it in the new grid.
            household.latitude, household.longitude = grid.centroid_lat, grid.centroid_lon
        # Members live where their household lives; their records changed, so do their ETags.
        Resident.objects.filter(household=household).update(
            grid=grid, region_code=grid.code, version=F("version") + 1, updated_at=timezone.now()
        )
        PopulationTag.objects.filter(resident__household=household).update(region_code=grid.code)
    household = _finish_update(actor, household, before, action="registry.update_household")
    if grid is not None or rating_changes:
        signals.household_changed.send(sender=Household, households=[household])
    return household


# --- Residents ----------------------------------------------------------------------------


def _prepare_resident(resident: Resident) -> None:
    resident.name = (resident.name or "").strip()
    if not resident.name:
        raise ValidationError({"name": "姓名必填 The name is required."})
    apply_id_number(resident)
    resident.phone = normalise_phone(resident.phone)
    resident.name_pinyin, resident.name_initials = pinyin_keys(resident.name)
    if resident.id_number:
        twin = Resident.objects.filter(id_number=resident.id_number).exclude(pk=resident.pk)
        if twin.exists():
            raise ValidationError({"id_number": DUPLICATE_ID_NUMBER})


@transaction.atomic
def create_resident(
    *, actor, household: Household | None = None, grid: Region | None = None, uuid=None, **fields
) -> tuple[Resident, bool]:
    """Register a person, as a member of a household or (floating population) in a grid."""
    if household is None and grid is None:
        raise ValidationError({"household": "请选择所在户或网格 Choose a household or a grid."})
    resident = Resident(uuid=uuid or uuid_module.uuid4(), household=household, **fields)
    _place_in_grid(resident, household.grid if household else grid)
    # Permission before anything else: a viewer who may not register people gets 403, not
    # the replayed record or a hint that an ID number is already registered.
    _require(actor, "registry.edit", resident.region_code)
    existing = Resident.objects.visible_to(actor).filter(uuid=resident.uuid).first()
    if existing is not None:
        return existing, False  # a replay: answer before re-validating a now-duplicate ID
    _prepare_resident(resident)
    return _save_new(actor, resident, action="registry.create_resident")


@transaction.atomic
def update_resident(
    *, actor, resident: Resident, changes: dict, expected_version: int | None = None
) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    new_number = changes.get("id_number")
    if resident.id_number and new_number and new_number != resident.id_number:
        # The stored birth date and sex were read from the old number: a corrected number
        # brings its own, unless the client sent them too (then they are checked against it).
        changes.setdefault("birth_date", None)
        changes.setdefault("sex", "")
    resident, before = _save_changes(actor, resident, changes, expected_version=expected_version)
    _prepare_resident(resident)
    return _finish_update(actor, resident, before, action="registry.update_resident")


@transaction.atomic
def move_resident(
    *, actor, resident: Resident, to_household: Household, reason: str = ""
) -> Resident:
    """Move a person to another household (perhaps in another grid); their record and its
    history go with them."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _require(actor, "registry.edit", resident.region_code)
    before = privacy.audit_view(resident)
    move = ResidentMove(
        resident=resident,
        from_household=resident.household,
        to_household=to_household,
        from_region_code=resident.region_code,
        to_region_code=to_household.region_code,
        reason=reason,
    )
    resident.household = to_household
    _place_in_grid(resident, to_household.grid)
    resident.version += 1
    resident.save()
    move.save()
    resident.tags.update(region_code=resident.region_code)
    Household.objects.filter(head=resident).exclude(pk=to_household.pk).update(head=None)
    require_within_scope(actor, "registry.edit", [resident.region_code])
    signals.household_changed.send(
        sender=Resident,
        households=[h for h in (move.from_household_id, to_household.pk) if h is not None],
    )
    audit.record(
        actor=actor,
        action="registry.move_resident",
        instance=resident,
        region_code=resident.region_code,
        before=before,
        after=privacy.audit_view(resident),
        reason=reason,
    )
    return resident


@transaction.atomic
def add_tag(*, actor, resident: Resident, uuid=None, **fields) -> tuple[PopulationTag, bool]:
    """Put a person in a key population or care group."""
    _require(actor, "registry.edit", resident.region_code)
    end_date, start_date = fields.get("end_date"), fields.get("start_date")
    if end_date is not None and start_date is not None and end_date < start_date:
        raise ValidationError({"end_date": END_BEFORE_START})
    tag = PopulationTag(
        uuid=uuid or uuid_module.uuid4(),
        resident=resident,
        region_code=resident.region_code,
        **fields,
    )
    tag.full_clean(exclude=["resident"], validate_unique=False)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        existing = PopulationTag.objects.visible_to(actor).filter(uuid=tag.uuid).first()
        if existing is None:
            raise
        return existing, False
    audit.record(
        actor=actor,
        action="registry.add_tag",
        instance=resident,
        region_code=resident.region_code,
        after={
            "tag": "****" if tag.tag in privacy.SENSITIVE_TAGS else tag.tag,
            "start_date": str(tag.start_date),
        },
    )
    if resident.household_id:
        signals.household_changed.send(sender=PopulationTag, households=[resident.household_id])
    return tag, True


@transaction.atomic
def end_tag(*, actor, tag: PopulationTag, end_date) -> PopulationTag:
    _require(actor, "registry.edit", tag.region_code)
    if end_date < tag.start_date:
        raise ValidationError({"end_date": END_BEFORE_START})
    tag.end_date = end_date
    tag.save(update_fields=["end_date"])
    audit.record(
        actor=actor,
        action="registry.end_tag",
        instance=tag.resident,
        region_code=tag.region_code,
        after={
            "tag": "****" if tag.tag in privacy.SENSITIVE_TAGS else tag.tag,
            "end_date": str(end_date),
        },
    )
    if tag.resident.household_id:
        signals.household_changed.send(sender=PopulationTag, households=[tag.resident.household_id])
    return tag


@transaction.atomic
def reveal_resident(*, actor, resident: Resident, reason: str):
    """Let the actor see one person's sensitive values in clear for 30 minutes, for a
    stated reason, written to the audit log."""
    # Permission first: someone who may never reveal is told so, not asked for a reason.
    _require(actor, "registry.reveal", resident.region_code)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(
            {
                "reason": "请说明查看原因（至少 4 个字） State why you need to see this (at least 4 characters)."
            }
        )
    grant = privacy.grant(user=actor, resident=resident, reason=reason)
    audit.record(
        actor=actor,
        action="registry.reveal_resident",
        instance=resident,
        region_code=resident.region_code,
        reason=reason,
        after={"expires_at": grant.expires_at.isoformat()},
    )
    return grant


# --- Places and organisations ---------------------------------------------------------------


def _normalise_contact(instance) -> None:
    for field in ("keeper_phone", "contact_phone"):
        if hasattr(instance, field):
            setattr(instance, field, normalise_phone(getattr(instance, field), field=field))


@transaction.atomic
def create_place(*, actor, grid: Region, uuid=None, **fields) -> tuple[Place, bool]:
    place = Place(uuid=uuid or uuid_module.uuid4(), **fields)
    _place_in_grid(place, grid)
    _normalise_contact(place)
    return _save_new(actor, place, action="registry.create_place")


@transaction.atomic
def create_organisation(*, actor, grid: Region, uuid=None, **fields) -> tuple[Organisation, bool]:
    organisation = Organisation(uuid=uuid or uuid_module.uuid4(), **fields)
    _place_in_grid(organisation, grid)
    _normalise_contact(organisation)
    return _save_new(actor, organisation, action="registry.create_organisation")


@transaction.atomic
def update_record(
    *, actor, record: Place | Organisation, changes: dict, expected_version: int | None = None
):
    """Change a place or an organisation."""
    record = type(record).objects.select_for_update().get(pk=record.pk)
    grid = changes.pop("grid", None)
    record, before = _save_changes(actor, record, changes, expected_version=expected_version)
    if grid is not None:
        _place_in_grid(record, grid)
    _normalise_contact(record)
    label = record._meta.model_name
    return _finish_update(actor, record, before, action=f"registry.update_{label}")
