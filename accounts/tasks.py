"""Celery: account emails the mail server refused during a request, sent again from a worker."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from celery import shared_task

from accounts.adapter import MAIL_ERRORS


@shared_task(
    name="accounts.tasks.send_confirmation",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def send_confirmation(email_address_id, signup=True):
    """(Re)send the confirmation link of EmailAddress `email_address_id`, unless it was confirmed
    or removed meanwhile. Mail errors raise, so Celery retries with backoff."""
    address = EmailAddress.objects.filter(pk=email_address_id, verified=False).select_related("user").first()
    if address is None:
        return False
    confirmation = get_emailconfirmation_model().create(address)
    get_adapter().deliver_confirmation_mail(None, confirmation, signup)
    return True
