"""Web routes: the API, our pages, language switching and Django's admin."""

from django.contrib import admin
from django.urls import include, path

from gridgov.api import api

urlpatterns = [
    path("api/", api.urls),
    path("registry/", include("gridgov.registry.urls")),
    path("visits/", include("gridgov.visits.urls")),
    path("poverty/", include("gridgov.poverty.urls")),
    path("public/", include("gridgov.web.public_urls")),
    path("open311/v2/", include("gridgov.cases.open311")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("gridgov.web.urls")),
]
