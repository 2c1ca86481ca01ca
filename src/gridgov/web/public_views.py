"""Pages for residents, without an account: report a problem, follow it with the tracking
code, rate the answer or say it is not solved. Each view parses, calls `cases.public` and
renders. Nothing here needs a session except CSRF and the one-line messages.

The tracking code may appear in the address (it is not personal data), but the pages that
show a request are never cached or indexed.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.accounts.middleware import client_ip_var
from gridgov.cases import public
from gridgov.web.public_forms import RateForm, ReopenForm, ResidentForm, TrackForm


def private_page(view):
    """No cache keeps the page, no search engine lists it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _limited(request, limited: public.RateLimited, template: str, context: dict):
    context["limit_message"] = limited.message
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


@require_http_methods(["GET"])
def index(request):
    """What this is, with the two ways in: report a problem, follow one."""
    return render(request, "public/index.html", {"track_form": TrackForm()})


@private_page
@require_http_methods(["GET", "POST"])
def new(request):
    """The request form. Choosing a county or township sends the form back to fill the next
    list (JavaScript does it on change; without it, the "next" buttons do)."""
    if request.method == "POST" and "step" in request.POST:
        form = ResidentForm(initial=request.POST.dict())
    elif request.method == "POST":
        form = ResidentForm(request.POST, request.FILES)
        result = form.submit(client_ip=client_ip_var.get())
        if result is not None:
            event, _created = result
            return redirect("public:submitted", code=event.tracking_code)
        status = 429 if form.rate_limited else 200
        return render(request, "public/new.html", {"form": form}, status=status)
    else:
        form = ResidentForm()
    return render(request, "public/new.html", {"form": form})


def _not_found(request, error: Exception | None = None):
    form = TrackForm()
    return render(
        request,
        "public/not_found.html",
        {"track_form": form, "message": str(error) if error else ""},
        status=404,
    )


@private_page
@require_http_methods(["GET"])
def submitted(request, code: str):
    """The tracking code, big, with a word to keep it."""
    try:
        event = public.find(code, client_ip=client_ip_var.get())
    except public.UnknownCode as error:
        return _not_found(request, error)
    except public.RateLimited as limited:
        return _limited(request, limited, "public/not_found.html", {"track_form": TrackForm()})
    status_url = reverse("public:status", kwargs={"code": event.tracking_code})
    return render(
        request,
        "public/submitted.html",
        {"code": event.tracking_code, "status_url": status_url},
    )


@private_page
@require_http_methods(["GET", "POST"])
def track(request):
    """The code box: off to the request's page."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = public.normalise_code(form.cleaned_data["code"])
        return redirect("public:status", code=code or "-")
    return render(request, "public/track.html", {"track_form": form})


@private_page
@require_http_methods(["GET", "POST"])
def status(request, code: str):
    """Where the request stands, its timeline, and the rating or reopening forms when they
    apply. A refused rating or reopening is shown on its form (status 422)."""
    client_ip = client_ip_var.get()
    action = request.POST.get("action") if request.method == "POST" else None
    rate_form = RateForm(request.POST if action == "rate" else None, prefix="rate")
    reopen_form = ReopenForm(request.POST if action == "reopen" else None, prefix="reopen")
    try:
        if action in ("rate", "reopen"):
            form = rate_form if action == "rate" else reopen_form
            if form.is_valid() and _act(form, code, client_ip):
                thanks = (
                    _("谢谢您的评价。") if action == "rate" else _("已重新提交办理，请留意进度。")
                )
                messages.success(request, thanks)
                return redirect("public:status", code=public.normalise_code(code))
        request_status = public.status(code, client_ip=client_ip)
    except public.UnknownCode as error:
        return _not_found(request, error)
    except public.RateLimited as limited:
        return _limited(request, limited, "public/not_found.html", {"track_form": TrackForm()})
    refused = any(form.is_bound and form.errors for form in (rate_form, reopen_form))
    context = {"status": request_status, "rate_form": rate_form, "reopen_form": reopen_form}
    return render(request, "public/status.html", context, status=422 if refused else 200)


def _act(form, code: str, client_ip: str | None) -> bool:
    """Rate or reopen; False with the refusal on the form."""
    try:
        if isinstance(form, RateForm):
            public.rate(
                code,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                client_ip=client_ip,
            )
        else:
            public.reopen(code, reason=form.cleaned_data["reason"], client_ip=client_ip)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
        for name, refusals in getattr(error, "error_dict", {}).items():
            form.add_error(name if name in form.fields else None, refusals)
        return False
    return True


@private_page
@require_http_methods(["GET"])
def photo(request, code: str, photo):
    """A photo the resident sent with the request, for whoever holds its code: the
    re-encoded picture (no location or camera data), never a staff attachment."""
    try:
        found = public.photo(code, photo, client_ip=client_ip_var.get())
    except (public.UnknownCode, public.RateLimited):
        raise Http404 from None
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
