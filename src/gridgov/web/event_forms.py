"""Forms of the event pages: the list's filters, the intake and hotline forms, and one form per
workflow action, drawn from `cases.inputs.ACTION_INPUTS`.

The forms check the shape of what the browser sent; `cases.actions.report_event` and
`cases.workflow.transition` hold the rules. When they refuse, their error (Chinese, then
English) is put next to the field it names. Every intake form carries a UUID generated when
it is drawn, and every action form an idempotency key and the version of the event it was
drawn from: a double click does not act twice, and a change by someone else in between is
caught instead of overwritten.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from gridgov.cases import actions, deadlines, effects
from gridgov.cases.choices import (
    Card,
    DeadlineUnit,
    EmergencyGrade,
    Level,
    RequestKind,
    Source,
    State,
    Urgency,
)
from gridgov.cases.inputs import (
    ACTION_INPUTS,
    DAYS,
    DEPARTMENT,
    DEPARTMENTS,
    EVENT,
    LEVEL,
    SCORE,
    TEXT,
    TEXT_MAX_LENGTH,
    Input,
)
from gridgov.cases.models import Event
from gridgov.cases.workflow import TRANSITIONS
from gridgov.web import event_pages

PHONE = RegexValidator(
    r"^\+?[0-9][0-9 -]{5,18}[0-9]$",
    _("请填写有效的电话号码 Enter a valid phone number."),
)


ALL = _("全部")


def _blank(choices, label=ALL) -> list:
    return [("", label), *choices]


def _client_uuid() -> forms.UUIDField:
    # `initial` is called when the form is drawn: each blank form gets its own key.
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


def _coordinate(label, limit: int) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's refusal next to the field it names (or on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.error_dict.items():
        form.add_error(field if field in form.fields else None, messages)


# --- The list's filters --------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    """Narrow the events a person sees: where, state, category, card, overdue, title."""

    q = forms.CharField(label=_("标题"), max_length=60, required=False)
    within = forms.ChoiceField(label=_("范围"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(State.choices))
    category = forms.ChoiceField(label=_("类别"), required=False)
    card = forms.ChoiceField(
        label=_("督办"),
        required=False,
        choices=_blank(
            [("any", _("黄牌或红牌")), (Card.YELLOW, Card.YELLOW.label), (Card.RED, Card.RED.label)]
        ),
    )
    overdue = forms.BooleanField(label=_("仅看已超期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        code = (self.data.get("within") or "").strip() if self.is_bound else ""
        # A deeper region than the select lists (a link from elsewhere) is accepted too.
        extra = code if code.isdigit() and event_pages.is_within_scope(user, code) else ""
        self.fields["within"].choices = _blank(event_pages.within_choices(user, extra))
        self.fields["category"].choices = _blank(event_pages.category_choices())

    def apply(self, events, now):
        """`events` narrowed by the filters; nothing when a filter is invalid."""
        if not self.is_bound:
            return events
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data["within"]:
            events = events.within(data["within"])
        if data["state"]:
            events = events.filter(state=data["state"])
        if data["category"]:
            events = events.filter(category__code__in=self._category_codes(data["category"]))
        if data["card"] == "any":
            events = events.exclude(card=Card.NONE)
        elif data["card"]:
            events = events.filter(card=data["card"])
        if data["overdue"]:
            events = events.filter(deadlines.overdue_q(now))
        if data["q"].strip():
            events = events.filter(title__contains=data["q"].strip())
        return events

    def _category_codes(self, code: str) -> list[str]:
        """A top-level category stands for itself and its children."""
        for _group, options in self.fields["category"].choices[1:]:
            codes = [value for value, _label in options]
            if code == codes[-1]:  # the group's own code comes last
                return codes
        return [code]


# --- Intake ------------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """上报: a grid worker reports what they found."""

    source = Source.GRID_WORKER

    uuid = _client_uuid()
    category = forms.ChoiceField(label=_("类别"))
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(
        label=_("情况描述"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.MEDIUM
    )
    emergency_grade = forms.ChoiceField(
        label=_("突发事件等级"),
        required=False,
        choices=_blank(EmergencyGrade.choices, "—"),
        help_text=_("仅突发事件需要定级。"),
    )
    grid = forms.ChoiceField(label=_("所属网格"), required=False)
    latitude = _coordinate(_("纬度"), 90)
    longitude = _coordinate(_("经度"), 180)
    address = forms.CharField(label=_("地点"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = _blank(event_pages.category_choices(), _("请选择类别"))
        self._setup_grid()

    def _setup_grid(self) -> None:
        grids = list(event_pages.report_grids(self.user))
        self.grids = {grid.code: grid for grid in grids}
        choices = [(grid.code, f"{grid.name} · {grid.code}") for grid in grids]
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].code
        self.fields["grid"].choices = _blank(choices, _("按地图上的位置确定"))
        self.fields["grid"].help_text = _(
            "在地图上点选位置，或用“使用我的位置”；也可以直接选择网格。"
        )

    def clean_grid(self):
        code = self.cleaned_data["grid"]
        return self.grids.get(code) if code else None

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError({"longitude": _("经纬度须同时填写 Give both coordinates.")})
        return data

    def arguments(self) -> dict:
        data = dict(self.cleaned_data)
        return {
            "uuid": data.pop("uuid"),
            "title": data["title"],
            "category": data["category"],
            "description": data["description"],
            "urgency": data["urgency"],
            "emergency_grade": data["emergency_grade"],
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "grid": data["grid"],
            "address": data["address"],
            "source": self.source,
        }

    def save(self, *, actor) -> Event | None:
        """The new event (or the first one, for a resubmitted form); None with the action's
        reasons added to the form."""
        try:
            event, _created = actions.report_event(actor=actor, **self.arguments())
        except ValidationError as error:
            add_action_errors(self, error)
            return None
        return event


class HotlineForm(IntakeForm):
    """An operator at a township or county centre takes a 12345 call: the caller, the grid
    (found by searching the region tree), and what the matter is."""

    source = Source.HOTLINE

    q = forms.CharField(widget=forms.HiddenInput, required=False)
    reporter_name = forms.CharField(label=_("来电人姓名"), max_length=60, required=False)
    reporter_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        required=False,
        validators=[PHONE],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    field_order = [
        "uuid",
        "q",
        "reporter_name",
        "reporter_phone",
        "grid",
        "category",
        "title",
        "description",
        "urgency",
        "emergency_grade",
        "address",
    ]

    def __init__(self, *args, grids=(), **kwargs):
        self.found = list(grids)
        super().__init__(*args, **kwargs)
        del self.fields["latitude"], self.fields["longitude"]

    def _setup_grid(self) -> None:
        # The grids found by the search, and the one already chosen (a form sent back).
        chosen = (self.data.get("grid") or "").strip() if self.is_bound else ""
        grids = {grid.code: grid for grid in self.found}
        if chosen and chosen not in grids:
            grid = event_pages.report_grid(self.user, chosen)
            if grid is not None:
                grids[grid.code] = grid
        self.grids = grids
        field = self.fields["grid"]
        field.required = True
        field.widget = forms.RadioSelect()
        field.choices = [
            (grid.code, f"{grid.parent.name} · {grid.name} · {grid.code}")
            for grid in grids.values()
        ]
        field.help_text = _("先在上面搜索村（社区）或网格的名称、拼音或代码，再选择网格。")

    def arguments(self) -> dict:
        arguments = super().arguments()
        arguments.update(
            latitude=None,
            longitude=None,
            reporter_name=self.cleaned_data["reporter_name"].strip(),
            reporter_phone=self.cleaned_data["reporter_phone"].strip(),
        )
        return arguments


# --- One form per workflow action ------------------------------------------------------------------


class TransitionForm(forms.Form):
    """The inputs of one action (`ACTION_INPUTS`), the event's version when the page was drawn,
    and an idempotency key made then. Field names carry the action as prefix, so every form
    on the event page has its own."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=100, initial=lambda: uuid.uuid4().hex
    )

    def __init__(self, *args, action: str, event: Event, choices: "ActionChoices", **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        self.action = action
        self.label = TRANSITIONS[action].label
        self.event = event
        self.inputs: tuple[Input, ...] = ACTION_INPUTS[action]
        self.choices = choices
        self.fields["version"].initial = event.version
        for item in self.inputs:
            self.fields[item.name] = self._field(item)

    def _field(self, item: Input) -> forms.Field:
        label, required = item.label, item.required
        if item.kind == TEXT:
            return forms.CharField(
                label=label,
                required=required,
                max_length=TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if item.kind == LEVEL:
            levels = self.choices.levels(self.event)
            field = forms.ChoiceField(
                label=label, required=required, choices=[(lv, Level(lv).label) for lv in levels]
            )
            field.initial = levels[-1] if levels else None
            return field
        if item.kind == DEPARTMENT:
            options = (
                self.choices.returning(self.event)
                if self.action in ("approve_return", "refuse_return")
                else self.choices.departments(self.event)
            )
            return forms.ChoiceField(
                label=label,
                required=required,
                choices=_blank([(str(d.pk), d.name) for d in options], _("请选择")),
            )
        if item.kind == DEPARTMENTS:
            return forms.MultipleChoiceField(
                label=label,
                required=required,
                choices=[(str(d.pk), d.name) for d in self.choices.departments(self.event)],
                widget=forms.CheckboxSelectMultiple,
            )
        if item.kind == EVENT:
            return forms.ChoiceField(
                label=label,
                required=required,
                choices=_blank(
                    [
                        (str(other.uuid), f"{other.title} · {other.tracking_code}")
                        for other in self.choices.duplicates(self.event)
                    ],
                    _("请选择"),
                ),
            )
        if item.kind == DAYS:
            unit = DeadlineUnit(self.event.deadline_unit).label
            return forms.IntegerField(
                label=label,
                required=required,
                min_value=1,
                max_value=365,
                help_text=_("单位：%(unit)s") % {"unit": unit},
            )
        if item.kind == SCORE:
            return forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=int,
                choices=[(n, str(n)) for n in range(5, 0, -1)],
                widget=forms.RadioSelect,
            )
        raise ValueError(f"no field for input kind {item.kind!r}")

    def details(self) -> dict:
        """The cleaned inputs as `transition()` takes them (blank optional choices left out,
        so the action's default applies)."""
        details = {}
        for item in self.inputs:
            value = self.cleaned_data.get(item.name)
            if item.kind == TEXT:
                details[item.name] = value or ""
            elif value in (None, "", []):
                continue
            elif item.kind == DEPARTMENT:
                details[item.name] = int(value)
            elif item.kind == DEPARTMENTS:
                details[item.name] = [int(v) for v in value]
            elif item.kind == EVENT:
                target = next(
                    (e for e in self.choices.duplicates(self.event) if str(e.uuid) == value), None
                )
                details[item.name] = target.pk if target is not None else None
            else:
                details[item.name] = value
        return details


class ActionChoices:
    """What the action forms of one event page offer, read once per page."""

    def __init__(self, user):
        self.user = user
        self._cache: dict[str, list] = {}

    def _once(self, key: str, read):
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def levels(self, event: Event) -> list[str]:
        return self._once("levels", lambda: effects.escalate_targets(event))

    def departments(self, event: Event) -> list:
        return self._once("departments", lambda: event_pages.departments_for(self.user, event))

    def returning(self, event: Event) -> list:
        """Departments whose return (回退) awaits a decision."""
        return self._once(
            "returning",
            lambda: [
                request.assignment.department
                for request in event_pages.pending_requests(event)
                if request.kind == RequestKind.RETURN and request.assignment_id
            ],
        )

    def duplicates(self, event: Event) -> list[Event]:
        return self._once("duplicates", lambda: actions.possible_duplicates(event, actor=self.user))
