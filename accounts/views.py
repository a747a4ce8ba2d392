from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.forms import PreferencesForm
from accounts.selectors import masked_email
from accounts.services import save_preferences, turn_off_reminders
from accounts.tokens import user_id_from_unsubscribe_token
from careers import selectors as careers_selectors


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    profile = request.user.profile
    context = {
        "reminder_summary": profile.reminder_summary,
        "enrolments": careers_selectors.reminder_settings_for(request.user),
    }
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=profile)
        if form.is_valid():
            save_preferences(profile=form.instance, changed_fields=form.changed_data, now=timezone.now())
            messages.success(request, "Preferences saved.")
            return redirect("accounts:preferences")
        # The form keeps what was typed; the summary (computed before binding) shows what is saved.
        return render(request, "accounts/preferences.html", {**context, "form": form}, status=400)
    form = PreferencesForm(instance=profile)
    return render(request, "accounts/preferences.html", {**context, "form": form})


@csrf_exempt  # mail clients POST here without a session (RFC 8058 one-click); the token is the proof
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET asks (mail scanners follow links and must not unsubscribe anyone); POST turns the
    weekly reminders off. Links in old emails keep working."""
    user_id = user_id_from_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "accounts/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        turn_off_reminders(user=user)
        return render(request, "accounts/unsubscribed.html", {"email": masked_email(user.email)})
    return render(request, "accounts/unsubscribe.html", {"email": masked_email(user.email)})
