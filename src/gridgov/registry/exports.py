"""Exporting part of the register to XLSX or CSV, with approval for big or clear exports.

Every export starts as an `ExportRequest` with a stated reason. It is approved at once
when it is small (at most `settings.EXPORT_APPROVAL_ROWS` rows) and masked; otherwise
someone else who holds `registry.approve_export` over its region must approve it first
(GB/T 35273 §7.1: batch downloads of personal information need approval). Values are
masked in the file (ID numbers, phones, key-population tags, everything about children)
unless the request asked for clear values, which needs the `registry.reveal` permission,
a reason and that approval. Requesting, approving, refusing and each download are
audited. The file is made when it is downloaded, from the register as it is then.
"""

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.scope import has_permission, scope_q
from gridgov.regions.models import Region
from gridgov.registry import privacy
from gridgov.registry.actions import PermissionDenied
from gridgov.registry.choices import (
    ExportKind,
    ExportStatus,
    HousingSafety,
    ResidenceStatus,
    Tag,
)
from gridgov.registry.columns import COLUMNS, label_of
from gridgov.registry.models import ExportRequest, Household, Resident
from gridgov.registry.spreadsheets import csv_chunks, write_xlsx

EXPORT = "registry.export"
APPROVE = "registry.approve_export"
REVEAL = "registry.reveal"
REASON_MIN_LENGTH = 4
FILE_FORMATS = ("xlsx", "csv")

# Filters each kind of export understands, with the values each accepts.
FILTERS = {
    ExportKind.RESIDENTS: {"tag": Tag.values, "residence_status": ResidenceStatus.values},
    ExportKind.HOUSEHOLDS: {"housing_safety": HousingSafety.values},
}
RESIDENT_HEADERS = [column.header for column in COLUMNS]
HOUSEHOLD_HEADERS = [
    "网格代码",
    "户编号",
    "地址",
    "门牌号",
    "户别",
    "住房安全等级",
    "户主姓名",
    "户主身份证号码",
    "户主联系电话",
    "人数",
]


class ExportUnavailable(Exception):
    """The export cannot be downloaded (not approved, refused, or expired)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


# --- What an export holds -------------------------------------------------------------------


def _within_scope(queryset: QuerySet, user, region_code: str) -> QuerySet:
    return queryset.filter(scope_q(user, EXPORT, field="region_code")).within(region_code)


def selected(kind: str, region_code: str, filters: dict, user) -> QuerySet:
    """The records an export holds: within its region, within the exporter's scope, filtered."""
    if kind == ExportKind.RESIDENTS:
        residents = _within_scope(Resident.objects.all(), user, region_code)
        if filters.get("tag"):
            today = timezone.localdate()
            residents = residents.filter(
                Q(tags__end_date__isnull=True) | Q(tags__end_date__gte=today),
                tags__tag=filters["tag"],
            ).distinct()
        if filters.get("residence_status"):
            residents = residents.filter(residence_status=filters["residence_status"])
        return residents.order_by("region_code", "household_id", "id")
    households = _within_scope(Household.objects.all(), user, region_code)
    if filters.get("housing_safety"):
        households = households.filter(housing_safety=filters["housing_safety"])
    return households.order_by("region_code", "register_number", "id")


def _check_filters(kind: str, filters: dict) -> dict:
    allowed = FILTERS[kind]
    clean = {}
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key not in allowed or value not in allowed[key]:
            raise ValidationError(
                {"filters": f"无效的筛选条件 {key}={value} Unknown filter {key}={value}."}
            )
        clean[key] = value
    return clean


def _resident_row(resident: Resident, *, clear: bool, today) -> list:
    view = privacy.resident_view(resident, revealed=clear, today=today)
    household = resident.household
    tags = "、".join(
        tag["label"] if tag["masked"] else label_of("tags", tag["tag"]) for tag in view["tags"]
    )
    return [
        resident.region_code,
        household.register_number if household else "",
        household.address if household else "",
        household.house_number if household else "",
        label_of("household_type", household.household_type) if household else "",
        label_of("housing_safety", household.housing_safety) if household else "",
        view["name"],
        view["id_number"],
        label_of("sex", view["sex"]),
        view["birth_date"] or "",
        label_of("ethnicity", view["ethnicity"]),
        view["phone"],
        label_of("relation_to_head", view["relation_to_head"]),
        label_of("residence_status", view["residence_status"]),
        label_of("education", view["education"]),
        label_of("health_insurance", view["health_insurance"]),
        label_of("disability_level", view["disability_level"]),
        tags,
        view["notes"],
    ]


def _household_row(household: Household, *, clear: bool, today) -> list:
    head = (
        privacy.resident_view(household.head, revealed=clear, today=today)
        if household.head
        else None
    )
    return [
        household.region_code,
        household.register_number,
        household.address,
        household.house_number,
        label_of("household_type", household.household_type),
        label_of("housing_safety", household.housing_safety),
        head["name"] if head else "",
        head["id_number"] if head else "",
        head["phone"] if head else "",
        household.member_count,
    ]


def rows(kind: str, records: QuerySet, *, clear: bool) -> Iterator[list]:
    """The file's data rows, read from the database in chunks."""
    today = timezone.localdate()
    if kind == ExportKind.RESIDENTS:
        records = records.select_related("household").prefetch_related("tags")
        for resident in records.iterator(chunk_size=2000):
            yield _resident_row(resident, clear=clear, today=today)
        return
    records = records.select_related("head").prefetch_related("head__tags")
    records = records.annotate(member_count=Count("members"))
    for household in records.iterator(chunk_size=2000):
        yield _household_row(household, clear=clear, today=today)


def headers(kind: str) -> list[str]:
    return RESIDENT_HEADERS if kind == ExportKind.RESIDENTS else HOUSEHOLD_HEADERS


# --- The file -------------------------------------------------------------------------------


@dataclass
class ExportFile:
    """A download: its name, content type and the way to produce its bytes."""

    export: ExportRequest
    user: object

    @property
    def file_name(self) -> str:
        stamp = timezone.localtime(timezone.now()).strftime("%Y%m%d-%H%M")
        masked = "" if self.export.clear else "-masked"
        return f"{self.export.kind}-{self.export.region_code}-{stamp}{masked}.{self.export.file_format}"

    @property
    def content_type(self) -> str:
        if self.export.file_format == "csv":
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def _rows(self) -> Iterator[list]:
        export = self.export
        records = selected(export.kind, export.region_code, export.filters, self.user)
        return rows(export.kind, records, clear=export.clear)

    def open(self):
        """The XLSX file (a zip, so built whole) in a temporary file: in memory up to
        16 MB, on disk beyond; deleted when closed."""
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (returned)
        write_xlsx(spool, headers(self.export.kind), self._rows(), title=self.export.kind)
        spool.seek(0)
        return spool

    def chunks(self) -> Iterator[bytes]:
        """The file in pieces: CSV is streamed as it is read from the database."""
        if self.export.file_format == "csv":
            yield from csv_chunks(headers(self.export.kind), self._rows())
            return
        with self.open() as spool:
            while block := spool.read(1 << 20):
                yield block

    def write_to(self, stream) -> None:
        for chunk in self.chunks():
            stream.write(chunk)


# --- Actions -------------------------------------------------------------------------------


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < REASON_MIN_LENGTH:
        raise ValidationError(
            {
                field: f"请说明导出原因（至少 {REASON_MIN_LENGTH} 个字） "
                f"State why the export is needed (at least {REASON_MIN_LENGTH} characters)."
            }
        )
    return text


def _snapshot(export: ExportRequest) -> dict:
    return {
        "uuid": str(export.uuid),
        "kind": export.kind,
        "region_code": export.region_code,
        "format": export.file_format,
        "filters": export.filters,
        "clear": export.clear,
        "row_count": export.row_count,
        "status": export.status,
    }


def needs_approval(*, row_count: int, clear: bool) -> bool:
    return clear or row_count > settings.EXPORT_APPROVAL_ROWS


@transaction.atomic
def request_export(
    *,
    actor,
    kind: str,
    region_code: str,
    file_format: str = "xlsx",
    filters: dict | None = None,
    clear: bool = False,
    reason: str,
) -> ExportRequest:
    """Ask to export the records of `kind` within `region_code` matching `filters`.
    Approved at once when small and masked; otherwise it waits for an approver."""
    reason = _reason(reason)
    if kind not in ExportKind.values:
        raise ValidationError({"kind": f"无效的导出内容 Unknown kind {kind!r}."})
    if file_format not in FILE_FORMATS:
        raise ValidationError({"format": "格式应为 xlsx 或 csv The format is xlsx or csv."})
    if not Region.objects.visible_to(actor).filter(code=region_code).exists():
        raise Http404  # a region the actor cannot see does not exist for them
    if not has_permission(actor, EXPORT, region_code):
        raise PermissionDenied(
            f"您不能导出 {region_code} 的数据 You may not export the records of {region_code}."
        )
    if clear and not has_permission(actor, REVEAL, region_code):
        raise PermissionDenied(
            "您没有查看明文的权限，只能导出脱敏数据 "
            "You may not see values in clear: export them masked."
        )
    filters = _check_filters(kind, filters or {})
    row_count = selected(kind, region_code, filters, actor).count()
    export = ExportRequest(
        requested_by=actor,
        region_code=region_code,
        kind=kind,
        file_format=file_format,
        filters=filters,
        clear=clear,
        row_count=row_count,
        reason=reason,
    )
    if not needs_approval(row_count=row_count, clear=clear):
        now = timezone.now()
        export.status = ExportStatus.APPROVED
        export.decided_at = now
        export.expires = now + timedelta(hours=settings.EXPORT_VALID_HOURS)
    export.save()
    audit.record(
        actor=actor,
        action="registry.export_request",
        instance=export,
        region_code=region_code,
        after=_snapshot(export),
        reason=reason,
    )
    return export


def _locked(export: ExportRequest) -> ExportRequest:
    return ExportRequest.objects.select_for_update().get(pk=export.pk)


def _decide(actor, export: ExportRequest, *, status: str, note: str) -> ExportRequest:
    export = _locked(export)
    if export.requested_by_id == actor.pk:
        raise PermissionDenied(
            "不能审批自己的导出申请 You cannot approve or refuse your own export request."
        )
    if not has_permission(actor, APPROVE, export.region_code):
        raise PermissionDenied("您不能审批该范围的导出 You may not decide exports of this region.")
    if export.status != ExportStatus.PENDING:
        raise ExportUnavailable(
            f"该申请已处理（{export.get_status_display()}） This request was already decided."
        )
    before = _snapshot(export)
    now = timezone.now()
    export.status = status
    export.decided_by = actor
    export.decided_at = now
    export.decision_note = note.strip()[:300]
    if status == ExportStatus.APPROVED:
        export.expires = now + timedelta(hours=settings.EXPORT_VALID_HOURS)
    export.save()
    audit.record(
        actor=actor,
        action=f"registry.export_{'approve' if status == ExportStatus.APPROVED else 'refuse'}",
        instance=export,
        region_code=export.region_code,
        before=before,
        after=_snapshot(export),
        reason=export.decision_note,
    )
    return export


@transaction.atomic
def approve_export(*, actor, export: ExportRequest, note: str = "") -> ExportRequest:
    return _decide(actor, export, status=ExportStatus.APPROVED, note=note)


@transaction.atomic
def refuse_export(*, actor, export: ExportRequest, note: str = "") -> ExportRequest:
    return _decide(actor, export, status=ExportStatus.REFUSED, note=note)


@transaction.atomic
def download_export(*, actor, export: ExportRequest) -> ExportFile:
    """Record a download of an approved export by its requester and return the file."""
    export = _locked(export)
    if export.requested_by_id != actor.pk:
        # The approver sees the request, but the file is the requester's alone.
        raise PermissionDenied("只有申请人可以下载 Only the requester downloads an export.")
    if export.status in (ExportStatus.PENDING, ExportStatus.REFUSED):
        raise ExportUnavailable(
            f"该导出{export.get_status_display()}，不能下载 "
            f"This export is {export.status}: it cannot be downloaded."
        )
    if export.expires is None or export.expires <= timezone.now():
        raise ExportUnavailable(
            "下载期限已过，请重新申请 The download period is over: request the export again.",
            status=410,
        )
    # The requester may have lost the role since: ask again, now.
    if not has_permission(actor, EXPORT, export.region_code) or (
        export.clear and not has_permission(actor, REVEAL, export.region_code)
    ):
        raise PermissionDenied("您已无权导出该范围的数据 You may no longer export these records.")
    before = _snapshot(export)
    export.status = ExportStatus.DOWNLOADED
    if export.downloaded_at is None:
        export.downloaded_at = timezone.now()
    export.save(update_fields=["status", "downloaded_at"])
    audit.record(
        actor=actor,
        action="registry.export_download",
        instance=export,
        region_code=export.region_code,
        before=before,
        after=_snapshot(export),
    )
    return ExportFile(export=export, user=actor)


# --- Reading requests -------------------------------------------------------------------------


def requests_for(user) -> QuerySet:
    """Export requests the user made, and those they may approve or refuse."""
    if user is None or not user.is_authenticated:
        return ExportRequest.objects.none()
    return (
        ExportRequest.objects.filter(
            Q(requested_by=user) | scope_q(user, APPROVE, field="region_code")
        )
        .select_related("requested_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def access_export(user, export_uuid) -> ExportRequest:
    """One request the user made or may decide; 404 for missing and forbidden alike."""
    try:
        return requests_for(user).get(uuid=UUID(str(export_uuid)))
    except (ExportRequest.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404 from error


def may_decide(user, export: ExportRequest) -> bool:
    return (
        export.status == ExportStatus.PENDING
        and export.requested_by_id != user.pk
        and has_permission(user, APPROVE, export.region_code)
    )
