import json
from zoneinfo import ZoneInfo

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.forms import DeleteAccountForm, PreferencesForm
from accounts.selectors import learner_data, masked_email
from accounts.services import WrongPassword, delete_account, reset_calendar_address
from accounts.tokens import user_id_from_unsubscribe_token
from careers import calendar, reminders
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
            reminders.save_preferences(
                profile=form.instance, changed_fields=form.changed_data, now=timezone.now()
            )
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
    learner's weekly digest off (every pathway: one email, one list). Links in old emails keep
    working."""
    user_id = user_id_from_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "accounts/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        reminders.unsubscribe(user=user)
        return render(request, "accounts/unsubscribed.html", {"email": masked_email(user.email)})
    return render(request, "accounts/unsubscribe.html", {"email": masked_email(user.email)})


@require_safe
def calendar_feed(request, token):
    """The learner's plan as an iCalendar feed, for calendar apps: no session, the secret address
    is the proof. An unknown or reset address is a 404; an unchanged plan answers 304."""
    profile = calendar.feed_owner(token)
    if profile is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    version = calendar.feed_version(profile, now)
    response = HttpResponse(
        content_type="text/calendar; charset=utf-8",
        headers={
            "ETag": f'"{version}"',
            "Cache-Control": "private, no-cache",  # ask again each time: the ETag makes it cheap
            "X-Robots-Tag": "noindex",
        },
    )
    response = get_conditional_response(request, etag=f'"{version}"', response=response)
    if response.status_code == 200:
        response.content = calendar.feed_body(profile, version, now)
    return response


@login_required
@require_POST
def reset_calendar(request):
    """Replace the calendar address: the old one stops working, and apps subscribed to it stop
    updating until the learner subscribes again."""
    reset_calendar_address(profile=request.user.profile)
    messages.success(
        request,
        "Calendar address reset. The old address no longer works: add the new one to your calendar app.",
    )
    return redirect(f"{reverse('accounts:preferences')}#calendar")


# --- Privacy: the learner's data is theirs --------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def download_data(request):
    """GET explains; POST answers with everything we keep about the learner, as a JSON file."""
    if request.method != "POST":
        return render(request, "accounts/download_data.html")
    now = timezone.now()
    data = learner_data(user=request.user, now=now)
    day = now.astimezone(ZoneInfo(data["preferences"]["time_zone"])).date()
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="career-pathways-data-{day.isoformat()}.json"',
            "Cache-Control": "no-store",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account_view(request):
    """GET asks for the password; POST with the right one deletes the account and everything in
    it, logs the learner out and shows the confirmation. A wrong password deletes nothing."""
    if request.method != "POST":
        return render(request, "accounts/delete_account.html", {"form": DeleteAccountForm()})
    # Guessing the password from a session left open is limited as allauth's reauthentication is.
    limited = ratelimit.consume_or_429(request, action="reauthenticate", user=request.user)
    if limited:
        return limited
    form = DeleteAccountForm(request.POST)
    if form.is_valid():
        try:
            delete_account(user=request.user, password=form.cleaned_data["password"])
        except WrongPassword:
            form.password_is_wrong()
        else:
            logout(request)
            return redirect("accounts:account_deleted")
    return render(request, "accounts/delete_account.html", {"form": form}, status=400)


@require_safe
def account_deleted(request):
    return render(request, "accounts/account_deleted.html")
