from django.urls import path

from careers import views

app_name = "careers"

urlpatterns = [
    path("", views.home, name="home"),
    path("pathways/", views.catalogue, name="catalogue"),
    path("pathways/<slug:slug>/", views.pathway_detail, name="pathway"),
]
