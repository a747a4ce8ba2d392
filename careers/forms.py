from django import forms

from careers import selectors
from careers.models import SkipReason


class CaseInsensitiveChoiceField(forms.ChoiceField):
    """A choice field that takes "moderate" for the choice "Moderate", as the catalogue filters match."""

    def to_python(self, value):
        value = super().to_python(value)
        for key, _label in self.choices:
            if str(key).casefold() == value.casefold():
                return str(key)
        return value


class CatalogueFilterForm(forms.Form):
    """The catalogue's search and filters, submitted by GET. Unknown choices are form errors."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="A role, skill or topic, e.g. “PyTorch” or “speech”.",
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": "Search pathways"}
        ),
    )
    to_role = CaseInsensitiveChoiceField(label="Target role", required=False)
    duration = forms.ChoiceField(
        label="Length",
        required=False,
        choices=[("", "Any length")]
        + [(key, label) for key, (label, *_bounds) in selectors.DURATION_BUCKETS.items()],
    )
    difficulty = CaseInsensitiveChoiceField(label="Difficulty", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.catalogue_filter_choices()
        self.fields["to_role"].choices = [("", "Any role")] + [(role, role) for role in choices.to_roles]
        self.fields["difficulty"].choices = [("", "Any difficulty")] + [(d, d) for d in choices.difficulties]

    def selector_kwargs(self):
        """Arguments for selectors.catalogue() from the fields that are valid (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q", ""),
            "to_role": data.get("to_role", ""),
            "duration": data.get("duration", ""),
            "difficulty": data.get("difficulty", ""),
        }

    @property
    def is_filtered(self):
        return any(self.selector_kwargs().values())


class EnrolForm(forms.Form):
    start_date = forms.DateField(
        label="Start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Week 1 of your plan starts on this day.",
        error_messages={"invalid": "Enter a date like 2026-03-02.", "required": "Choose the day you start."},
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, initial={"start_date": today}, **kwargs)
        self.today = today

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if abs((start - self.today).days) > 366:
            raise forms.ValidationError("Choose a start date within a year of today.")
        return start


class TickForm(forms.Form):
    """A yes/no state, as "true" or "false". A checkbox posts "true" after a hidden "false",
    so the last value wins: "false" alone means no."""

    def __init__(self, data, field="done"):
        values = data.getlist(field)
        self.field_name = field
        super().__init__({field: values[-1] if values else ""})
        self.fields[field] = forms.CharField()

    def clean(self):
        value = self.cleaned_data.get(self.field_name)
        if value not in {"true", "false"}:
            raise forms.ValidationError({self.field_name: f'{self.field_name} must be "true" or "false".'})
        return {self.field_name: value == "true"}


class SkipForm(forms.Form):
    """Why a task or an action-plan step is skipped: one of SkipReason's values."""

    reason = forms.ChoiceField(
        choices=SkipReason.choices,
        error_messages={
            "required": "Choose why you skip it.",
            "invalid_choice": "reason must be "
            + " or ".join(f'"{value}"' for value in SkipReason.values)
            + ".",
        },
    )

    @property
    def reason_label(self):
        """The reason as a message says it, e.g. "not for me" (call after is_valid())."""
        return SkipReason(self.cleaned_data["reason"]).label.lower()
