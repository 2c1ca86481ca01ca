"""Open311 GeoReport v2 for residents' apps (source resident_open311), JSON only.

- GET  services.json: what can be reported (the active leaf categories);
- POST requests.json: a new request (form-encoded), answered with its tracking code as
  `service_request_id`;
- GET  requests/<id>.json and requests.json?service_request_id=a,b: where requests stand,
  with `media_url` (the resident's first photo, for whoever holds the code) when there is one.

A photo cannot be sent by `media_url` (the server fetches nothing from the network); send it
from the public page.

There is no listing of all requests: a request is found only by its tracking code, and what
is shown of it never includes names or phones, and its place only to about 100 m. The
residents' limits of `cases.public` apply (requests per hour, wrong codes per hour). No
cookies are used, so the POST needs no CSRF token; an `Idempotency-Key` header makes a
resent POST return the first request.

Errors are `[{"code": <HTTP status>, "description": "<field>: <中文 English>"}]`.
"""

import uuid

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.accounts.middleware import client_ip_var
from gridgov.cases import public
from gridgov.cases.choices import Source

app_name = "open311"

_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d8b9e-3c1a-4b7e-9a55-2f0e6a1c9d31")

# Our field names as an Open311 client knows them.
_OPEN311_FIELDS = {
    "category": "service_code",
    "village": "address_string",
    "latitude": "lat",
    "description": "description",
    "name": "first_name",
    "phone": "phone",
    "service_request_id": "service_request_id",
    "__all__": "request",
}


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


def _errors(status: int, items: list[tuple[str, str]]) -> JsonResponse:
    return _json(
        [
            {"code": status, "description": f"{name}: {text}" if name else text}
            for name, text in items
        ],
        status=status,
    )


def _invalid(error: ValidationError) -> JsonResponse:
    if not hasattr(error, "error_dict"):
        return _errors(400, [("", message) for message in error.messages])
    return _errors(
        400,
        [
            (_OPEN311_FIELDS.get(name, name), message)
            for name, errors in error.error_dict.items()
            for message in ValidationError(errors).messages
        ],
    )


def _limited(limited: public.RateLimited) -> JsonResponse:
    response = _errors(429, [("", limited.message)])
    response["Retry-After"] = str(limited.retry_after)
    return response


def _time(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


@require_GET
def services(request):
    """The kinds of request a resident can send."""
    return _json(
        [
            {
                "service_code": category.code,
                "service_name": category.name_zh,
                "description": category.name_en,
                "metadata": False,
                "type": "realtime",
                "keywords": category.code.split(".")[0],
                "group": category.parent.name_zh if category.parent_id else category.name_zh,
            }
            for category in public.categories()
        ]
    )


def _number(request, name: str) -> float | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as error:
        raise ValidationError({name: "须为数字 Must be a number (decimal degrees)."}) from error


def _name(first: str, last: str) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return f"{last}{first}"  # Chinese names: family name first, no space
    return " ".join(part for part in (first, last) if part)


def _request_uuid(request) -> uuid.UUID:
    key = request.headers.get("Idempotency-Key", "").strip()
    return uuid.uuid5(_IDEMPOTENCY_NAMESPACE, key) if key else uuid.uuid4()


def _create(request) -> JsonResponse:
    try:
        latitude = _number(request, "lat")
        longitude = _number(request, "long")
        event, _created = public.submit(
            uuid=_request_uuid(request),
            category=(request.POST.get("service_code") or "").strip(),
            description=request.POST.get("description") or "",
            latitude=latitude if longitude is not None else None,
            longitude=longitude if latitude is not None else None,
            address=request.POST.get("address_string") or "",
            name=_name(request.POST.get("first_name", ""), request.POST.get("last_name", "")),
            phone=request.POST.get("phone") or "",
            client_ip=client_ip_var.get(),
            source=Source.RESIDENT_OPEN311,
        )
    except ValidationError as error:
        return _invalid(error)
    except public.RateLimited as limited:
        return _limited(limited)
    notice = (
        f"请保存查询码 {event.tracking_code}，凭它查询办理进度 "
        f"Keep the code {event.tracking_code} to follow your request."
    )
    return _json(
        [{"service_request_id": event.tracking_code, "service_notice": notice}], status=201
    )


def _request_view(status: public.PublicStatus, request) -> dict:
    notes = status.state_words + (f"：{status.result}" if status.result else "")
    view = {
        "service_request_id": status.tracking_code,
        "status": "open" if status.is_open else "closed",
        "status_notes": notes,
        "service_name": status.category,
        "service_code": status.category_code,
        "agency_responsible": status.agency,
        "requested_datetime": _time(status.reported_at),
        "updated_datetime": _time(status.updated_at),
        "lat": status.latitude,
        "long": status.longitude,
    }
    if status.photos:
        # The resident's first photo, re-encoded; listed only for requests that do not
        # concern a key population (public.view_of leaves those without photos).
        path = reverse(
            "public:photo", kwargs={"code": status.tracking_code, "photo": status.photos[0].uuid}
        )
        view["media_url"] = request.build_absolute_uri(path)
    return view


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request):
    """POST: a new request. GET: the requests named by `service_request_id` (comma
    separated); without it, nothing, since requests are not listed."""
    if request.method == "POST":
        return _create(request)
    ids = [item for item in request.GET.get("service_request_id", "").split(",") if item.strip()]
    if not ids:
        return _errors(
            400,
            [
                (
                    "service_request_id",
                    "请给出查询码 Give one or more tracking codes: requests are not listed.",
                )
            ],
        )
    try:
        found = public.statuses(ids, client_ip=client_ip_var.get())
    except ValidationError as error:
        return _invalid(error)
    except public.RateLimited as limited:
        return _limited(limited)
    return _json([_request_view(status, request) for status in found])


@require_GET
def request_detail(request, service_request_id: str):
    """One request by its tracking code."""
    try:
        status = public.status(service_request_id, client_ip=client_ip_var.get())
    except public.UnknownCode as unknown:
        return _errors(404, [("service_request_id", str(unknown))])
    except public.RateLimited as limited:
        return _limited(limited)
    return _json([_request_view(status, request)])


urlpatterns = [
    path("services.json", services, name="services"),
    path("requests.json", requests, name="requests"),
    path("requests/<str:service_request_id>.json", request_detail, name="request"),
]
