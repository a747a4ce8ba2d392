"""django-allauth hooks for Career Pathways (settings.ACCOUNT_ADAPTER points here)."""

from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


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
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

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
        super().send_mail(template_prefix, email, context)
