"""Pages for people. Each view is a few lines: read through the scoped querysets, render."""

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gridgov.accounts.queries import scope_roots, work_assignments
from gridgov.accounts.scope import access
from gridgov.regions import queries
from gridgov.regions.models import Region
from gridgov.web import registry_pages
from gridgov.web.forms import LoginForm, RegionSearchForm

SEARCH_PAGE_SIZE = 20


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
    """What is mine to do: the user's roles and the regions they work in."""
    return render(request, "web/home.html", {"assignments": work_assignments(request.user)})


@login_required
def region_browser(request):
    """Where the user's scope starts, and a search over every region they may see."""
    form = RegionSearchForm(request.GET)
    results = form.search(Region.objects.visible_to(request.user))
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    roots = scope_roots(request.user)
    return render(request, "web/regions.html", {"form": form, "page": page, "roots": roots})


@login_required
def region_detail(request, code: str):
    """One region: the path down to it, what it is, its children as a list and on a map."""
    region = access(Region.objects.defer("geometry"), request.user, code=code)
    # The page lists names only; the map fetches the boundaries from the API on its own.
    visible = Region.objects.visible_to(request.user).defer("geometry")
    context = {
        "region": region,
        "path": queries.path_to(region, visible),
        "children": queries.children_of(region, request.user),
        "map_url": reverse("api:region_map", kwargs={"code": region.code}),
        "household_count": registry_pages.household_count(request.user, region.code),
        "can_add_household": region.is_grid
        and registry_pages.can(request.user, "registry.edit", region.code),
    }
    return render(request, "web/region.html", context)
