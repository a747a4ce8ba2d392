"""django-allauth hooks for Career Pathways (settings.ACCOUNT_ADAPTER points here)."""

import logging
import smtplib
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.db import transaction
from django.urls import reverse

logger = logging.getLogger(__name__)

# The mail server refused, dropped the connection or did not answer: worth another try later.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def site_url(url_or_path):
    """`url_or_path` made absolute on settings.SITE_URL, whatever host the request came in on.

    Links in emails must point at the public site, not at the Host header of the request that
    happened to send them (an internal name behind a proxy, or an attacker's choice).
    """
    parts = urlsplit(url_or_path)
    site = urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, parts.path or "/", parts.query, parts.fragment))


def user_display(user):
    """How allauth names a user in messages and emails: by email, as nobody picks a username."""
    return user.email or user.get_username()


class AccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request, emailconfirmation):
        if request is None:  # a worker resending it (accounts.tasks): no request, no sites framework
            return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        """Send the confirmation link; if the mail server fails, the sign-up (or "resend") still
        succeeds: the error is logged and a worker retries (accounts.tasks.send_confirmation), and
        the learner can ask for it again from the login or email page."""
        try:
            self.deliver_confirmation_mail(request, emailconfirmation, signup)
        except MAIL_ERRORS as error:
            address = emailconfirmation.email_address
            logger.warning(
                "confirmation email not sent, retrying in a worker: email_address=%s %s: %s",
                address.pk,
                type(error).__name__,
                error,
            )
            transaction.on_commit(lambda: _queue_confirmation(address.pk, signup))

    def deliver_confirmation_mail(self, request, emailconfirmation, signup):
        """allauth's send_confirmation_mail, errors raised (the retrying task wants them)."""
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def get_reset_password_from_key_url(self, key):
        return site_url(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix, email, context):
        # Every link allauth puts in an email (activate_url, password_reset_url, signup_url, ...)
        # is built from the request: rebase them all on SITE_URL.
        context = {
            key: site_url(value) if key.endswith("_url") and isinstance(value, str) and value else value
            for key, value in context.items()
        }
        context.setdefault("site_url", settings.SITE_URL)
        if allauth_context.request is None:
            # A worker (accounts.tasks): no request to name the site from, and our templates use
            # SITE_URL, not allauth's current_site.
            self.render_mail(template_prefix, email, {"request": None, "email": email, **context}).send()
            return
        super().send_mail(template_prefix, email, context)


def _queue_confirmation(email_address_id, signup):
    from accounts import tasks

    try:
        tasks.send_confirmation.delay(email_address_id, signup)
    except Exception:  # the broker is down too: the learner can still resend it
        logger.exception("could not queue the confirmation email: email_address=%s", email_address_id)
