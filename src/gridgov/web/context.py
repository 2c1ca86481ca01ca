"""Template context shared by every page."""

from functools import partial

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from gridgov.accounts.queries import role_labels
from gridgov.accounts.scope import has_permission
from gridgov.cases.notifications import unread_count


def site(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # The sign-in rules, so the pages that explain them always state the configured values.
        "login_failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "login_lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        "session_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        # A callable, so the query runs only on pages that show the roles (templates call it).
        "user_roles": partial(role_labels, user) if signed_in else list,
        # Whether to offer the register in the navigation (the pages check it again).
        "can_view_registry": partial(has_permission, user, "registry.view") if signed_in else bool,
        "can_import_registry": partial(has_permission, user, "registry.import")
        if signed_in
        else bool,
        "can_view_poverty": partial(has_permission, user, "poverty.view") if signed_in else bool,
        # The number next to 消息 in the navigation: counted once, when a page shows it.
        "unread_count": SimpleLazyObject(partial(unread_count, user)) if signed_in else 0,
    }
