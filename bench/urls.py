"""The app's URLs (config/urls.py) and two empty views the bench measures beside the pages: what
the app's middleware costs a page that does nothing, for a visitor and for a signed-in learner
(their session and user read). A page can reach no higher ratio than these; served by
`make bench` only (bench/settings.py), never by the app."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def empty(request):
    return HttpResponse("ok")


def empty_signed_in(request):
    return HttpResponse("ok" if request.user.is_authenticated else "not signed in")


urlpatterns = [
    path("bench/empty/", empty),
    path("bench/empty-signed-in/", empty_signed_in),
    *app_urlpatterns,
]
