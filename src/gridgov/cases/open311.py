"""Open311 GeoReport v2 for residents' apps (source resident_open311)."""

app_name = "open311"

urlpatterns: list = []
