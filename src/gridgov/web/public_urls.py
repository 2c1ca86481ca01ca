"""Pages for residents, without an account: submit a request, follow it, rate the answer."""

app_name = "public"

urlpatterns: list = []
