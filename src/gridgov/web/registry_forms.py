"""Forms of the register pages.

A form checks the shape of what the browser sent, then hands the change to
`registry.actions`, which holds the rules. When an action refuses (a bad ID number, a birth
date that does not match it, a reason too short), its error is put next to the field it
names, in the words the action used: Chinese and English. Fields the actions check are not
checked twice here, so a person sees one message, not two that disagree.

Every create form carries a UUID generated when the form is rendered: a double click, or a
resubmit after a lost response, sends the same UUID and the action returns the first record.
"""

import uuid

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.masking import mask_phone
from gridgov.regions.models import Region
from gridgov.registry import actions, privacy, queries
from gridgov.registry.choices import (
    SENSITIVE_TAGS,
    AttentionLevel,
    DisabilityLevel,
    Education,
    Ethnicity,
    HealthInsurance,
    HouseholdType,
    HousingSafety,
    OrganisationKind,
    PlaceKind,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, Resident
from gridgov.web import registry_pages

BLANK = ("", "—")
MOVE_CHOICES_SHOWN = 300
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(table, blank_label=BLANK[1]) -> list[tuple[str, str]]:
    return [("", blank_label), *((value, label) for value, label in table.choices if value)]


def _text(label, max_length: int, *, required: bool = False, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs) if attrs else None,
    )


def _notes() -> forms.CharField:
    return forms.CharField(
        label=_("备注"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _coordinate(label, limit: int) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _client_uuid() -> forms.UUIDField:
    # `initial` is called when the form is rendered: each blank form gets its own key.
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class GridChoiceField(forms.ModelChoiceField):
    """A grid the user may keep records in, sent by its code (no database ids in pages)."""

    def __init__(self, user, **kwargs):
        grids = (
            Region.objects.visible_to(user, "registry.edit")
            .filter(level="grid")
            .only("code", "name")
            .order_by("code")
        )
        # One grid is preselected; among several the user must choose, never a silent default.
        empty_label = None if grids.count() == 1 else _("请选择网格")
        super().__init__(
            queryset=grids,
            to_field_name="code",
            label=_("所属网格"),
            empty_label=empty_label,
            **kwargs,
        )

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.code}"


class ActionForm(forms.Form):
    """A form whose change is made by an action; the action's refusals land on the form."""

    def run(self, action, **arguments):
        """The action's result, or None with the reasons added to the form."""
        try:
            return action(**arguments)
        except ValidationError as error:
            self._add_action_errors(error)
        except actions.VersionConflict:
            self.add_error(None, _("记录已被他人修改，请重新打开页面后再改。"))
        except actions.PermissionDenied as denied:
            raise PermissionDenied from denied
        return None

    def _add_action_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.error_dict.items():
            # A field the form does not show (a derived value) is reported for the form.
            self.add_error(field if field in self.fields else None, messages)


# --- Filters of the lists -----------------------------------------------------------------


class WithinFilterForm(forms.Form):
    """The filters every register list has: where (a region of the user's scope) and text."""

    within = forms.ChoiceField(label=_("范围"), required=False)
    q = forms.CharField(label=_("搜索"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        code = (self.data.get("within") or "").strip() if self.is_bound else ""
        # A deeper region than the select lists (a link from a region page) is accepted too.
        extra = code if code.isdigit() and registry_pages.is_visible_region(user, code) else ""
        self.fields["within"].choices = [
            ("", _("全部")),
            *registry_pages.within_regions(user, extra),
        ]

    def apply(self, records: QuerySet) -> QuerySet:
        """`records` narrowed by the filters; nothing when a filter is invalid."""
        if not self.is_bound:
            return records
        if not self.is_valid():
            return records.none()
        if self.cleaned_data["within"]:
            records = records.within(self.cleaned_data["within"])
        return self.narrow(records, self.cleaned_data)

    def narrow(self, records: QuerySet, data: dict) -> QuerySet:
        text = data["q"].strip()
        return records.filter(name__contains=text) if text else records


class HouseholdFilterForm(WithinFilterForm):
    housing_safety = forms.ChoiceField(
        label=_("住房安全"),
        required=False,
        choices=[("", _("全部")), *HousingSafety.choices, ("none", _("未评定"))],
    )
    tag = forms.ChoiceField(label=_("人群标签"), required=False)

    field_order = ["within", "q", "housing_safety", "tag"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].label = _("地址或户主姓名")
        # Filtering by a key population tells who belongs to it: only people who follow
        # those residents (and may see them in clear) get these tags in the list.
        sensitive_allowed = registry_pages.can(user, "registry.reveal")
        self.fields["tag"].choices = [
            ("", _("全部")),
            *(
                (value, label)
                for value, label in Tag.choices
                if sensitive_allowed or value not in SENSITIVE_TAGS
            ),
        ]

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        if text and queries.looks_private(text):
            raise ValidationError(
                _("身份证号码和电话号码请到“查找人员”页面查询，不要放在网址里。"), code="private"
            )
        return text

    def refused_private_text(self) -> bool:
        """Whether the text search was refused for looking like an ID number or a phone."""
        return self.is_bound and not self.is_valid() and self.has_error("q", code="private")

    def narrow(self, households: QuerySet, data: dict) -> QuerySet:
        if data["housing_safety"]:
            safety = "" if data["housing_safety"] == "none" else data["housing_safety"]
            households = households.filter(housing_safety=safety)
        if data["tag"]:
            households = registry_pages.households_with_tag(households, data["tag"])
        return queries.search_households(households, data["q"])


class RecordFilterForm(WithinFilterForm):
    """Places and organisations: where, what kind, part of the name."""

    kind = forms.ChoiceField(label=_("类别"), required=False)

    field_order = ["within", "q", "kind"]

    def __init__(self, *args, user, kinds, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].label = _("名称")
        self.fields["kind"].choices = [("", _("全部")), *kinds.choices]

    def narrow(self, records: QuerySet, data: dict) -> QuerySet:
        if data["kind"]:
            records = records.filter(kind=data["kind"])
        return super().narrow(records, data)


# --- Households ---------------------------------------------------------------------------


class HouseholdForm(ActionForm):
    """Register a household in one of the user's grids."""

    uuid = _client_uuid()
    address = _text(_("地址"), 200, required=True)
    house_number = _text(_("门牌号"), 40)
    household_type = forms.ChoiceField(
        label=_("户别"), choices=HouseholdType.choices, initial=HouseholdType.REGISTERED
    )
    housing_safety = forms.ChoiceField(
        label=_("住房安全等级"), choices=_choices(HousingSafety, _("未评定")), required=False
    )
    latitude = _coordinate(_("纬度"), 90)
    longitude = _coordinate(_("经度"), 180)
    notes = _notes()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = GridChoiceField(user)
        self.order_fields(["uuid", "grid", "address", "house_number"])
        self.fields["latitude"].help_text = _("不填则用网格中心点。")

    def save(self, *, actor) -> Household | None:
        data = dict(self.cleaned_data)
        grid, key = data.pop("grid"), data.pop("uuid")
        result = self.run(actions.create_household, actor=actor, grid=grid, uuid=key, **data)
        return result[0] if result else None


class HouseholdEditForm(HouseholdForm):
    """Change a household; the version the page was drawn from guards against overwriting
    someone else's change made in the meantime."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, household: Household, **kwargs):
        initial = {
            field: getattr(household, field)
            for field in (
                "address",
                "house_number",
                "household_type",
                "housing_safety",
                "latitude",
                "longitude",
                "notes",
                "version",
            )
        }
        initial["grid"] = household.region_code
        initial["head"] = household.head.uuid if household.head_id else None
        super().__init__(*args, user=user, initial=initial, **kwargs)
        del self.fields["uuid"]
        self.household = household
        members = list(queries.residents_for(user).filter(household=household))
        clear = privacy.revealed_ids(user, members)
        head = forms.ModelChoiceField(
            queryset=Resident.objects.filter(household=household),
            to_field_name="uuid",
            required=False,
            label=_("户主"),
            empty_label=BLANK[1],
        )
        # Names in the select are the masked view: a child's name stays hidden here too.
        head.choices = [
            BLANK,
            *(
                (str(m.uuid), privacy.resident_view(m, revealed=m.pk in clear)["name"])
                for m in members
            ),
        ]
        self.fields["head"] = head
        self.fields["latitude"].help_text = ""

    def save(self, *, actor) -> Household | None:
        changes = dict(self.cleaned_data)
        version = changes.pop("version")
        return self.run(
            actions.update_household,
            actor=actor,
            household=self.household,
            changes=changes,
            expected_version=version,
        )


# --- Residents ----------------------------------------------------------------------------


class ResidentForm(ActionForm):
    """Register a person in a household. The ID number gives the birth date and sex; when
    they are entered as well, the action checks that they agree."""

    uuid = _client_uuid()
    # Required by the action, which says so in both languages.
    name = _text(_("姓名"), 60)
    id_number = _text(_("身份证号码"), 24, autocomplete="off", inputmode="text", spellcheck="false")
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE_INPUT)
    sex = forms.ChoiceField(label=_("性别"), choices=_choices(Sex), required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=_choices(Ethnicity), required=False)
    phone = _text(_("联系电话"), 24, autocomplete="off", inputmode="tel")
    relation_to_head = forms.ChoiceField(
        label=_("与户主关系"), choices=_choices(RelationToHead), required=False
    )
    residence_status = forms.ChoiceField(
        label=_("居住状态"), choices=ResidenceStatus.choices, initial=ResidenceStatus.LIVING_HERE
    )
    away_since = forms.DateField(label=_("外出时间"), required=False, widget=DATE_INPUT)
    education = forms.ChoiceField(label=_("文化程度"), choices=_choices(Education), required=False)
    health_insurance = forms.ChoiceField(
        label=_("医疗保险"), choices=_choices(HealthInsurance), required=False
    )
    disability_level = forms.ChoiceField(
        label=_("残疾等级"), choices=DisabilityLevel.choices, required=False
    )
    notes = _notes()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The action requires a name (and says so); the label shows it from the start.
        self.fields["name"].marked_required = True
        self.fields["id_number"].help_text = _("18 位。出生日期和性别从号码中读取，可不填。")
        self.fields["away_since"].help_text = _("外出务工的成员填写。")

    def fields_for_action(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("uuid", None)
        data["id_number"] = data["id_number"].strip() or None
        return data

    def save(self, *, actor, household: Household) -> Resident | None:
        result = self.run(
            actions.create_resident,
            actor=actor,
            household=household,
            uuid=self.cleaned_data["uuid"],
            **self.fields_for_action(),
        )
        return result[0] if result else None


class ResidentEditForm(ResidentForm):
    """Change a person's record. Unless the person is shown in clear, the ID number and the
    phone are not put in the page: left empty, they stay as they are."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, resident: Resident, view: dict, **kwargs):
        fields = [name for name in ResidentForm.base_fields if name != "uuid"]
        initial = {name: getattr(resident, name) for name in fields}
        initial["version"] = resident.version
        self.revealed = not view["masked"]
        if not self.revealed:
            initial["id_number"] = initial["phone"] = ""
        super().__init__(*args, initial=initial, **kwargs)
        del self.fields["uuid"]
        self.resident = resident
        if not self.revealed:
            for name in ("id_number", "phone"):
                field = self.fields[name]
                field.widget.attrs["placeholder"] = view[name]
                field.help_text = _("当前为 %(value)s。留空表示不修改。") % {
                    "value": view[name] or "—"
                }

    def save(self, *, actor) -> Resident | None:
        changes = self.fields_for_action()
        version = changes.pop("version")
        if not self.revealed:
            # Empty means "unchanged" for values the page did not show.
            for name in ("id_number", "phone"):
                if not changes[name]:
                    changes.pop(name)
        return self.run(
            actions.update_resident,
            actor=actor,
            resident=self.resident,
            changes=changes,
            expected_version=version,
        )


class RevealForm(ActionForm):
    """Why the user needs to see this person's ID number, phone and tags in clear."""

    # The action asks for a reason of at least 4 characters and says so in both languages.
    reason = forms.CharField(label=_("查看原因"), max_length=300, required=False)

    prefix = "reveal"

    def save(self, *, actor, resident: Resident):
        return self.run(
            actions.reveal_resident,
            actor=actor,
            resident=resident,
            reason=self.cleaned_data["reason"],
        )


class TagForm(ActionForm):
    """Put a person in a key population or a care group."""

    prefix = "tag"

    uuid = _client_uuid()
    tag = forms.ChoiceField(label=_("人群类别"), choices=_choices(Tag, _("请选择")))
    attention_level = forms.ChoiceField(
        label=_("关注程度"), choices=AttentionLevel.choices, initial=AttentionLevel.GENERAL
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DATE_INPUT, initial=timezone.localdate)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False)

    def save(self, *, actor, resident: Resident) -> PopulationTag | None:
        data = dict(self.cleaned_data)
        key = data.pop("uuid")
        result = self.run(actions.add_tag, actor=actor, resident=resident, uuid=key, **data)
        return result[0] if result else None


class EndTagForm(ActionForm):
    """The day a tag stops applying (someone's correction term ended, a child grew up)."""

    end_date = forms.DateField(label=_("结束日期"), widget=DATE_INPUT, initial=timezone.localdate)

    prefix = "end"

    def __init__(self, *args, tag_uuid: str, **kwargs):
        # One form per tag on the page: the ids differ, the field names do not.
        super().__init__(*args, auto_id=f"id_end_{tag_uuid}_%s", **kwargs)
        self.tag_uuid = tag_uuid

    def save(self, *, actor, tag: PopulationTag) -> PopulationTag | None:
        return self.run(
            actions.end_tag, actor=actor, tag=tag, end_date=self.cleaned_data["end_date"]
        )


class MoveForm(ActionForm):
    """Move a person to another household. Any household the user may change is accepted;
    the select offers the households of the person's village, or those a search found."""

    household = forms.ModelChoiceField(
        label=_("迁入户"), queryset=Household.objects.none(), to_field_name="uuid"
    )
    reason = forms.CharField(label=_("迁移原因"), max_length=200, required=False)

    prefix = "move"

    def __init__(self, *args, user, resident: Resident, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        editable = Household.objects.visible_to(user, "registry.edit").exclude(
            pk=resident.household_id
        )
        field = self.fields["household"]
        field.queryset = editable
        # An address search only: ID numbers and phones do not belong in this URL.
        self.search = search = "" if queries.looks_private(search) else search.strip()[:60]
        if search:
            offered = queries.search_households(editable, search)
        else:
            offered = editable.within(resident.region_code[:12])
        shown = offered.order_by("address", "id")[:MOVE_CHOICES_SHOWN]
        # Addresses only: the select must not carry anyone's personal data.
        field.choices = [("", _("请选择")), *((str(h.uuid), str(h)) for h in shown)]

    def save(self, *, actor, resident: Resident) -> Resident | None:
        return self.run(
            actions.move_resident,
            actor=actor,
            resident=resident,
            to_household=self.cleaned_data["household"],
            reason=self.cleaned_data["reason"],
        )


class ResidentSearchForm(forms.Form):
    """Search for people. Sent by POST: ID numbers and phones must never be in a URL."""

    text = forms.CharField(label=_("姓名、拼音、身份证号或电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=60, required=False)
    within = forms.ChoiceField(label=_("范围"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["within"].choices = [("", _("全部")), *registry_pages.within_regions(user)]
        self.fields["text"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def search(self, residents: QuerySet) -> QuerySet:
        if not self.is_valid():
            return residents.none()
        if self.cleaned_data["within"]:
            residents = residents.within(self.cleaned_data["within"])
        if self.cleaned_data["text"].strip():
            residents = queries.search_residents(residents, self.cleaned_data["text"])
        if self.cleaned_data["address"].strip():
            residents = queries.search_by_address(residents, self.cleaned_data["address"])
        return residents

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text", "").strip() and not cleaned.get("address", "").strip():
            raise forms.ValidationError(_("请输入姓名、证件号、电话或地址"))
        return cleaned


# --- Places and organisations ---------------------------------------------------------------


class PlaceForm(ActionForm):
    """Register a place or thing a grid worker watches."""

    uuid = _client_uuid()
    kind = forms.ChoiceField(label=_("类别"), choices=_choices(PlaceKind, _("请选择")))
    name = _text(_("名称"), 100, required=True)
    address = _text(_("地址"), 200)
    latitude = _coordinate(_("纬度"), 90)
    longitude = _coordinate(_("经度"), 180)
    keeper_name = _text(_("负责人"), 60)
    keeper_phone = _text(_("负责人电话"), 24, inputmode="tel", autocomplete="off")
    notes = _notes()

    action = staticmethod(actions.create_place)
    order = ["uuid", "grid", "kind", "name", "address", "keeper_name", "keeper_phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = GridChoiceField(user)
        self.order_fields(self.order)

    def save(self, *, actor) -> Place | Organisation | None:
        data = dict(self.cleaned_data)
        grid, key = data.pop("grid"), data.pop("uuid")
        result = self.run(self.action, actor=actor, grid=grid, uuid=key, **data)
        return result[0] if result else None


_PHONES = {"keeper_phone", "contact_phone"}


class RecordEditing:
    """Turns a place or organisation form into its edit form: the record's values to start
    from, and the version the page was drawn from, so that nobody's change is overwritten."""

    def __init__(self, *args, user, record, **kwargs):
        names = [name for name in self.order if name not in ("uuid", "grid")] + [
            "latitude",
            "longitude",
            "notes",
        ]
        # A contact's phone is a person's number: the form never shows it in clear, and an
        # empty box keeps the number there is.
        initial = {name: getattr(record, name) for name in names if name not in _PHONES}
        initial.update(grid=record.region_code, version=record.version)
        super().__init__(*args, user=user, initial=initial, **kwargs)
        del self.fields["uuid"]
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
        for name in _PHONES & set(self.fields):
            current = mask_phone(getattr(record, name))
            self.fields[name].help_text = (
                _("现为 %(phone)s，留空则不改") % {"phone": current} if current else ""
            )
        self.record = record

    def save(self, *, actor):
        changes = dict(self.cleaned_data)
        version = changes.pop("version")
        for name in _PHONES:
            if not changes.get(name):
                changes.pop(name, None)
        # An emptied text box clears the text; numbers and coordinates may be empty.
        changes = {
            key: "" if value is None and isinstance(self.fields[key], forms.CharField) else value
            for key, value in changes.items()
        }
        return self.run(
            actions.update_record,
            actor=actor,
            record=self.record,
            changes=changes,
            expected_version=version,
        )


class OrganisationForm(PlaceForm):
    """Register an organisation: an enterprise, a school, a clinic, a co-operative …"""

    kind = forms.ChoiceField(label=_("类别"), choices=_choices(OrganisationKind, _("请选择")))
    keeper_name = keeper_phone = None
    contact_name = _text(_("联系人"), 60)
    contact_phone = _text(_("联系电话"), 24, inputmode="tel", autocomplete="off")
    size = forms.IntegerField(label=_("人数"), required=False, min_value=0)

    action = staticmethod(actions.create_organisation)
    order = ["uuid", "grid", "kind", "name", "address", "contact_name", "contact_phone", "size"]


class PlaceEditForm(RecordEditing, PlaceForm):
    """Change a place or thing."""


class OrganisationEditForm(RecordEditing, OrganisationForm):
    """Change an organisation."""
