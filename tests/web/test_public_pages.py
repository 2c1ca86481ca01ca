"""The residents' pages (/public/): no account, CSRF-protected forms, one request however
often the form is sent, the code shown big, the status page never cached or indexed and
free of staff names and phones, rating once, reopening in time; photos from the phone's
camera, cleaned, shown back only to the holder of the code."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from gridgov.cases.choices import Source, State
from gridgov.cases.models import Attachment, Event
from gridgov.testing import personas


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident() -> Client:
    """A resident's phone browser: no account, CSRF checked as in production."""
    return Client(enforce_csrf_checks=True)


def _csrf(client: Client, url: str) -> str:
    page = client.get(url)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def _form_fields(**fields) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "category": "environment.garbage",
        "description": "村口垃圾池三天没人清运",
        "county": personas.COUNTY,
        "township": personas.TOWNSHIP,
        "village": personas.VILLAGE,
        "name": "龙先生",
        "phone": "13812341234",
        "website": "",
    }
    data.update(fields)
    return data


def _send(client: Client, **fields):
    data = _form_fields(**fields)
    data["csrfmiddlewaretoken"] = _csrf(client, "/public/new/")
    return client.post("/public/new/", data), data


def _resident_request(story, state: str = "closed"):
    event = story.at_state(state)
    event.reporter, event.source = None, Source.RESIDENT_WEB
    event.reporter_name, event.reporter_phone = "龙先生", "13812341234"
    event.save()
    return event


def _post_on_status(client, code, **data):
    url = f"/public/track/{code}/"
    data["csrfmiddlewaretoken"] = _csrf(client, url)
    return client.post(url, data)


@pytest.mark.django_db
def test_the_front_page_offers_both_ways_in_without_signing_in(resident):
    response = resident.get("/public/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/public/new/"' in page and 'action="/public/track/"' in page
    assert "反映问题" in page and "查询进度" in page
    assert "/login/" not in page


@pytest.mark.django_db
def test_the_form_lists_townships_then_villages_without_javascript(resident):
    token = _csrf(resident, "/public/new/")
    response = resident.post(
        "/public/new/",
        {
            "csrfmiddlewaretoken": token,
            "county": personas.COUNTY,
            "step": "county",
            "description": "x",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{personas.TOWNSHIP}">双龙镇</option>' in page
    assert "field-error" not in page  # choosing a place is not sending the form
    assert "x</textarea>" in page  # what was written is kept
    response = resident.post(
        "/public/new/",
        {
            "csrfmiddlewaretoken": token,
            "county": personas.COUNTY,
            "township": personas.TOWNSHIP,
            "step": "township",
        },
    )
    assert f'<option value="{personas.VILLAGE}">十八洞村</option>' in response.content.decode()


@pytest.mark.django_db
def test_a_request_is_sent_once_and_its_code_shown_big(resident, clock):
    response, data = _send(resident)
    event = Event.objects.get(uuid=data["client_uuid"])
    assert response.status_code == 302
    assert response["Location"] == f"/public/submitted/{event.tracking_code}/"
    assert event.source == Source.RESIDENT_WEB and event.grid.code == personas.GRID_1
    assert event.reporter_phone == "13812341234"

    # The same form sent again (a double tap, a resend): the same request.
    data["csrfmiddlewaretoken"] = _csrf(resident, "/public/new/")
    again = resident.post("/public/new/", data)
    assert again["Location"] == response["Location"]
    assert Event.objects.filter(uuid=data["client_uuid"]).count() == 1

    page = resident.get(response["Location"])
    assert page.status_code == 200
    assert f'id="tracking-code">{event.tracking_code}</p>' in page.content.decode()
    assert "no-store" in page["Cache-Control"] and "noindex" in page["X-Robots-Tag"]


@pytest.mark.django_db
def test_each_blank_form_carries_its_own_client_uuid(resident):
    pattern = r'name="client_uuid" value="([0-9a-f-]{36})"'
    first = re.search(pattern, resident.get("/public/new/").content.decode()).group(1)
    second = re.search(pattern, resident.get("/public/new/").content.decode()).group(1)
    assert first != second


@pytest.mark.django_db
def test_a_bad_phone_is_shown_next_to_the_field_and_nothing_is_stored(resident, clock):
    before = Event.objects.count()
    response, _data = _send(resident, phone="12345")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(
        r'id="id_phone".*?<span class="field-error"[^>]*>请填写正确的手机号码', page, re.S
    )
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_the_trap_field_filled_in_stores_nothing(resident, clock):
    before = Event.objects.count()
    response, _data = _send(resident, website="http://spam.example")
    assert response.status_code == 200 and Event.objects.count() == before


@pytest.mark.django_db
def test_over_the_limit_the_page_says_so_and_stores_nothing(resident, clock, settings):
    settings.PUBLIC_REQUESTS_PER_HOUR = 1
    assert _send(resident)[0].status_code == 302
    before = Event.objects.count()
    response, _data = _send(resident)
    assert response.status_code == 429
    assert "提交太频繁" in response.content.decode()
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(resident, clock):
    response = resident.post("/public/new/", _form_fields())
    assert response.status_code == 403
    assert not Event.objects.filter(source=Source.RESIDENT_WEB).exists()


@pytest.mark.django_db
def test_the_code_box_leads_to_the_request_page_never_cached(resident, story):
    event = _resident_request(story, "in_progress")
    token = _csrf(resident, "/public/")
    typed = f" {event.tracking_code.lower()[:6]} {event.tracking_code.lower()[6:]} "
    response = resident.post("/public/track/", {"csrfmiddlewaretoken": token, "code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/public/track/{event.tracking_code}/"
    page = resident.get(response["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "noindex" in page["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page.content.decode()
    assert "正在办理" in page.content.decode()


@pytest.mark.django_db
def test_the_request_page_shows_the_result_and_hides_staff_and_phones(resident, story):
    event = _resident_request(story)
    response = resident.get(f"/public/track/{event.tracking_code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "已调解，双方签订协议" in page and "花垣县公安局" in page
    assert "已办结" in page
    staff = set(event.steps.values_list("actor_label", flat=True)) - {"群众 resident"}
    assert staff and not any(label in page for label in staff)
    assert "13812341234" not in page and "138****1234" not in page and "龙先生" not in page
    assert "现场回访属实" not in page  # the verifier's own note
    assert 'id="rate-form"' in page and 'id="reopen-form"' in page


@pytest.mark.django_db
def test_the_request_page_reads_a_fixed_number_of_queries(
    resident, story, django_assert_max_num_queries
):
    event = _resident_request(story)
    with django_assert_max_num_queries(8):
        assert resident.get(f"/public/track/{event.tracking_code}/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_not_found(resident):
    response = resident.get("/public/track/ZZZZZZZZZZZZ/")
    assert response.status_code == 404
    assert "没有这个查询码的反映" in response.content.decode()
    assert resident.get("/public/submitted/ZZZZZZZZZZZZ/").status_code == 404


@pytest.mark.django_db
def test_the_resident_rates_once_and_a_second_rating_is_refused_with_a_message(resident, story):
    event = _resident_request(story)
    response = _post_on_status(
        resident, event.tracking_code, action="rate", **{"rate-score": "4", "rate-comment": "好"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.satisfaction == 4
    page = resident.get(response["Location"]).content.decode()
    assert "谢谢您的评价" in page and 'id="rate-form"' not in page and "4 / 5" in page

    again = _post_on_status(resident, event.tracking_code, action="rate", **{"rate-score": "1"})
    assert again.status_code == 422
    assert "您已评价过" in again.content.decode()
    event.refresh_from_db()
    assert event.satisfaction == 4


@pytest.mark.django_db
def test_the_resident_reopens_within_thirty_days_but_not_after(resident, story, clock):
    event = _resident_request(story)
    clock(event.closed_at + timedelta(days=10))
    response = _post_on_status(
        resident, event.tracking_code, action="reopen", **{"reopen-reason": "垃圾又堆满了"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == State.REPORTED

    later = _resident_request(story)
    clock(later.closed_at + timedelta(days=31))
    page = resident.get(f"/public/track/{later.tracking_code}/").content.decode()
    assert 'id="reopen-form"' not in page
    refused = _post_on_status(
        resident, later.tracking_code, action="reopen", **{"reopen-reason": "还是没修好"}
    )
    assert refused.status_code == 422 and "30 天" in refused.content.decode()
    later.refresh_from_db()
    assert later.state == State.CLOSED


# --- Photos ----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def _phone_photo(name: str = "IMG_2041.jpg") -> SimpleUploadedFile:
    """A phone photo with the place it was taken (EXIF GPS) and the camera maker."""
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x8825] = {1: "N", 2: (28.0, 18.0, 36.0), 3: "E", 4: (109.0, 27.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_the_form_asks_for_photos_from_the_back_camera(resident):
    page = resident.get("/public/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    field = re.search(r"<input[^>]*name=\"photos\"[^>]*>", page).group(0)
    assert 'capture="environment"' in field and "multiple" in field
    assert 'accept="image/jpeg,image/png,image/webp"' in field


@pytest.mark.django_db
def test_a_photo_sent_with_the_form_is_shown_back_only_to_the_code_holder(
    resident, clock, media, client_of
):
    response, data = _send(resident, photos=[_phone_photo()])
    assert response.status_code == 302
    event = Event.objects.get(uuid=data["client_uuid"])
    (attachment,) = Attachment.objects.filter(event=event)
    page = resident.get(f"/public/track/{event.tracking_code}/").content.decode()
    photo_url = f"/public/track/{event.tracking_code}/photos/{attachment.uuid}"
    assert f'src="{photo_url}"' in page

    picture = Client().get(photo_url)  # anyone with the code, on another phone
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert "no-store" in picture["Cache-Control"] and picture["X-Content-Type-Options"] == "nosniff"
    data = b"".join(picture.streaming_content)
    assert b"HUAWEI" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}  # no GPS, no camera

    # A wrong code, or another request's code, does not open it.
    assert Client().get(f"/public/track/ZZZZZZZZZZZZ/photos/{attachment.uuid}").status_code == 404
    other, _data = _send(resident)
    other_code = other["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert Client().get(f"/public/track/{other_code}/photos/{attachment.uuid}").status_code == 404

    # The staff see it on the event's page, marked as the resident's.
    staff_page = client_of("worker_a").get(f"/events/{event.uuid}/").content.decode()
    assert f"/api/attachments/{attachment.uuid}/file" in staff_page
    assert "群众上传" in staff_page


@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_is_refused_on_the_form_and_nothing_is_stored(
    resident, clock, media
):
    before = Event.objects.count()
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 a program", content_type="image/jpeg")
    response, _data = _send(resident, photos=[_phone_photo(), fake])
    assert response.status_code == 200
    page = response.content.decode()
    assert "照片只能是 JPEG、PNG 或 WebP 图片 Photos must be JPEG, PNG or WebP pictures." in page
    assert Event.objects.count() == before
    assert _stored(media) == []


@pytest.mark.django_db
def test_four_photos_are_refused_on_the_form(resident, clock, media):
    photos = [_phone_photo(f"{n}.jpg") for n in range(4)]
    response, _data = _send(resident, photos=photos)
    assert response.status_code == 200
    assert "最多上传 3 张照片 At most 3 photos can be attached." in response.content.decode()
    assert _stored(media) == []
