import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from accounts.time_zones import DEFAULT_TIME_ZONE, validate_time_zone


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]


def new_calendar_token():
    """A fresh secret for the address of a learner's calendar feed (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


class Profile(models.Model):
    """A learner's settings: where they are, and when they want their weekly reminder."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="IANA time zone name, e.g. Europe/London. Reminders use this local time.",
    )
    reminder_weekday = models.PositiveSmallIntegerField(
        "reminder day", choices=Weekday.choices, default=Weekday.MONDAY
    )
    reminder_hour = models.PositiveSmallIntegerField(
        "reminder time", choices=HOUR_CHOICES, default=8, validators=[MaxValueValidator(23)]
    )
    reminders_enabled = models.BooleanField("weekly reminders", default=True)
    # The secret in the address of the learner's calendar feed (careers.calendar): whoever has it
    # reads the plan, so it is unguessable, never shown in the admin, and can be replaced.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    # The learner's answers to "Which pathway fits me?" (careers recommendations), kept to
    # prefill the form next time.
    current_role = models.CharField(max_length=150, blank=True)
    target_role = models.CharField(max_length=150, blank=True)
    skills = models.JSONField(default=list, blank=True, help_text="Transferable skills the learner has.")
    hours_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(80)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_weekday__lte=6), name="accounts_profile_weekday_0_6"
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_hour__lte=23), name="accounts_profile_hour_0_23"
            ),
        ]

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def reminder_summary(self):
        if not self.reminders_enabled:
            return "Weekly reminders are off."
        day = Weekday(self.reminder_weekday).label
        return f"Weekly reminder every {day} at {self.reminder_hour:02d}:00 ({self.time_zone})."

    @property
    def calendar_url(self):
        """The calendar feed's address on SITE_URL, to copy into a calendar app."""
        return f"{settings.SITE_URL}{reverse('accounts:calendar_feed', args=[self.calendar_token])}"

    @property
    def calendar_webcal_url(self):
        """The same address as a webcal:// link, which opens the device's calendar app."""
        return "webcal://" + self.calendar_url.split("://", 1)[1]


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.create_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    """Every user has a Profile from the start (sign-up, createsuperuser, the admin, tests), so
    reads are a plain `user.profile`. Fixtures being loaded (`raw`) bring their own."""
    if created and not raw:
        # By id, so `instance.profile` is read afresh: code that updates the new row (a test's
        # update_or_create, say) is not hidden behind a cached copy.
        Profile.objects.create(user_id=instance.pk)
