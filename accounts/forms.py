from allauth.account import forms as allauth_forms
from django import forms

from accounts.models import Profile
from accounts.time_zones import clean_time_zone, time_zone_choices


class PlainFieldsMixin:
    """Our wording for allauth's forms: sentence-case labels ("Remember me", not "Remember Me"), and
    no placeholders, which only repeat the labels we always show."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
            if field.label:
                field.label = str(field.label).capitalize()


class LoginForm(PlainFieldsMixin, allauth_forms.LoginForm):
    pass


class AddEmailForm(PlainFieldsMixin, allauth_forms.AddEmailForm):
    pass


class ChangePasswordForm(PlainFieldsMixin, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(PlainFieldsMixin, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordForm(PlainFieldsMixin, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(PlainFieldsMixin, allauth_forms.ResetPasswordKeyForm):
    pass


class SignupForm(PlainFieldsMixin, allauth_forms.SignupForm):
    """allauth's email + password sign-up, plus the browser's time zone (filled in by static/app.js)."""

    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""

    def clean_time_zone(self):
        # Never an error at sign-up: anything unknown (or nothing, without JavaScript) means UTC.
        return clean_time_zone(self.cleaned_data.get("time_zone"))

    def signup(self, request, user):
        profile = user.profile  # made with the user (accounts.models.create_profile)
        profile.time_zone = self.cleaned_data.get("time_zone") or clean_time_zone(None)
        profile.save(update_fields=["time_zone"])


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Your weekly reminder arrives at this local time.",
    )

    class Meta:
        model = Profile
        fields = ["time_zone", "reminder_weekday", "reminder_hour", "reminders_enabled"]
        labels = {
            "reminder_weekday": "Reminder day",
            "reminder_hour": "Reminder time",
            "reminders_enabled": "Send me a weekly reminder email",
        }
        help_texts = {
            "reminder_hour": "In your time zone.",
            "reminders_enabled": "A short email with the week’s tasks from your plan.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["time_zone"].widget.attrs["data-time-zone-select"] = ""


class DeleteAccountForm(forms.Form):
    """The learner's password, to confirm deleting their account (checked by
    accounts.services.delete_account)."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you.",
    )

    def password_is_wrong(self):
        self.add_error("password", "That is not your password. Nothing was deleted.")
