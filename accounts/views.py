from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.forms import PreferencesForm
from accounts.selectors import profile_for
from careers import services as careers_services

# Changing any of these moves the learner's next weekly reminder.
SCHEDULE_FIELDS = {"time_zone", "reminder_weekday", "reminder_hour"}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    profile = profile_for(request.user)
    context = {"reminder_summary": profile.reminder_summary}
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=profile)
        if form.is_valid():
            form.save()
            if SCHEDULE_FIELDS.intersection(form.changed_data):
                careers_services.reschedule_reminders(request.user, timezone.now())
            messages.success(request, "Preferences saved.")
            return redirect("accounts:preferences")
        # The form keeps what was typed; the summary (computed before binding) shows what is saved.
        return render(request, "accounts/preferences.html", {**context, "form": form}, status=400)
    form = PreferencesForm(instance=profile)
    return render(request, "accounts/preferences.html", {**context, "form": form})
