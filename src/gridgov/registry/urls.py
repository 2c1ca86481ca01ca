"""The register's own pages, mounted at /registry/ (the register's record pages are in
`gridgov.web`)."""

from django.urls import path

from gridgov.registry import import_views

app_name = "registry"

urlpatterns = [
    path("import/", import_views.upload, name="import"),
    path("import/commit/", import_views.commit, name="import_commit"),
]
