"""Web pages of the poverty app."""

app_name = "poverty"

urlpatterns: list = []
