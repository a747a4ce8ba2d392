"""Signed, non-expiring tokens for the one-click unsubscribe link in reminder emails.

The token carries only the user's id, signed with SECRET_KEY, so links in old emails keep
working and a tampered or made-up token is refused.
"""

from django.core import signing

_SALT = "accounts.unsubscribe"


def unsubscribe_token(user):
    return signing.dumps({"u": user.pk}, salt=_SALT, compress=True)


def user_id_from_unsubscribe_token(token):
    """The user id in `token`, or None if it is not one of ours."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None
