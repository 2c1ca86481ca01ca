"""Exports of the register over HTTP: request, approve or refuse, download.

One flow for every size: `POST /api/exports` creates a request, which is approved at once
when it is small and masked; `GET /api/exports/{uuid}/file` then streams the file to its
requester. Larger or clear exports wait until someone else approves them.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from gridgov.registry import exports
from gridgov.registry.choices import ExportKind, HousingSafety, ResidenceStatus, Tag
from gridgov.registry.models import ExportRequest

exports_router = Router(tags=["registry 导出"])

WITHIN = r"^[0-9]{2,15}$"


class ExportIn(Schema):
    kind: ExportKind = ExportKind.RESIDENTS
    within: str = Field(..., pattern=WITHIN, description="区划代码：导出该区域内的记录")
    format: Literal["xlsx", "csv"] = "xlsx"
    clear: bool = Field(False, description="明文（需查看权限和审批）")
    reason: str = Field(..., min_length=1, max_length=300, description="导出原因")
    tag: Tag | None = None
    residence_status: ResidenceStatus | None = None
    housing_safety: HousingSafety | None = None


class DecisionIn(Schema):
    note: str = Field("", max_length=300, description="审批意见")


class ExportOut(Schema):
    uuid: UUID
    kind: str
    region_code: str
    format: str = Field(..., alias="file_format")
    filters: dict
    clear: bool
    row_count: int
    reason: str
    status: str
    requested_by: str = Field(..., alias="requested_by.username")
    decided_by: str | None = None
    decided_at: datetime | None
    decision_note: str
    expires: datetime | None
    created_at: datetime
    may_decide: bool = False
    file_url: str | None = None

    @staticmethod
    def resolve_decided_by(export) -> str | None:
        return export.decided_by.username if export.decided_by_id else None


def _out(request, export: ExportRequest) -> ExportRequest:
    export.may_decide = exports.may_decide(request.user, export)
    if export.requested_by_id == request.user.pk and export.status in (
        "approved",
        "downloaded",
    ):
        export.file_url = f"/api/exports/{export.uuid}/file"
    return export


def _unavailable(error: exports.ExportUnavailable):
    raise HttpError(error.status, str(error)) from error


@exports_router.post("", response={201: ExportOut}, summary="Request an export")
def create_export(request, payload: ExportIn):
    filters = {
        key: value
        for key, value in payload.dict(
            include={"tag", "residence_status", "housing_safety"}
        ).items()
        if value
    }
    export = exports.request_export(
        actor=request.user,
        kind=payload.kind,
        region_code=payload.within,
        file_format=payload.format,
        filters=filters,
        clear=payload.clear,
        reason=payload.reason,
    )
    return Status(201, _out(request, export))


@exports_router.get("", response=list[ExportOut], summary="My exports and those I may decide")
def list_exports(request):
    return [_out(request, export) for export in exports.requests_for(request.user)[:200]]


@exports_router.get("/{export_uuid}", response=ExportOut, summary="One export request")
def get_export(request, export_uuid: UUID):
    return _out(request, exports.access_export(request.user, export_uuid))


@exports_router.post("/{export_uuid}/approve", response=ExportOut, summary="Approve an export")
def approve_export(request, export_uuid: UUID, payload: DecisionIn):
    export = exports.access_export(request.user, export_uuid)
    try:
        export = exports.approve_export(actor=request.user, export=export, note=payload.note)
    except exports.ExportUnavailable as error:
        _unavailable(error)
    return _out(request, export)


@exports_router.post("/{export_uuid}/refuse", response=ExportOut, summary="Refuse an export")
def refuse_export(request, export_uuid: UUID, payload: DecisionIn):
    export = exports.access_export(request.user, export_uuid)
    try:
        export = exports.refuse_export(actor=request.user, export=export, note=payload.note)
    except exports.ExportUnavailable as error:
        _unavailable(error)
    return _out(request, export)


@exports_router.get("/{export_uuid}/file", summary="Download an approved export (requester)")
def download_export(request, export_uuid: UUID) -> HttpResponse:
    export = exports.access_export(request.user, export_uuid)
    try:
        exported = exports.download_export(actor=request.user, export=export)
    except exports.ExportUnavailable as error:
        _unavailable(error)
    if export.file_format == "csv":
        response = StreamingHttpResponse(exported.chunks(), content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.file_name}"'
    else:
        response = FileResponse(
            exported.open(),
            as_attachment=True,
            filename=exported.file_name,
            content_type=exported.content_type,
        )
    response["Cache-Control"] = "no-store, private"
    return response
