from accounts.models import Profile


def profile_for(user):
    """The user's Profile, created with the defaults if they have none yet."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _created = Profile.objects.get_or_create(user=user)
        user.profile = profile
        return profile
