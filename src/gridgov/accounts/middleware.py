"""Request ids: every request gets one (or keeps a sane one from the proxy), it goes back in
the `X-Request-ID` header, into every log line and into every audit entry. Idle sessions:
each signed-in request moves the session's end forward, writing it at most once a minute."""

import ipaddress
import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.utils.cache import patch_cache_control

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _client_ip(request) -> str | None:
    """The address of the client, as the audit log records it.

    Behind our reverse proxy (GRIDGOV_BEHIND_PROXY) that is the last X-Forwarded-For entry:
    the one the proxy itself appended. Entries before it were sent by the client and can be
    anything. A value that is not an IP address is dropped rather than stored.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return _ip_or_none(forwarded.split(",")[-1])
    return _ip_or_none(request.META.get("REMOTE_ADDR") or "")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(_client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            # What a signed-in person sees may hold personal data: no cache may keep it.
            patch_cache_control(response, no_store=True, private=True)
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


# A signed-in session's end moves forward at most this often: a worker clicking through
# their worklist does not write the session on every page.
SESSION_TOUCH_SECONDS = 60


class IdleSessionMiddleware:
    """Sliding idle sessions (SESSION_COOKIE_AGE after the last activity) without a
    database write on every request: the session is saved, and its end and cookie moved
    forward, when it was last saved a minute or more ago. A session therefore ends between
    29 and 30 idle minutes (with the default 30). Listed last, so that its answer passes
    here before the session middleware decides whether to save."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and not session.is_empty()
            and time.time() - session.get(_TOUCHED, 0) >= SESSION_TOUCH_SECONDS
        ):
            touch(session)
        return response


_TOUCHED = "_touched"


def touch(session) -> None:
    """Note the moment in the session (which marks it modified, so it is saved with a new
    expiry at the end of the request)."""
    session[_TOUCHED] = int(time.time())


def touched_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in saves the session anyway: the minute starts there."""
    if request is not None and hasattr(request, "session"):
        touch(request.session)
