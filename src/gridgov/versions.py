"""Optimistic concurrency over HTTP: a record's version travels as its ETag, and a client
that sends it back in If-Match changes the record only if nobody changed it in between."""

from django.http import HttpResponse
from ninja.errors import HttpError


def expected_version(request) -> int | None:
    """The version in an If-Match header (`"3"` or `W/"3"`), if the client sent one."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None  # `*`: any current version will do
    digits = header.removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise HttpError(412, "If-Match 无效 The If-Match header is not a version we sent.")
    return int(digits)


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'
