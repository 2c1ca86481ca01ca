"""Web pages of the visits app."""

from django.urls import path

from gridgov.visits import views

app_name = "visits"

urlpatterns = [
    path(
        "households/<uuid:household_uuid>/new/",
        views.record_visit,
        name="record_visit",
    ),
    path("overdue/", views.overdue, name="overdue"),
    path("worklog/", views.worklog, name="worklog"),
    path("coverage/", views.coverage, name="coverage"),
]
