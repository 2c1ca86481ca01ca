"""Photos and documents attached to events, over HTTP.

`POST /api/attachments/` (multipart: `event`, `file`, optional `uuid`) attaches a file;
`GET /api/attachments/?event=<uuid>` lists an event's attachments; `GET
/api/attachments/{uuid}` is one attachment's description and `…/file` its bytes. Everyone
who sees the event reads its attachments; those who work on it may add them.
"""

from datetime import datetime
from uuid import UUID

from django.http import FileResponse, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from gridgov.accounts.scope import access
from gridgov.cases import attachments
from gridgov.cases.models import Attachment, Event
from gridgov.cases.workflow import PermissionDenied

attachments_router = Router(tags=["events 附件"])


class AttachmentOut(Schema):
    uuid: UUID
    event: UUID
    step_id: int | None
    name: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    uploaded_by: str | None
    created_at: datetime
    file_url: str

    @staticmethod
    def resolve_event(attachment) -> UUID:
        return attachment.event.uuid

    @staticmethod
    def resolve_name(attachment) -> str:
        return attachment.original_name

    @staticmethod
    def resolve_uploaded_by(attachment) -> str | None:
        return attachment.uploaded_by.get_username() if attachment.uploaded_by_id else None

    @staticmethod
    def resolve_file_url(attachment) -> str:
        return f"/api/attachments/{attachment.uuid}/file"


class AttachmentFilter(Schema):
    event: UUID


def _attachment(request, attachment_uuid: UUID) -> Attachment:
    return access(
        Attachment.objects.select_related("event", "uploaded_by"),
        request.user,
        uuid=attachment_uuid,
    )


@attachments_router.post(
    "/", response={200: AttachmentOut, 201: AttachmentOut}, summary="Attach a file to an event"
)
def create_attachment(
    request,
    event: Form[UUID],
    file: File[UploadedFile],
    uuid: Form[UUID | None] = None,
):
    target = access(Event.objects, request.user, uuid=event)
    try:
        attachment, created = attachments.attach(
            actor=request.user, event=target, upload=file, uuid=uuid
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from error
    return Status(201 if created else 200, attachment)


@attachments_router.get("/", response=list[AttachmentOut], summary="An event's attachments")
def list_attachments(request, filters: Query[AttachmentFilter]):
    event = access(Event.objects, request.user, uuid=filters.event)
    found = list(attachments.attachments_of(event))
    for attachment in found:
        attachment.event = event  # already fetched: no query per row
    return found


@attachments_router.get("/{attachment_uuid}", response=AttachmentOut, summary="One attachment")
def get_attachment(request, attachment_uuid: UUID):
    return _attachment(request, attachment_uuid)


@attachments_router.get(
    "/{attachment_uuid}/file", summary="Download an attachment's file", url_name="attachment_file"
)
def download_attachment(request, attachment_uuid: UUID) -> HttpResponse:
    attachment = _attachment(request, attachment_uuid)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
