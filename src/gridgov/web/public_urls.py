"""Pages for residents, without an account: submit a request, follow it, rate the answer."""

from django.urls import path

from gridgov.web import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("new/", public_views.new, name="new"),
    path("submitted/<str:code>/", public_views.submitted, name="submitted"),
    path("track/", public_views.track, name="track"),
    path("track/<str:code>/", public_views.status, name="status"),
    path("track/<str:code>/photos/<uuid:photo>", public_views.photo, name="photo"),
]
