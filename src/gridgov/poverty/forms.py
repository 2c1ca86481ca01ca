"""Forms of the poverty pages: finding a household, its income and its checklist for a
year. They only parse; the actions check and save, and their errors land on the fields."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.poverty.choices import Category, ChecklistItem, RiskType
from gridgov.poverty.models import ChecklistRecord


def _money(label):
    return forms.DecimalField(
        label=label, min_value=0, max_digits=12, decimal_places=2, required=False, initial=0
    )


class FindForm(forms.Form):
    uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    category = forms.ChoiceField(label=_("监测类别"), choices=Category.choices)
    risk_types = forms.MultipleChoiceField(
        label=_("风险类型"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    helper_name = forms.CharField(label=_("帮扶责任人"), max_length=60, required=False)
    helper_phone = forms.CharField(label=_("帮扶责任人电话"), max_length=24, required=False)
    note = forms.CharField(
        label=_("发现情况"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class YearForm(forms.Form):
    """A record for one year, changed only if nobody changed it since the form was read."""

    year = forms.IntegerField(label=_("年度"), min_value=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("年度不能在将来。"))
        return year


class IncomeForm(YearForm):
    wages = _money(_("工资性收入（元）"))
    business = _money(_("经营性收入（元）"))
    property_income = _money(_("财产性收入（元）"))
    transfers = _money(_("转移性收入（元）"))
    production_costs = _money(_("生产经营支出（元）"))
    medical_out_of_pocket = _money(_("医疗自付费用（元）"))
    member_count = forms.IntegerField(
        label=_("家庭人口"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("留空则按登记的成员数计算。"),
    )
    notes = forms.CharField(label=_("备注"), max_length=300, required=False)


class ChecklistForm(YearForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ChecklistItem.choices)
        for item in ChecklistRecord.ITEMS:
            self.fields[item] = forms.TypedChoiceField(
                label=labels[item],
                choices=[("yes", _("达标")), ("no", _("未达标"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
            )
            self.fields[f"{item}_evidence"] = forms.CharField(
                label=_("佐证或情况"), max_length=300, required=False
            )
