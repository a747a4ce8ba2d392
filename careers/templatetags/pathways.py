from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Screen readers say "→" as "right arrow": they are given "to" instead, and the eye the arrow.
_SPOKEN_ARROW = '<span aria-hidden="true">\u2192</span><span class="visually-hidden">to</span>'


@register.filter
def short_title_html(pathway):
    """The pathway's short title ("Software Engineer → Deep Learning Engineer", Pathway.short_title)
    for a page, read out as "Software Engineer to Deep Learning Engineer"."""
    return mark_safe(escape(pathway.short_title).replace("\u2192", _SPOKEN_ARROW))  # noqa: S308 (escaped)
