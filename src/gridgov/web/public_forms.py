"""Forms of the residents' pages. They check the shape of what the browser sent and hand the
rest to `cases.public`, whose refusals land next to the field they name, in Chinese and
English. The request form carries a UUID made when it is rendered, so sending it twice (a
double tap, a resend after a lost answer) stores one request."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.cases import public


class PhotoInput(forms.ClearableFileInput):
    """A file input taking several photos; on a phone it offers the back camera."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to `public.MAX_PHOTOS` photos; what they are is checked by `cases.public`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            PhotoInput(
                attrs={
                    "accept": "image/jpeg,image/png,image/webp",
                    "capture": "environment",
                    "multiple": True,
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > public.MAX_PHOTOS:
            raise ValidationError(
                f"最多上传 {public.MAX_PHOTOS} 张照片 At most {public.MAX_PHOTOS} photos can be "
                "attached."
            )
        return [super(PhotosField, self).clean(item, initial) for item in files]


class PlaceField(forms.ChoiceField):
    """A county, township or village by its code. The lists depend on each other and may be
    out of step after a change without JavaScript; `cases.public` checks the village."""

    def valid_value(self, value) -> bool:
        return True


def _category_choices() -> list:
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in public.categories():
        group = category.parent.name_zh if category.parent_id else ""
        groups.setdefault(group, []).append((category.code, category.name_zh))
    choices: list = [("", _("请选择"))]
    for group, items in groups.items():
        choices += items if not group else [(group, items)]
    return choices


def _region_choices(regions, prompt) -> list[tuple[str, str]]:
    return [("", prompt), *((region.code, region.name) for region in regions)]


class ResidentForm(forms.Form):
    """What a resident fills in to report a problem or ask for help."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    category = forms.ChoiceField(label=_("问题类别"))
    description = forms.CharField(
        label=_("遇到了什么问题"),
        max_length=public.DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写清楚什么事、在哪里、从什么时候开始。"),
    )
    title = forms.CharField(
        label=_("标题（可不填）"),
        max_length=120,
        required=False,
        help_text=_("不填时用问题描述的开头。"),
    )
    county = PlaceField(label=_("县市"), required=False)
    township = PlaceField(label=_("乡镇（街道）"), required=False)
    village = PlaceField(label=_("村（社区）"), required=False)
    address = forms.CharField(
        label=_("详细地点（可不填）"),
        max_length=200,
        required=False,
        help_text=_("如组名、门牌、路口。"),
    )
    photos = PhotosField(
        label=_("照片（可不填，最多 3 张）"),
        required=False,
        help_text=_("JPEG、PNG 或 WebP；照片中的位置等信息会被去除。"),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("您的称呼（可不填）"), max_length=60, required=False)
    phone = forms.CharField(
        label=_("手机号码（可不填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
        help_text=_("只有办理人员能看到，用于联系您。"),
    )
    # A trap for robots: hidden from people, who leave it empty.
    website = forms.CharField(
        label=_("请勿填写此项"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    PLACE_FIELDS = ("county", "township", "village")
    rate_limited = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        county = (source.get("county") or "").strip()
        township = (source.get("township") or "").strip()
        if township and not township.startswith(county):
            township = ""
        self.fields["category"].choices = _category_choices()
        self.fields["county"].choices = _region_choices(public.counties(), _("请选择县市"))
        self.fields["township"].choices = _region_choices(public.townships(county), _("请选择乡镇"))
        self.fields["village"].choices = _region_choices(
            public.villages(township), _("请选择村（社区）")
        )

    def visible_main_fields(self):
        skip = {*self.PLACE_FIELDS, "website", "address", "name", "phone", "photos"}
        return [field for field in self.visible_fields() if field.name not in skip]

    def submit(self, *, client_ip: str | None):
        """(event, created), or None with the reasons on the form."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return public.submit(
                uuid=data["client_uuid"],
                category=data["category"],
                description=data["description"],
                title=data["title"],
                village=data["village"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                address=data["address"],
                name=data["name"],
                phone=data["phone"],
                honeypot=data["website"],
                photos=data["photos"],
                client_ip=client_ip,
            )
        except ValidationError as error:
            self._add_errors(error)
        except public.RateLimited as limited:
            self.rate_limited = True
            self.add_error(None, limited.message)
        return None

    def _add_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.error_dict.items():
            if name == "latitude":
                name = "village"
            self.add_error(name if name in self.fields else None, messages)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "ABCD EFGH JKLM",
            }
        ),
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对办理结果满意吗"),
        coerce=int,
        choices=[
            (5, _("5 非常满意")),
            (4, _("4 满意")),
            (3, _("3 基本满意")),
            (2, _("2 不满意")),
            (1, _("1 非常不满意")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("还想说的话（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("问题没有解决？请说明原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
