"""Web routes: the API, our pages, language switching and Django's admin."""

from django.contrib import admin
from django.urls import include, path

from gridgov.api import api

urlpatterns = [
    path("api/", api.urls),
    path("registry/", include("gridgov.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("gridgov.web.urls")),
]
