"""Exports of the register: masked by default, approval above the limit and for clear values,
no self-approval, every step audited, scope everywhere. Files are opened as a user would:
the CSV decoded, the XLSX unzipped and read with openpyxl."""

import csv
import io
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.accounts.models import AuditEntry
from gridgov.registry.models import ExportRequest
from gridgov.testing import personas
from gridgov.testing.spreadsheets import HEADERS

pytestmark = pytest.mark.django_db

VILLAGE, TOWNSHIP = personas.VILLAGE, personas.TOWNSHIP
IN_VILLAGE = ("adult_1", "child_1", "elder_1", "floating_1", "adult_2")


def secrets_of(register, keys=IN_VILLAGE) -> list[str]:
    """Every full ID number and phone of these people."""
    values = []
    for key in keys:
        values.append(register.id_number(key))
        if register.phone(key):
            values.append(register.phone(key))
    return values


def request_export(client, **fields):
    body = {"within": VILLAGE, "reason": "季度走访统计", **fields}
    return client.post("/api/exports", body, content_type="application/json")


def download(client, export_uuid):
    response = client.get(f"/api/exports/{export_uuid}/file")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def every_byte(content: bytes) -> bytes:
    """The file's bytes and, for an XLSX file (a zip), every member unpacked."""
    if not content.startswith(b"PK"):
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return content + b"".join(archive.read(name) for name in archive.namelist())


def table_of(content: bytes) -> list[list[str]]:
    if content.startswith(b"PK"):
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    return list(csv.reader(StringIO(content.decode("utf-8-sig"))))


def audit_actions(export_uuid) -> list[str]:
    export = ExportRequest.objects.get(uuid=export_uuid)
    return list(
        AuditEntry.objects.filter(object_type="registry.exportrequest", object_id=str(export.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Small exports: approved at once, masked ----------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_small_export_is_approved_at_once_and_masked(file_format, register, client_of):
    cadre = client_of("cadre")

    created = request_export(cadre, format=file_format)

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["row_count"], body["clear"]) == ("approved", 5, False)
    response, content = download(cadre, body["uuid"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert f".{file_format}" in response["Content-Disposition"]
    everything = every_byte(content)
    for secret in secrets_of(register):
        assert secret.encode() not in everything, secret
    rows = table_of(content)
    assert rows[0] == HEADERS
    by_name = {row[6]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    adult = by_name["龙建国"]
    assert adult["身份证号码"].startswith("433124") and "*" in adult["身份证号码"]
    assert adult["联系电话"] == "138****2345"
    assert adult["人群标签"] == "重点人群 ****"  # a released prisoner is not named as such
    assert adult["民族"] == "苗族" and adult["与户主关系"] == "户主"
    # A child under 14 shows as a child and nothing more.
    child = by_name["龙**"]
    assert child["出生日期"] == "" and child["备注"] == "****"
    assert "龙小燕".encode() not in everything
    assert by_name["施成富"]["人群标签"] == "独居老人"  # care groups are not sensitive
    assert audit_actions(body["uuid"]) == ["registry.export_request", "registry.export_download"]


def test_households_export(register, client_of):
    cadre = client_of("cadre")
    body = request_export(cadre, kind="households", format="csv").json()

    _response, content = download(cadre, body["uuid"])

    rows = table_of(content)
    assert rows[0][:2] == ["网格代码", "户编号"] and "户主身份证号码" in rows[0]
    assert len(rows) == 1 + 3  # the three households of 十八洞村
    for secret in secrets_of(register):
        assert secret.encode() not in content


def test_filters_narrow_the_export(register, client_of):
    cadre = client_of("cadre")
    body = request_export(cadre, tag="elderly_alone", format="csv").json()
    assert body["row_count"] == 1 and body["filters"] == {"tag": "elderly_alone"}
    _response, content = download(cadre, body["uuid"])
    assert [row[6] for row in table_of(content)[1:]] == ["施成富"]


# --- Approval -----------------------------------------------------------------------------


@override_settings(EXPORT_APPROVAL_ROWS=2)
def test_a_big_export_waits_for_approval(register, client_of):
    township, admin = client_of("township"), client_of("admin")

    body = request_export(township, within=TOWNSHIP).json()

    assert (body["status"], body["row_count"]) == ("pending", 5)
    response, _content = download(township, body["uuid"])
    assert response.status_code == 409
    # The township centre may not approve exports at all.
    assert (
        township.post(f"/api/exports/{body['uuid']}/approve", {}, "application/json").status_code
        == 403
    )
    # The approver sees it among the requests they may decide.
    listed = {item["uuid"]: item for item in admin.get("/api/exports").json()}
    assert listed[body["uuid"]]["may_decide"] is True

    approved = admin.post(
        f"/api/exports/{body['uuid']}/approve", {"note": "同意"}, content_type="application/json"
    )

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "admin"
    # Only the requester downloads; the approver sees the request, not the file.
    assert download(admin, body["uuid"])[0].status_code == 403
    response, content = download(township, body["uuid"])
    assert response.status_code == 200
    for secret in secrets_of(register):
        assert secret.encode() not in every_byte(content)
    assert audit_actions(body["uuid"]) == [
        "registry.export_request",
        "registry.export_approve",
        "registry.export_download",
    ]
    # Decided once: a second decision is refused.
    again = admin.post(f"/api/exports/{body['uuid']}/refuse", {}, content_type="application/json")
    assert again.status_code == 409


@override_settings(EXPORT_APPROVAL_ROWS=0)
def test_nobody_approves_their_own_export(register, client_of):
    """吉首市's county centre may export and approve exports, but not its own."""
    outsider = client_of("outsider")
    body = request_export(outsider, within=personas.OTHER_COUNTY).json()
    assert body["status"] == "pending" and body["may_decide"] is False

    response = outsider.post(f"/api/exports/{body['uuid']}/approve", {}, "application/json")

    assert response.status_code == 403
    assert ExportRequest.objects.get(uuid=body["uuid"]).status == "pending"
    assert audit_actions(body["uuid"]) == ["registry.export_request"]


@override_settings(EXPORT_APPROVAL_ROWS=0)
def test_a_refused_export_cannot_be_downloaded(register, client_of):
    township, admin = client_of("township"), client_of("admin")
    body = request_export(township, within=TOWNSHIP).json()

    refused = admin.post(
        f"/api/exports/{body['uuid']}/refuse",
        {"note": "理由不充分"},
        content_type="application/json",
    )

    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert download(township, body["uuid"])[0].status_code == 409
    assert audit_actions(body["uuid"]) == ["registry.export_request", "registry.export_refuse"]


def test_an_approved_export_lapses(register, client_of):
    cadre = client_of("cadre")
    body = request_export(cadre).json()

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        # (signed in afresh: a session idle for a day has ended long ago)
        response, _content = download(client_of("cadre"), body["uuid"])

    assert response.status_code == 410


# --- Clear values --------------------------------------------------------------------------


def test_clear_export_needs_reveal_and_approval_and_then_shows_values(register, client_of):
    cadre, admin = client_of("cadre"), client_of("admin")

    body = request_export(cadre, clear=True, format="xlsx").json()

    # Small, but clear: it waits for someone else's approval.
    assert (body["status"], body["clear"]) == ("pending", True)
    assert download(cadre, body["uuid"])[0].status_code == 409
    admin.post(f"/api/exports/{body['uuid']}/approve", {}, content_type="application/json")
    response, content = download(cadre, body["uuid"])
    assert response.status_code == 200
    assert "masked" not in response["Content-Disposition"]
    rows = {row[6]: dict(zip(HEADERS, row, strict=True)) for row in table_of(content)[1:]}
    assert rows["龙建国"]["身份证号码"] == register.id_number("adult_1")
    assert rows["龙建国"]["联系电话"] == register.phone("adult_1")
    assert rows["龙建国"]["人群标签"] == "刑满释放人员"
    assert rows["龙小燕"]["出生日期"] == register.residents["child_1"].birth_date.isoformat()
    # An approved clear export is audited without the values it showed.
    entries = AuditEntry.objects.filter(action__startswith="registry.export_")
    text = "".join(str(entry.before) + str(entry.after) for entry in entries)
    for secret in secrets_of(register):
        assert secret not in text


def test_clear_export_refused_without_the_reveal_permission(register, client_of, user_of):
    # A leader sees the register masked and may not export at all; the township centre
    # may export and reveal, but only within its township.
    assert request_export(client_of("leader"), clear=True).status_code == 403
    assert request_export(client_of("township"), clear=True, within="433124").status_code == 403


def test_reasons_are_required(register, client_of):
    response = request_export(client_of("cadre"), reason="  ")
    assert response.status_code == 422


# --- Scope ---------------------------------------------------------------------------------


def test_exports_stay_in_scope(register, client_of):
    cadre, outsider, worker = client_of("cadre"), client_of("outsider"), client_of("worker_a")

    assert request_export(cadre, within=TOWNSHIP).status_code == 403  # above the cadre
    # A region one cannot even see is as good as missing.
    assert request_export(cadre, within=personas.OTHER_COUNTY).status_code == 404
    assert request_export(cadre, within="433124110226999").status_code == 404
    assert request_export(worker).status_code == 403  # grid workers do not export
    body = request_export(cadre).json()
    # Another county's centre can neither see, decide nor download the request.
    assert outsider.get(f"/api/exports/{body['uuid']}").status_code == 404
    assert (
        outsider.post(f"/api/exports/{body['uuid']}/approve", {}, "application/json").status_code
        == 404
    )
    assert download(outsider, body["uuid"])[0].status_code == 404
    assert body["uuid"] not in {item["uuid"] for item in outsider.get("/api/exports").json()}
    # An export of 吉首市 by its own county centre holds 吉首市's people only.
    own = request_export(outsider, within=personas.OTHER_COUNTY, format="csv").json()
    _response, content = download(outsider, own["uuid"])
    assert [row[6] for row in table_of(content)[1:]] == ["龙光荣"]


# --- The command ---------------------------------------------------------------------------


def test_command_exports_at_once_or_after_approval(register, client_of, tmp_path):
    output = tmp_path / "十八洞村.csv"
    printed = StringIO()
    call_command(
        "registry",
        "export",
        "--as",
        "cadre",
        "--within",
        VILLAGE,
        "--reason",
        "季度走访统计",
        str(output),
        stdout=printed,
    )
    assert "exported 5" in printed.getvalue()
    content = output.read_bytes()
    assert table_of(content)[0] == HEADERS
    for secret in secrets_of(register):
        assert secret.encode() not in content

    with override_settings(EXPORT_APPROVAL_ROWS=1):
        printed = StringIO()
        call_command(
            "registry",
            "export",
            "--as",
            "township",
            "--within",
            TOWNSHIP,
            "--reason",
            "乡镇汇总上报",
            "--format",
            "xlsx",
            str(tmp_path / "big.xlsx"),
            stdout=printed,
        )
    assert "awaits approval" in printed.getvalue()
    export = ExportRequest.objects.get(requested_by__username="township")
    with pytest.raises(CommandError):  # not approved yet
        call_command(
            "registry",
            "export",
            "--as",
            "township",
            "--request",
            str(export.uuid),
            str(tmp_path / "big.xlsx"),
        )
    client_of("admin").post(
        f"/api/exports/{export.uuid}/approve", {}, content_type="application/json"
    )
    call_command(
        "registry",
        "export",
        "--as",
        "township",
        "--request",
        str(export.uuid),
        str(tmp_path / "big.xlsx"),
        stdout=StringIO(),
    )
    assert len(table_of((tmp_path / "big.xlsx").read_bytes())) == 1 + 5

    with pytest.raises(CommandError):
        call_command(
            "registry",
            "export",
            "--as",
            "cadre",
            "--within",
            TOWNSHIP,
            "--reason",
            "超出范围",
            str(tmp_path / "no.csv"),
        )
