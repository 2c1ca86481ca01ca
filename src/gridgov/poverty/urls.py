"""Web pages of the poverty app, mounted at /poverty/."""

from django.urls import path

from gridgov.poverty import views

app_name = "poverty"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<uuid:review_uuid>/decide/", views.decide, name="decide"),
    path("monitored/<uuid:monitored_uuid>/", views.monitored, name="monitored"),
    path("monitored/<uuid:monitored_uuid>/step/", views.step, name="step"),
    path("households/<uuid:household_uuid>/find/", views.household_find, name="find"),
    path("households/<uuid:household_uuid>/income/", views.household_income, name="income"),
    path(
        "households/<uuid:household_uuid>/checklist/", views.household_checklist, name="checklist"
    ),
]
