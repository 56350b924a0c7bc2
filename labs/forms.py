"""The review of a lab report's values: the report's date and laboratory once, then one row per value."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils.translation import gettext_lazy as _

from labs import analytes, services
from labs.models import Observation

MAX_ROWS = services.MAX_OBSERVATIONS


def analyte_choices() -> list[tuple[str, str]]:
    """The table's analytes by their French name (as the laboratories print them), then "another"."""
    return [
        ("", _("Another analyte (name below)")),
        *sorted(((analyte.loinc, analyte.name) for analyte in analytes.ANALYTES), key=lambda choice: choice[1]),
    ]


class NumberField(forms.CharField):
    """A decimal typed with a comma or a dot ("6,8" or "6.8"); cleaned to a Decimal."""

    default_validators = [DecimalValidator(max_digits=14, decimal_places=4)]
    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 30, "autocomplete": "off"})

    def to_python(self, value):
        text = super().to_python(value)
        return services.parse_number(text) if text not in self.empty_values else None


class ReviewReportForm(forms.Form):
    sampled_on = forms.DateField(
        label=_("Sample date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date the sample was taken.")},
    )
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200, required=False)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_sampled_on(self):
        sampled_on = self.cleaned_data["sampled_on"]
        if self.today is not None and sampled_on > self.today:
            raise ValidationError(_("The sample date cannot be in the future."), code="future")
        return sampled_on


class ReviewObservationForm(forms.Form):
    loinc = forms.ChoiceField(label=_("Analyte"), required=False, choices=analyte_choices)
    label = forms.CharField(label=_("Name on the report"), max_length=200, required=False)
    comparator = forms.ChoiceField(label=_("Comparator"), required=False, choices=Observation.Comparator.choices)
    value = NumberField(label=_("Value"))
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    unit_as_written = forms.BooleanField(label=_("Keep this unit as written"), required=False)
    reference_low = NumberField(label=_("Range, low"), required=False)
    reference_high = NumberField(label=_("Range, high"), required=False)
    # "" (the default, and an added row's) derives the flag from the range; "=" says it is within.
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[("", _("From the range")), ("=", _("Within range")), ("H", _("High (H)")), ("L", _("Low (L)"))],
    )
    source_line = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    @property
    def is_doubtful(self) -> bool:
        return bool(self.initial.get("doubtful"))

    @property
    def unsure(self) -> list[str]:
        """The fields the reader was unsure of (analyte, value, unit, reference)."""
        return self.initial.get("unsure") or []

    @property
    def is_proposed(self) -> bool:
        return bool(self.initial)

    @property
    def shows_unit_as_written(self) -> bool:
        """The "keep as written" box shows once a unit the analyte is not reported in was sent."""
        return "unit" in self.errors or bool(self.data.get(self.add_prefix("unit_as_written")))

    def clean(self):
        data = super().clean()
        loinc, unit = data.get("loinc") or "", data.get("unit") or ""
        if not loinc and not (data.get("label") or "").strip() and "value" in data:
            self.add_error("label", ValidationError(_("Choose the analyte, or write its name."), code="required"))
        if loinc and not data.get("unit_as_written") and not services.unit_is_known(loinc, unit):
            analyte = analytes.get(loinc)
            self.add_error(
                "unit",
                ValidationError(
                    _("%(analyte)s is reported in %(units)s. Correct the unit, or keep it as written.")
                    % {"analyte": analyte.name, "units": ", ".join(services.known_units(loinc))},
                    code="unknown_unit",
                ),
            )
        low, high = data.get("reference_low"), data.get("reference_high")
        if low is not None and high is not None and low > high:
            self.add_error(
                "reference_high",
                ValidationError(_("The high end of the range is below its low end."), code="range_order"),
            )
        return data

    def observation(self) -> dict:
        """The row as lab_reading_confirm takes it."""
        data = self.cleaned_data
        return {
            "loinc": data.get("loinc") or "",
            "label": data.get("label") or "",
            "comparator": data.get("comparator") or "",
            "value": data["value"],
            "unit": data.get("unit") or "",
            "reference_low": data.get("reference_low"),
            "reference_high": data.get("reference_high"),
            "flag": {"": None, "=": ""}.get(data.get("flag") or "", data.get("flag")),
            "source_line": data.get("source_line") or "",
        }


class BaseReviewObservations(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.kept():
            raise ValidationError(_("Keep or add at least one value."), code="empty")

    def kept(self) -> list[ReviewObservationForm]:
        """The rows kept: not removed, and not left blank (an added row nobody filled)."""
        return [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("value") is not None
        ]


ReviewObservations = forms.formset_factory(
    ReviewObservationForm,
    formset=BaseReviewObservations,
    extra=1,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
)
