from accounts.models import Profile


def profile_for(user):
    """The user's Profile, created with the defaults if they have none yet."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _created = Profile.objects.get_or_create(user=user)
        user.profile = profile
        return profile


def masked_email(email):
    """ "learner@example.com" -> "l••••••@example.com": enough to recognise, not to harvest."""
    name, at, domain = email.partition("@")
    return f"{name[:1]}{'•' * max(len(name) - 1, 1)}{at}{domain}"
