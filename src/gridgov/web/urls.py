from django.urls import path

from gridgov.web import event_views, registry_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("regions/", views.region_browser, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    # The register (人、地、物、组织). Records are addressed by their UUID, never by an
    # ID number or phone, which travel only in POST bodies.
    path("households/", registry_views.household_list, name="household_list"),
    path("households/new/", registry_views.household_new, name="household_new"),
    path(
        "households/<uuid:household_uuid>/",
        registry_views.household_card,
        name="household_card",
    ),
    path(
        "households/<uuid:household_uuid>/edit/",
        registry_views.household_edit,
        name="household_edit",
    ),
    path(
        "households/<uuid:household_uuid>/residents/new/",
        registry_views.resident_new,
        name="resident_new",
    ),
    path("residents/", registry_views.resident_search, name="resident_search"),
    path(
        "residents/<uuid:resident_uuid>/",
        registry_views.resident_detail,
        name="resident_detail",
    ),
    path(
        "residents/<uuid:resident_uuid>/edit/",
        registry_views.resident_edit,
        name="resident_edit",
    ),
    path(
        "residents/<uuid:resident_uuid>/reveal/",
        registry_views.resident_reveal,
        name="resident_reveal",
    ),
    path(
        "residents/<uuid:resident_uuid>/tags/",
        registry_views.resident_add_tag,
        name="resident_add_tag",
    ),
    path(
        "residents/<uuid:resident_uuid>/tags/<uuid:tag_uuid>/end/",
        registry_views.resident_end_tag,
        name="resident_end_tag",
    ),
    path(
        "residents/<uuid:resident_uuid>/move/",
        registry_views.resident_move,
        name="resident_move",
    ),
    path("places/", registry_views.place_list, name="place_list"),
    path("places/new/", registry_views.place_new, name="place_new"),
    path("places/<uuid:place_uuid>/edit/", registry_views.place_edit, name="place_edit"),
    path("organisations/", registry_views.organisation_list, name="organisation_list"),
    path("organisations/new/", registry_views.organisation_new, name="organisation_new"),
    path(
        "organisations/<uuid:organisation_uuid>/edit/",
        registry_views.organisation_edit,
        name="organisation_edit",
    ),
    # Events (事件): my worklist, the list, one event and its actions, intake, the inbox.
    path("work/", event_views.worklist_page, name="worklist"),
    path("events/", event_views.event_list, name="event_list"),
    path("events/new/", event_views.event_new, name="event_new"),
    path("events/hotline/", event_views.event_hotline, name="event_hotline"),
    path("events/<uuid:event_uuid>/", event_views.event_detail, name="event_detail"),
    path(
        "events/<uuid:event_uuid>/act/<slug:action>/",
        event_views.event_act,
        name="event_act",
    ),
    path(
        "events/<uuid:event_uuid>/attach/",
        event_views.event_attach,
        name="event_attach",
    ),
    path("inbox/", event_views.inbox, name="inbox"),
    path("inbox/read/", event_views.inbox_read, name="inbox_read"),
]
