"""The one NinjaAPI: every app's router is mounted here; OpenAPI at /api/openapi.json and
interactive docs at /api/docs, served from the installed package (no CDN)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gridgov import __version__, errors
from gridgov.accounts.api import (
    audit_router,
    auth_router,
    departments_router,
    me_router,
    users_router,
)
from gridgov.accounts.auth import API_AUTH
from gridgov.cases import workflow
from gridgov.cases.api import events_router
from gridgov.cases.api_attachments import attachments_router
from gridgov.poverty.api import poverty_router
from gridgov.regions.api import router as regions_router
from gridgov.registry import actions as registry_actions
from gridgov.registry.api import (
    households_router,
    organisations_router,
    places_router,
    residents_router,
)
from gridgov.registry.api_exports import exports_router
from gridgov.visits.api import visits_router

api = NinjaAPI(
    title="gridgov API",
    version=__version__,
    description="网格化社会服务管理 Grid-based social service administration",
    auth=API_AUTH,
    urls_namespace="api",
)

api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/regions", regions_router)
api.add_router("/departments", departments_router)
api.add_router("/users", users_router)
api.add_router("/audit", audit_router)
api.add_router("/households", households_router)
api.add_router("/residents", residents_router)
api.add_router("/places", places_router)
api.add_router("/organisations", organisations_router)
api.add_router("/exports", exports_router)
api.add_router("/events", events_router)
api.add_router("/attachments", attachments_router)
api.add_router("/visits", visits_router)
api.add_router("/poverty", poverty_router)


@api.exception_handler(registry_actions.PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(
        request, {"detail": "无权限 You do not have permission to do this here."}, status=403
    )


@api.exception_handler(DjangoPermissionDenied)
def on_action_denied(request, exc):
    """An action the caller can see but may not take (the workflow says whose it is)."""
    detail = str(exc) or "无权限 You do not have permission to do this here."
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(workflow.IllegalTransition)
def on_illegal_transition(request, exc):
    """Not possible in the event's state: 409, with what the caller can do now."""
    return api.create_response(
        request,
        {"detail": str(exc), "state": exc.state, "allowed_actions": exc.allowed},
        status=409,
    )


@api.exception_handler(workflow.VersionConflict)
@api.exception_handler(registry_actions.VersionConflict)
def on_version_conflict(request, exc):
    response = api.create_response(
        request,
        {
            "detail": "记录已被他人修改，请刷新后再改 The record changed since you read it: reload it.",
            "current_version": exc.current_version,
        },
        status=412,
    )
    response["ETag"] = f'"{exc.current_version}"'
    return response


@api.exception_handler(NinjaValidationError)
def on_request_invalid(request, exc):
    return api.create_response(request, {"errors": errors.from_pydantic(exc.errors)}, status=422)


@api.exception_handler(DjangoValidationError)
def on_model_invalid(request, exc):
    return api.create_response(request, {"errors": errors.from_django(exc)}, status=422)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "未找到 Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "请先登录 Authentication required."}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's own message is English only; say it the way every other field error is said.
        body_error = errors.from_pydantic([{"loc": ("body",), "type": "json_invalid"}])
        return api.create_response(request, {"errors": body_error}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
