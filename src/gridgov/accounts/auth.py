"""How API callers prove who they are: a bearer token (the field app) or the browser
session (our own pages, with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from gridgov.accounts.actions import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Django's session, for our own pages; inactive users have no session user at all."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            return user
        return None


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
