from urllib.parse import urlencode

from django import forms

from careers import pace, recommendations, selectors
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
        help_text="A role, skill, tool or topic, e.g. “PyTorch” or “speech”.",
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": "Search pathways"}
        ),
    )
    from_role = CaseInsensitiveChoiceField(label="Your role now", required=False)
    to_role = CaseInsensitiveChoiceField(label="Role you want", required=False)
    length = forms.ChoiceField(
        label="Length",
        required=False,
        choices=[("", "Any length")]
        + [(key, label) for key, (label, *_bounds) in selectors.LENGTH_BUCKETS.items()],
    )
    difficulty = CaseInsensitiveChoiceField(label="Difficulty", required=False)

    FILTERS = ("from_role", "to_role", "length", "difficulty")  # beside the search box

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.catalogue_filter_choices()
        self.fields["from_role"].choices = [("", "Any role")] + [(role, role) for role in choices.from_roles]
        self.fields["to_role"].choices = [("", "Any role")] + [(role, role) for role in choices.to_roles]
        self.fields["difficulty"].choices = [("", "Any difficulty")] + [(d, d) for d in choices.difficulties]

    def selector_kwargs(self):
        """Arguments for selectors.catalogue() from the fields that are valid (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return {"query": data.get("q", ""), **{name: data.get(name, "") for name in self.FILTERS}}

    @property
    def is_filtered(self):
        return any(self.selector_kwargs().values())

    @property
    def filters_in_use(self):
        """How many filters (besides the search) are set to a valid value."""
        data = getattr(self, "cleaned_data", {})
        return sum(1 for name in self.FILTERS if data.get(name))

    @property
    def filter_fields(self):
        return [self[name] for name in self.FILTERS]


def hours_field(**options):
    """A learner's hours a week: a whole number from pace.MIN_HOURS to pace.MAX_HOURS, or empty
    for the guide's full-time pace."""
    return forms.IntegerField(
        **{
            "label": "Hours a week",
            "required": False,
            "min_value": pace.MIN_HOURS,
            "max_value": pace.MAX_HOURS,
            "error_messages": {
                "invalid": "Enter a whole number of hours, like 10.",
                "min_value": f"Give at least {pace.MIN_HOURS} hour a week.",
                "max_value": f"Give at most {pace.MAX_HOURS} hours a week.",
            },
            **options,
        }
    )


def hours_from(value):
    """Hours a week from an address's parameter (a recommendation's link), or None when it is
    missing or not a whole number from pace.MIN_HOURS to pace.MAX_HOURS."""
    try:
        return hours_field().clean(value)
    except forms.ValidationError:
        return None


class EnrolForm(forms.Form):
    """Enrolling: the start date, the learner's pace, and the tasks of the timed phases they have
    already done (`timed_phases`: the pathway page's PagePhases, or (phase, tasks) pairs)."""

    start_date = forms.DateField(
        label="Start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Week 1 of your plan starts on this day.",
        error_messages={"invalid": "Enter a date like 2026-03-02.", "required": "Choose the day you start."},
    )
    hours_per_week = hours_field()
    already_done = forms.TypedMultipleChoiceField(
        label="Tasks you have already done",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only tasks of this pathway."},
    )

    def __init__(self, *args, today, timed_phases, full_time_weeks, hours=None, **kwargs):
        super().__init__(*args, initial={"start_date": today, "hours_per_week": hours}, **kwargs)
        self.today = today
        self.task_groups = [(phase, list(tasks)) for phase, tasks in timed_phases]
        self.fields["already_done"].choices = [
            (task.id, task.text) for _phase, tasks in self.task_groups for task in tasks
        ]
        self.fields["hours_per_week"].help_text = (
            f"The guide's {full_time_weeks} weeks assume full-time study, about {pace.FULL_TIME_HOURS} "
            "hours a week. Fewer hours stretch the plan; leave it empty for the full-time pace."
        )

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if abs((start - self.today).days) > 366:
            raise forms.ValidationError("Choose a start date within a year of today.")
        return start

    def tasks_already_done(self):
        """The Task instances ticked as already done (call after is_valid())."""
        chosen = set(self.cleaned_data["already_done"])
        return [task for _phase, tasks in self.task_groups for task in tasks if task.id in chosen]

    @property
    def checked_ids(self):
        """The ids ticked as already done, as the form shows them (bound or not)."""
        values = self["already_done"].value() or []
        return {str(value) for value in values}


class PaceForm(forms.Form):
    """Changing the learner's pace from the pathway page: empty is the full-time pace."""

    hours_per_week = hours_field(help_text="Empty: the full-time pace, about 40 hours a week.")


class FitForm(forms.Form):
    """Which pathway fits me? Every answer is optional; the choices come from the pathways offered."""

    current_role = forms.ChoiceField(label="The role you have now", required=False)
    skills = forms.MultipleChoiceField(
        label="Skills you already have",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose skills from the list."},
    )
    hours_per_week = hours_field(
        label="Hours a week you can give",
        help_text=f"Full time is about {pace.FULL_TIME_HOURS} hours a week; leave empty for full time.",
    )
    target_role = forms.ChoiceField(label="The role you want (optional)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.fit_choices()
        self.fields["current_role"].choices = [("", "Another role")] + [(r, r) for r in choices.current_roles]
        self.fields["target_role"].choices = [("", "Any role")] + [(r, r) for r in choices.target_roles]
        self.fields["skills"].choices = [(skill, skill) for skill in choices.skills]

    def answers(self):
        """The valid answers as careers.recommendations.Answers (call after is_valid())."""
        data = self.cleaned_data
        return recommendations.Answers(
            current_role=data["current_role"],
            skills=tuple(data["skills"]),
            hours_per_week=data["hours_per_week"],
            target_role=data["target_role"],
        )

    def query(self):
        """The answers as a clean query string (no empty parameters), for the results' address."""
        data = self.cleaned_data
        pairs = [("current_role", data["current_role"])]
        pairs += [("skills", skill) for skill in data["skills"]]
        pairs += [("hours_per_week", data["hours_per_week"] or ""), ("target_role", data["target_role"])]
        return urlencode([(key, value) for key, value in pairs if value])


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
