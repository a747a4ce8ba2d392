from django.http import HttpResponse
from django.urls import path

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Floor</title></head>
<body><main><h1>Floor</h1><p>A small page from a one-view Django app.</p></main></body>
</html>
"""


def page(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", page)]
