def masked_email(email):
    """ "learner@example.com" -> "l••••••@example.com": enough to recognise, not to harvest."""
    name, at, domain = email.partition("@")
    return f"{name[:1]}{'•' * max(len(name) - 1, 1)}{at}{domain}"
