"""The import page: upload → dry-run report → commit, with the file held by the session."""

from datetime import date

import pytest
from django.conf import settings

from gridgov.accounts.models import AuditEntry
from gridgov.registry.import_views import SESSION_KEY
from gridgov.registry.models import Household, Resident
from gridgov.testing.spreadsheets import id_number, person, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    """Uploads wait in a folder of the test's own, never in the shared ./var."""
    settings.VAR_DIR = tmp_path / "var"


LONG = id_number(date(1980, 5, 17), 131)
WIFE = id_number(date(1982, 3, 9), 242)


def rows() -> list[dict]:
    return [
        person(
            household="0012", address="十八洞村梨子寨", name="龙建国", id=LONG, phone="13874312345"
        ),
        person(household="0012", name="石秀英", id=WIFE, relation="配偶", born=30019),
    ]


def upload(client, path):
    with path.open("rb") as stream:
        return client.post("/registry/import/", {"file": stream})


def test_upload_dry_run_then_commit(client_of, tmp_path):
    client = client_of("township")
    assert client.get("/registry/import/").status_code == 200
    before = (Resident.objects.count(), AuditEntry.objects.count())

    report = upload(client, write_xlsx(tmp_path / "梨子寨.xlsx", rows()))

    assert report.status_code == 200
    page = report.content.decode()
    assert "试导入无误" in page and "确认导入</button>" in page
    assert (Resident.objects.count(), AuditEntry.objects.count()) == before
    pending = client.session[SESSION_KEY]
    kept = settings.VAR_DIR / "imports" / f"{pending['token']}{pending['suffix']}"
    assert kept.stat().st_mode & 0o077 == 0  # readable by the server alone
    assert kept.is_file()
    assert pending["token"] not in report.request["PATH_INFO"]
    assert LONG not in page  # the report never shows an ID number

    committed = client.post("/registry/import/commit/", {"token": pending["token"]})

    assert committed.status_code == 200
    assert "导入完成" in committed.content.decode()
    assert Resident.objects.count() == before[0] + 2
    assert Household.objects.get(register_number="0012").head.id_number == LONG
    assert AuditEntry.objects.count() == before[1] + 1
    assert not kept.exists() and SESSION_KEY not in client.session


def test_a_bad_file_lists_its_problems_and_offers_no_commit(client_of, tmp_path):
    client = client_of("township")
    bad = rows()
    bad[1]["身份证号码"] = WIFE[:-1] + ("1" if WIFE[-1] != "1" else "2")
    bad[0]["民族"] = "火星族"

    response = upload(client, write_csv(tmp_path / "bad.csv", bad, encoding="gb18030"))

    page = response.content.decode()
    assert "文件有错误，未保存任何数据" in page and "确认导入</button>" not in page
    assert "火星族" in page and "校验位" in page
    assert SESSION_KEY not in client.session
    assert not Resident.objects.filter(id_number__in=[LONG, WIFE]).exists()


def test_a_file_unreadable_from_a_row_on_shows_the_row_not_an_error_page(client_of, tmp_path):
    client = client_of("township")
    unreadable = [
        *rows(),
        person(household="0012", name="龙小军", relation="儿子", notes="长" * 140_000),
    ]

    response = upload(client, write_csv(tmp_path / "long.csv", unreadable))

    assert response.status_code == 200
    page = response.content.decode()
    assert "文件有错误，未保存任何数据" in page and "确认导入</button>" not in page
    assert "从第 4 行起无法读取" in page and "131,072" in page
    assert SESSION_KEY not in client.session
    assert not Resident.objects.filter(id_number__in=[LONG, WIFE]).exists()


def test_commit_needs_the_session_that_uploaded(client_of, tmp_path):
    township = client_of("township")
    upload(township, write_csv(tmp_path / "a.csv", rows()))
    token = township.session[SESSION_KEY]["token"]

    # Another signed-in importer cannot commit it by guessing or copying the token.
    other = client_of("admin")
    assert other.post("/registry/import/commit/", {"token": token}).status_code == 302
    # Nor can the uploader with a wrong token.
    assert township.post("/registry/import/commit/", {"token": "x"}).status_code == 302
    assert not Resident.objects.filter(id_number=LONG).exists()


def test_only_importers_see_the_page(client_of, tmp_path):
    for username in ("worker_a", "cadre", "leader", "handler"):
        client = client_of(username)
        assert client.get("/registry/import/").status_code == 403
        assert upload(client, write_csv(tmp_path / "a.csv", rows())).status_code == 403
    assert not Resident.objects.filter(id_number=LONG).exists()


def test_other_files_are_refused(client_of, tmp_path):
    path = tmp_path / "register.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")

    response = upload(client_of("township"), path)

    assert response.status_code == 200
    assert ".xlsx" in response.content.decode() and SESSION_KEY not in response.client.session
