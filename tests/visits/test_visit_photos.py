"""Photos on visits: judged by content and kept without the phone's location, added once
however often the upload is retried, one photo per picture and visit, nothing kept when a
photo is refused, a key-population follow-up's photos shown only to those who see its notes,
and the record-visit form with its photos. Every file here is made in the test."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from gridgov.accounts.models import AuditEntry
from gridgov.registry import actions as registry_actions
from gridgov.testing import personas
from gridgov.testing.photos import GPS_IFD, photo_bytes, stored_files
from gridgov.testing.scope import NOT_FOUND
from gridgov.visits import actions
from gridgov.visits.models import Visit, VisitPhoto

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(data: bytes, name="IMG_0001.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_photo(client, visit, data: bytes, name="IMG_0001.jpg", **fields):
    return client.post(
        f"/api/visits/{visit.uuid}/photos",
        {"file": upload(data, name), **fields},
    )


def make_visit(household, visitor="worker_a", **fields) -> Visit:
    visit, _created = actions.record_visit(
        actor=personas.persona(visitor), household=household, findings="家中一切正常", **fields
    )
    return visit


@pytest.fixture
def visit(households):
    return make_visit(households["household_1b"])


# --- Keeping a photo ------------------------------------------------------------------------


def test_a_phone_photo_is_kept_without_its_location(visit, media, client_of):
    response = post_photo(client_of("worker_a"), visit, photo_bytes())
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["content_type"] == "image/jpeg"
    assert (shown["width"], shown["height"]) == (40, 30)
    assert shown["file_url"] == f"/api/visits/photos/{shown['uuid']}/file"
    photo = VisitPhoto.objects.get(uuid=shown["uuid"])
    assert photo.visit == visit
    assert photo.uploaded_by == personas.persona("worker_a")
    assert photo.file.name == f"visits/2027/03/01/{photo.uuid}.jpg"
    [kept] = stored_files(media)
    with Image.open(kept) as image:
        assert image.format == "JPEG"
        assert not image.getexif()  # no camera, no GPS
        assert GPS_IFD not in image.getexif()
    assert b"HUAWEI" not in kept.read_bytes()
    entry = AuditEntry.objects.get(action="visits.attach_photo")
    assert entry.region_code == personas.GRID_1


def test_the_file_is_served_as_a_picture_with_safe_headers(visit, media, client_of):
    client = client_of("worker_a")
    shown = post_photo(client, visit, photo_bytes()).json()
    response = client.get(shown["file_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("inline")
    body = b"".join(response.streaming_content)
    assert body == VisitPhoto.objects.get(uuid=shown["uuid"]).file.open("rb").read()


def test_html_named_jpg_is_refused_and_nothing_is_kept(visit, media, client_of, error_fields):
    response = post_photo(client_of("worker_a"), visit, HTML, name="photo.jpg")
    assert error_fields(response) == {"file"}
    message = response.json()["errors"][0]["message"]
    assert "只能上传" in message and "Only" in message
    assert not VisitPhoto.objects.exists()
    assert stored_files(media) == []
    assert not AuditEntry.objects.filter(action="visits.attach_photo").exists()


def test_a_pdf_is_not_a_photo(visit, media, client_of, error_fields):
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
        b"xref\n0 1\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )
    response = post_photo(client_of("worker_a"), visit, pdf, name="scan.pdf")
    assert error_fields(response) == {"file"}
    assert "photos" in response.json()["errors"][0]["message"]
    assert stored_files(media) == []


def test_a_retried_upload_returns_the_first_photo(visit, media, client_of):
    client = client_of("worker_a")
    photo_uuid = str(uuid.uuid4())
    first = post_photo(client, visit, photo_bytes(), uuid=photo_uuid)
    assert first.status_code == 201
    again = post_photo(client, visit, photo_bytes(), uuid=photo_uuid)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert VisitPhoto.objects.count() == 1
    assert len(stored_files(media)) == 1
    assert AuditEntry.objects.filter(action="visits.attach_photo").count() == 1


def test_a_uuid_of_another_visits_photo_is_not_reused(visit, households, media, client_of):
    client = client_of("worker_a")
    photo_uuid = str(uuid.uuid4())
    post_photo(client, visit, photo_bytes(), uuid=photo_uuid)
    other = make_visit(households["household_1"])
    response = post_photo(client, other, photo_bytes((0, 0, 255)), uuid=photo_uuid)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "uuid"
    assert len(stored_files(media)) == 1


def test_the_same_picture_twice_on_a_visit_is_one_photo(visit, households, media, client_of):
    client = client_of("worker_a")
    first = post_photo(client, visit, photo_bytes())
    second = post_photo(client, visit, photo_bytes(), name="copy.jpg")
    assert second.status_code == 200
    assert second.json()["uuid"] == first.json()["uuid"]
    assert len(stored_files(media)) == 1
    # On another visit the same picture is a photo of that visit.
    other = make_visit(households["household_1"])
    assert post_photo(client, other, photo_bytes()).status_code == 201
    assert VisitPhoto.objects.count() == 2
    assert len(stored_files(media)) == 2


def test_the_list_holds_the_visits_photos_in_order(visit, media, client_of, clock):
    client = client_of("cadre")
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
    sent = [post_photo(client, visit, photo_bytes(colour)).json()["uuid"] for colour in colours]
    listed = client.get(f"/api/visits/{visit.uuid}/photos")
    assert listed.status_code == 200
    assert [item["uuid"] for item in listed.json()] == sent
    assert all(item["file_url"] and not item["masked"] for item in listed.json())
    # The list costs the same queries for one photo as for three.
    other = make_visit(visit.household, visitor="cadre")
    post_photo(client, other, photo_bytes())
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/visits/{other.uuid}/photos")
    with CaptureQueriesContext(connection) as three:
        client.get(f"/api/visits/{visit.uuid}/photos")
    assert len(three) == len(one)


def test_a_leader_may_look_but_not_add(visit, media, client_of):
    post_photo(client_of("worker_a"), visit, photo_bytes())
    leader = client_of("leader")
    assert post_photo(leader, visit, photo_bytes((1, 2, 3))).status_code == 403
    assert len(leader.get(f"/api/visits/{visit.uuid}/photos").json()) == 1
    assert VisitPhoto.objects.count() == 1
    assert len(stored_files(media)) == 1


# --- Masking --------------------------------------------------------------------------------


def test_a_key_population_follow_ups_photos_are_hidden_from_others(
    households, register, media, client_of
):
    visit = make_visit(households["household_1"], kind="key_population")
    own = post_photo(client_of("worker_a"), visit, photo_bytes(), name="龙建国报到.jpg").json()
    assert not own["masked"]
    assert client_of("worker_a").get(own["file_url"]).status_code == 200
    cadre = client_of("cadre")
    [seen] = cadre.get(f"/api/visits/{visit.uuid}/photos").json()
    assert seen["uuid"] == own["uuid"]  # the cadre sees that there is a photo
    assert seen["masked"]
    assert seen["file_url"] is None
    assert "龙建国" not in seen["name"]
    file_url = f"/api/visits/photos/{own['uuid']}/file"
    assert cadre.get(file_url).status_code == 404
    assert cadre.get(file_url).json() == NOT_FOUND  # as for a photo that does not exist
    # With a reveal grant for a member (a stated reason, audited), the cadre sees it.
    registry_actions.reveal_resident(
        actor=personas.persona("cadre"),
        resident=register.residents["adult_1"],
        reason="社区帮教回访核实情况",
    )
    [seen] = cadre.get(f"/api/visits/{visit.uuid}/photos").json()
    assert not seen["masked"]
    assert cadre.get(file_url).status_code == 200


def test_the_household_card_hides_a_key_population_photo(households, media, client_of):
    household = households["household_1"]
    routine = make_visit(household)
    secret = make_visit(household, kind="key_population")
    shown = post_photo(client_of("worker_a"), routine, photo_bytes()).json()
    hidden = post_photo(client_of("worker_a"), secret, photo_bytes((0, 0, 9))).json()
    page = client_of("cadre").get(f"/households/{household.uuid}/").content.decode()
    assert f'<img src="/api/visits/photos/{shown["uuid"]}/file"' in page
    assert hidden["uuid"] not in page
    assert "照片（已隐藏）" in page
    own_page = client_of("worker_a").get(f"/households/{household.uuid}/").content.decode()
    assert hidden["uuid"] in own_page


# --- The record-visit form ------------------------------------------------------------------


def _new(household) -> str:
    return f"/visits/households/{household.uuid}/new/"


def _form(*photos, **fields) -> dict:
    return {"uuid": str(uuid.uuid4()), "kind": "routine", "photos": list(photos), **fields}


def test_the_form_offers_the_camera(client_of, households):
    page = client_of("worker_a").get(_new(households["household_1b"])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert 'accept="image/*"' in page
    assert 'capture="environment"' in page
    assert " multiple" in page


def test_a_visit_is_recorded_with_its_photos_and_shown_on_the_card(client_of, households, media):
    household = households["household_1b"]
    client = client_of("worker_a")
    form = _form(
        upload(photo_bytes((200, 0, 0)), "a.jpg"),
        upload(photo_bytes((0, 200, 0)), "b.jpg"),
        findings="屋顶漏雨",
    )
    response = client.post(_new(household), form)
    assert response.status_code == 302, response.content.decode()
    visit = Visit.objects.get(uuid=form["uuid"])
    photos = list(visit.photos.all())
    assert [photo.original_name for photo in photos] == ["a.jpg", "b.jpg"]
    assert len(stored_files(media)) == 2
    page = client.get(response["Location"]).content.decode()
    for photo in photos:
        assert f'href="/api/visits/photos/{photo.uuid}/file"' in page
    # A double click sends the same form again: still one visit with two photos.
    again = _form(
        upload(photo_bytes((200, 0, 0)), "a.jpg"),
        upload(photo_bytes((0, 200, 0)), "b.jpg"),
        uuid=form["uuid"],
        findings="屋顶漏雨",
    )
    client.post(_new(household), again)
    assert Visit.objects.filter(household=household).count() == 1
    assert VisitPhoto.objects.count() == 2
    assert len(stored_files(media)) == 2


def test_a_refused_photo_keeps_nothing_and_says_why(client_of, households, media):
    household = households["household_1b"]
    form = _form(
        upload(photo_bytes(), "a.jpg"),
        upload(HTML, "b.jpg"),
        findings="屋顶漏雨",
    )
    response = client_of("worker_a").post(_new(household), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 2 张照片 Photo 2" in page
    assert "只能上传" in page
    assert 'has-error">\n  <label for="id_photos"' in page
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_visit_refused_with_good_photos_keeps_no_photo(client_of, households, media):
    """The photos are fine but the visit is refused (its event has no title): nothing is
    kept, and the form says why next to the event's title."""
    form = _form(
        upload(photo_bytes(), "a.jpg"),
        open_event="on",  # an event without a title is refused inside the transaction
        event_category="safety",
    )
    response = client_of("worker_a").post(_new(households["household_1b"]), form)
    assert response.status_code == 200
    assert 'has-error">\n  <label for="id_event_title"' in response.content.decode()
    assert not Visit.objects.exists()
    assert stored_files(media) == []


def test_a_photo_written_before_a_later_failure_is_removed(households, media):
    """When the second photo's row cannot be written, the first photo's file goes too."""
    household = households["household_1b"]
    existing = make_visit(household)
    taken, _created = actions.attach_photo(
        actor=personas.persona("worker_a"), visit=existing, upload=upload(photo_bytes())
    )
    visit_uuid = uuid.uuid4()
    # The second photo's UUID (derived from the visit's) already belongs to another visit.
    VisitPhoto.objects.filter(pk=taken.pk).update(
        uuid=uuid.uuid5(actions.PHOTO_NAMESPACE, f"{visit_uuid}:1")
    )
    with pytest.raises(ValidationError, match="another visit"):
        actions.record_visit_with_photos(
            actor=personas.persona("worker_a"),
            uuid=visit_uuid,
            household=household,
            photos=[upload(photo_bytes((0, 90, 0))), upload(photo_bytes((0, 0, 90)))],
        )
    assert not Visit.objects.filter(uuid=visit_uuid).exists()
    assert VisitPhoto.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_more_than_three_photos_are_refused(client_of, households, media):
    photos = [upload(photo_bytes((n * 40, 0, 0)), f"{n}.jpg") for n in range(4)]
    response = client_of("worker_a").post(_new(households["household_1b"]), _form(*photos))
    assert response.status_code == 200
    assert "最多上传 3 张照片" in response.content.decode()
    assert not Visit.objects.exists()
    assert stored_files(media) == []
