"""Forms of the visits pages. A form checks the shape of what the browser sent and hands the
change to `visits.actions`; the action's refusals are put next to the field they name, in
the action's own words. Create forms carry a UUID made when the form is rendered, so a
double click records once."""

import uuid

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import scope_codes
from gridgov.cases.choices import Urgency
from gridgov.cases.models import Category
from gridgov.regions.models import Region
from gridgov.visits import actions
from gridgov.visits.choices import VisitKind, WorkLogKind

TEXTAREA = {"rows": 3}


def _client_uuid() -> forms.UUIDField:
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


def _coordinate(label, limit: int) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _text(label, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class ActionForm(forms.Form):
    """A form whose change is made by an action; the action's refusals land on the form."""

    # Action field names that the form shows under another name.
    renamed: dict[str, str] = {}

    def run(self, action, **arguments):
        try:
            return action(**arguments)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)
                return None
            for field, messages in error.error_dict.items():
                name = self.renamed.get(field, field)
                self.add_error(name if name in self.fields else None, messages)
        except actions.PermissionDenied as denied:
            raise PermissionDenied from denied
        return None


class PhotoInput(forms.FileInput):
    """A file input for several photos that offers the phone's camera."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to `actions.FORM_PHOTOS` photos, all optional; their content is judged by the
    action, not here."""

    widget = PhotoInput(attrs={"accept": "image/*", "capture": "environment"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [super(PhotosField, self).clean(item, initial) for item in files if item]
        if len(files) > actions.FORM_PHOTOS:
            raise ValidationError(
                f"一次最多上传 {actions.FORM_PHOTOS} 张照片 At most {actions.FORM_PHOTOS} "
                "photos can be sent with a visit."
            )
        return files


class VisitForm(ActionForm):
    """Record a visit to a household, optionally reporting a finding as an event."""

    renamed = {
        "open_event.title": "event_title",
        "open_event.category": "event_category",
        "open_event.urgency": "event_urgency",
        "open_event.description": "event_description",
    }

    uuid = _client_uuid()
    kind = forms.ChoiceField(label=_("走访类型"), choices=VisitKind.choices)
    visited_at = forms.DateTimeField(
        label=_("走访时间"),
        required=False,
        help_text=_("不填即为现在。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    latitude = _coordinate(_("我的位置：纬度"), 90)
    longitude = _coordinate(_("我的位置：经度"), 180)
    findings = _text(_("走访情况"), 4000)
    needs_found = _text(_("群众诉求"), 2000)
    services_delivered = _text(_("服务事项"), 2000)
    photos = PhotosField(
        label=_("照片"),
        help_text=_("可选，最多 3 张。照片中的位置和相机信息会被去除。"),
    )
    open_event = forms.BooleanField(label=_("把发现的问题上报为事件"), required=False)
    event_title = forms.CharField(label=_("事件标题"), max_length=100, required=False)
    event_category = forms.ChoiceField(label=_("事件类别"), required=False)
    event_urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.MEDIUM, required=False
    )
    event_description = _text(_("事件描述"), 2000)

    EVENT_FIELDS = ("open_event", "event_title", "event_category", "event_urgency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_active=True).order_by("sort_order", "code")
        self.fields["event_category"].choices = [
            ("", "—"),
            *((category.code, category.name_zh) for category in categories),
        ]

    def visit_fields(self):
        return [
            self[name]
            for name in self.fields
            if not name.startswith(("event_", "open_")) and name != "photos"
        ]

    def event_fields(self):
        return [self[name] for name in self.fields if name.startswith(("event_", "open_"))]

    def save(self, *, actor, household):
        data = self.cleaned_data
        open_event = None
        if data["open_event"]:
            open_event = {
                "title": data["event_title"],
                "category": data["event_category"],
                "urgency": data["event_urgency"] or Urgency.MEDIUM,
                "description": data["event_description"],
            }
        result = self.run(
            actions.record_visit_with_photos,
            actor=actor,
            photos=data["photos"],
            uuid=data["uuid"],
            household=household,
            visited_at=data["visited_at"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            kind=data["kind"],
            findings=data["findings"],
            needs_found=data["needs_found"],
            services_delivered=data["services_delivered"],
            open_event=open_event,
        )
        return result[0] if result else None


def record_regions(user) -> list[tuple[str, str]]:
    """Where the user may write work-log entries: the top of their recording scope and the
    regions one and two levels below it, in tree order."""
    roots = scope_codes(user, "visits.record")
    if not roots:
        return []
    condition = Q(code__in=roots) | Q(parent__code__in=roots) | Q(parent__parent__code__in=roots)
    regions = Region.objects.filter(condition).only("code", "name").order_by("code")
    return [(region.code, f"{region.name} · {region.code}") for region in regions]


class WorkLogForm(ActionForm):
    """Write an entry of the work log."""

    uuid = _client_uuid()
    region = forms.ChoiceField(label=_("地点"))
    date = forms.DateField(
        label=_("日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=_("类别"), choices=WorkLogKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    text = _text(_("内容"), 4000)
    people_reached = forms.IntegerField(
        label=_("覆盖人数"), min_value=0, max_value=1_000_000, initial=0
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = record_regions(user)
        self.fields["region"].choices = choices
        if len(choices) == 1:
            self.fields["region"].initial = choices[0][0]

    def save(self, *, actor):
        data = self.cleaned_data
        region = Region.objects.get(code=data["region"])
        result = self.run(
            actions.record_worklog_entry,
            actor=actor,
            uuid=data["uuid"],
            region=region,
            date=data["date"],
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            people_reached=data["people_reached"],
        )
        return result[0] if result else None
