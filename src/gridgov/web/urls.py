from django.urls import path

from gridgov.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("regions/", views.region_browser, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
]
