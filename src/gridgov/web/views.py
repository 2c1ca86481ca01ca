"""Pages for people. Each view is a few lines: read through the scoped querysets, render."""

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import access
from gridgov.regions.models import Region
from gridgov.web.forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


@login_required
def home(request):
    return render(request, "web/home.html", {})


@login_required
def region_browser(request):
    return render(request, "web/regions.html", {})


@login_required
def region_detail(request, code: str):
    region = access(Region.objects, request.user, code=code)
    return render(request, "web/region.html", {"region": region})
