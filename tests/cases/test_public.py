"""Residents without an account (gridgov.cases.public): a request goes to the right grid with
a tracking code; resends, robots and floods store nothing more; the status shows the answer
and hides the staff; the code rates and reopens its own request, once and in time; photos
come cleaned of their location, or not at all."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone
from PIL import Image

from gridgov.accounts.models import AuditEntry
from gridgov.cases import attachments, links, public
from gridgov.cases.choices import Source, State
from gridgov.cases.models import Attachment, Event
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import act, report

IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _submit(**fields):
    fields.setdefault("uuid", uuid.uuid4())
    fields.setdefault("category", "environment.garbage")
    fields.setdefault("description", "村口垃圾池三天没人清运，气味很大")
    fields.setdefault("village", personas.VILLAGE)
    fields.setdefault("client_ip", IP)
    return public.submit(**fields)


def _resident_request(story, state: str = "closed"):
    """An event walked to `state` the usual way, then made a resident's own request."""
    event = story.at_state(state)
    event.reporter, event.source = None, Source.RESIDENT_WEB
    event.reporter_name, event.reporter_phone = "龙先生", "13812341234"
    event.save()
    return event


@pytest.mark.django_db
def test_a_request_from_a_village_goes_to_its_first_grid_with_a_tracking_code(clock):
    event, created = _submit(name="龙先生", phone="138 1234 1234")
    assert created
    assert event.grid.code == personas.GRID_1
    assert event.source == Source.RESIDENT_WEB and event.reporter_id is None
    assert event.state == State.REPORTED
    assert len(event.tracking_code) == 12
    assert event.reporter_phone == "13812341234"
    assert event.title == "村口垃圾池三天没人清运，气味很大"  # derived from the description


@pytest.mark.django_db
def test_a_map_point_finds_its_grid_and_a_long_description_gives_a_short_title(clock):
    grid_2 = Region.objects.get(code=personas.GRID_2)
    event, _ = _submit(
        village="",
        latitude=grid_2.centroid_lat,
        longitude=grid_2.centroid_lon,
        description="路灯" * 40,
    )
    assert event.grid_id == grid_2.pk
    assert len(event.title) == public.TITLE_LENGTH and event.title.endswith("…")


@pytest.mark.django_db
def test_a_written_address_finds_the_village_among_namesakes(clock):
    grid = public.grid_of_address("湖南省湘西州花垣县双龙镇十八洞村梨子寨")
    assert grid is not None and grid.code.startswith(personas.VILLAGE)
    assert public.grid_of_address("某地某村") is None


@pytest.mark.django_db
def test_a_resend_returns_the_first_request_and_uses_no_more_of_the_limit(clock, settings):
    settings.PUBLIC_REQUESTS_PER_HOUR = 1
    key = uuid.uuid4()
    first, _ = _submit(uuid=key)
    again, created = _submit(uuid=key)
    assert again.pk == first.pk and not created
    assert Event.objects.filter(uuid=key).count() == 1


@pytest.mark.django_db
def test_a_filled_trap_field_stores_nothing(clock):
    before = Event.objects.count()
    with pytest.raises(ValidationError) as refused:
        _submit(honeypot="http://spam.example")
    assert "website" in refused.value.message_dict
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_over_the_hourly_limit_nothing_is_stored_until_the_hour_is_over(clock, settings):
    settings.PUBLIC_REQUESTS_PER_HOUR = 2
    _submit()
    _submit()
    before = Event.objects.count()
    with pytest.raises(public.RateLimited) as limited:
        _submit()
    assert "Too many requests" in limited.value.message and "提交太频繁" in limited.value.message
    assert Event.objects.count() == before
    _submit(client_ip="198.51.100.9")  # someone else is not held up
    clock(timezone.now() + timedelta(hours=1, minutes=1))
    _submit()


@pytest.mark.django_db
def test_refused_requests_do_not_count_against_the_limit(clock, settings):
    settings.PUBLIC_REQUESTS_PER_HOUR = 1
    with pytest.raises(ValidationError):
        _submit(village="", address="")
    _submit()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12345", "0743-8521234", "+1 415 555 0100", "1381234123x"])
def test_a_phone_that_is_not_a_mainland_mobile_is_named_in_the_error(clock, phone):
    with pytest.raises(ValidationError) as refused:
        _submit(phone=phone)
    assert list(refused.value.message_dict) == ["phone"]
    assert "手机号码" in refused.value.messages[0] and "mobile" in refused.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"category": ""}, "category"),
        ({"category": "dispute"}, "category"),  # a parent, not something to choose
        ({"category": "emergency.natural_disaster"}, "category"),  # 110/119/120, not a form
        ({"description": "   "}, "description"),
        ({"village": ""}, "village"),
        ({"village": personas.TOWNSHIP}, "village"),
        ({"village": "", "latitude": 10.0, "longitude": 10.0}, "village"),
        ({"name": "龙" * 61}, "name"),
    ],
)
def test_what_is_missing_or_wrong_is_named(clock, fields, named):
    with pytest.raises(ValidationError) as refused:
        _submit(**fields)
    assert named in refused.value.message_dict


@pytest.mark.django_db
def test_residents_choose_among_leaf_categories_without_sudden_events():
    codes = {category.code for category in public.categories()}
    assert "dispute.neighbour" in codes and "environment.garbage" in codes
    assert "dispute" not in codes
    assert not any(code.startswith("emergency") for code in codes)


@pytest.mark.django_db
def test_the_status_shows_the_answer_and_hides_staff_names_phones_and_notes(story):
    event = _resident_request(story)
    status = public.status(event.tracking_code.lower(), client_ip=IP)
    assert status.state == State.CLOSED and status.state_words.startswith("已办结")
    assert status.result == "已调解，双方签订协议"
    assert status.agency == "花垣县公安局"
    assert status.can_rate and status.can_reopen
    assert status.reported_at and status.accepted_at and status.handled_at and status.closed_at
    actions = [step.action for step in status.steps]
    assert actions[0] == "submitted" and actions[-1] == "close"
    assert "report_part" not in actions  # an assisting department's part is staff business
    dispatch = next(step for step in status.steps if step.action == "dispatch")
    assert dispatch.unit == "花垣县公安局"
    shown = " ".join(
        [status.title, status.agency, status.result]
        + [f"{step.words} {step.unit} {step.result}" for step in status.steps]
    )
    staff = {label for label in event.steps.values_list("actor_label", flat=True)} - {
        "群众 resident"
    }
    assert staff and not any(label in shown for label in staff)
    assert "13812341234" not in repr(status) and "龙先生" not in repr(status)
    assert "现场回访属实" not in shown  # the verifier's note
    assert "已核实困难情况" not in shown  # the assisting department's report


@pytest.mark.django_db
def test_a_wrong_code_is_not_found_whatever_its_shape(story):
    event = _resident_request(story, "in_progress")
    assert public.status(f" {event.tracking_code[:4]}-{event.tracking_code[4:].lower()} ").is_open
    for wrong in ("ABCDEFGHJKMN", "abc", "", "0" * 12):
        with pytest.raises(public.UnknownCode):
            public.status(wrong, client_ip=IP)


@pytest.mark.django_db
def test_guessing_codes_stops_lookups_from_that_address_for_the_hour(story, settings):
    settings.PUBLIC_WRONG_CODES_PER_HOUR = 3
    event = _resident_request(story, "in_progress")
    for _attempt in range(3):
        with pytest.raises(public.UnknownCode):
            public.status("ZZZZZZZZZZZZ", client_ip=IP)
    with pytest.raises(public.RateLimited):
        public.status(event.tracking_code, client_ip=IP)
    assert public.status(event.tracking_code, client_ip="198.51.100.9").is_open


@pytest.mark.django_db
def test_the_resident_rates_a_closed_request_once(story):
    event = _resident_request(story)
    public.rate(event.tracking_code, score=5, comment="很快就解决了", client_ip=IP)
    event.refresh_from_db()
    assert event.satisfaction == 5
    status = public.status(event.tracking_code)
    assert not status.can_rate and status.satisfaction == 5
    assert status.steps[-1].action == "rate" and status.steps[-1].score == 5
    with pytest.raises(ValidationError) as refused:
        public.rate(event.tracking_code, score=1, client_ip=IP)
    assert "已评价" in refused.value.messages[0] and "already rated" in refused.value.messages[0]
    event.refresh_from_db()
    assert event.satisfaction == 5


@pytest.mark.django_db
def test_an_open_request_cannot_be_rated_yet(story):
    event = _resident_request(story, "in_progress")
    with pytest.raises(ValidationError) as refused:
        public.rate(event.tracking_code, score=4)
    assert "once it is closed" in refused.value.messages[0]


@pytest.mark.django_db
def test_a_score_outside_one_to_five_is_refused(story):
    event = _resident_request(story)
    with pytest.raises(ValidationError) as refused:
        public.rate(event.tracking_code, score=6)
    assert "score" in refused.value.message_dict


@pytest.mark.django_db
def test_the_resident_reopens_within_thirty_days_and_not_after(story, clock):
    event = _resident_request(story)
    clock(event.closed_at + timedelta(days=29))
    public.reopen(event.tracking_code, reason="垃圾池又满了", client_ip=IP)
    event.refresh_from_db()
    assert event.state == State.REPORTED
    assert public.status(event.tracking_code).steps[-1].action == "reopen"

    later = _resident_request(story)
    clock(later.closed_at + timedelta(days=31))
    assert not public.status(later.tracking_code).can_reopen
    with pytest.raises(ValidationError) as refused:
        public.reopen(later.tracking_code, reason="还是没修好")
    assert "30" in refused.value.messages[0]
    later.refresh_from_db()
    assert later.state == State.CLOSED


@pytest.mark.django_db
def test_reopening_needs_a_reason(story):
    event = _resident_request(story)
    with pytest.raises(ValidationError) as refused:
        public.reopen(event.tracking_code, reason="  ")
    assert "reason" in refused.value.message_dict


@pytest.mark.django_db
def test_a_request_solved_on_the_spot_shows_the_evidence_as_its_result(clock):
    event, _ = _submit()
    act(event, "resolve", "worker_a", evidence="已联系保洁员清运完毕")
    status = public.status(event.tracking_code)
    assert status.result == "已联系保洁员清运完毕"
    assert status.agency == "十八洞村第一网格"
    resolve = next(step for step in status.steps if step.action == "resolve")
    assert resolve.unit == "十八洞村第一网格"


@pytest.mark.django_db
def test_several_codes_are_read_in_a_fixed_number_of_queries(story, django_assert_num_queries):
    events = [_resident_request(story, "closed") for _ in range(3)]
    codes = [event.tracking_code for event in events]
    # The events, their steps, their photos, the unit names.
    with django_assert_num_queries(5):
        one = public.statuses(codes[:1])
    with django_assert_num_queries(5):
        three = public.statuses([*codes, "ZZZZZZZZZZZZ"])
    assert len(one) == 1 and [status.tracking_code for status in three] == codes


@pytest.mark.django_db
def test_a_code_of_a_staff_report_shows_the_category_not_the_staff_title(story):
    event = story.in_progress(title="重点人员龙某某复吸")
    status = public.status(event.tracking_code)
    assert status.title == "邻里纠纷" and "龙某某" not in repr(status)


# --- Photos ----------------------------------------------------------------------------------

GPS_IFD = 0x8825


@pytest.fixture
def media(settings, tmp_path):
    """A storage folder of the test's own: the files in it afterwards are what was kept."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def _phone_photo(name: str = "IMG_2041.jpg", colour=(200, 30, 30), kind: str = "JPEG"):
    """A photo as a phone takes it: EXIF with the camera maker and where it was taken."""
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[GPS_IFD] = {1: "N", 2: (28.0, 18.0, 36.0), 3: "E", 4: (109.0, 27.0, 0.0)}
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_photos_are_kept_with_the_request_without_their_location(clock, media):
    photo = _phone_photo()
    assert b"HUAWEI" in photo.read()  # the upload carries the camera and the place
    event, created = _submit(photos=[photo, _phone_photo("b.webp", (30, 30, 200), "WEBP")])
    assert created
    kept = list(Attachment.objects.filter(event=event).order_by("created_at", "id"))
    assert [a.content_type for a in kept] == ["image/jpeg", "image/jpeg"]
    assert kept[0].original_name == "IMG_2041.jpg" and kept[0].uploaded_by is None
    # They came with the submission: on its step of the timeline, and in the audit log.
    assert kept[0].step == event.steps.get(action="report")
    assert AuditEntry.objects.filter(action="cases.attach", object_id=str(kept[0].pk)).exists()
    for attachment in kept:
        data = attachment.file.open("rb").read()
        assert b"HUAWEI" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert dict(image.getexif()) == {}
    assert len(_stored(media)) == 2
    # The holder of the code sees them, and can fetch each one.
    status = public.status(event.tracking_code)
    assert [photo.uuid for photo in status.photos] == [a.uuid for a in kept]
    assert public.photo(event.tracking_code, kept[1].uuid) == kept[1]


@pytest.mark.django_db
def test_the_same_picture_twice_is_kept_once_and_a_resend_adds_none(clock, media):
    request_uuid = uuid.uuid4()
    event, _created = _submit(uuid=request_uuid, photos=[_phone_photo(), _phone_photo("x.jpg")])
    again, created = _submit(uuid=request_uuid, photos=[_phone_photo("y.jpg", (0, 90, 0))])
    assert again == event and not created
    assert Attachment.objects.filter(event=event).count() == 1
    assert len(_stored(media)) == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"),
            "照片只能是 JPEG、PNG 或 WebP 图片 Photos must be JPEG, PNG or WebP pictures.",
        ),
        (
            SimpleUploadedFile("page.png", b"<html><script>alert(1)</script></html>"),
            "照片只能是 JPEG、PNG 或 WebP 图片 Photos must be JPEG, PNG or WebP pictures.",
        ),
        (
            SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff\xe0 broken after the header"),
            "只能上传 JPEG、PNG、WebP、GIF 图片或 PDF 文档 Only JPEG, PNG, WebP or GIF pictures "
            "and PDF documents can be attached.",
        ),
    ],
    ids=["pdf", "html", "damaged-jpeg"],
)
@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_stores_nothing_at_all(clock, media, settings, upload, message):
    settings.PUBLIC_REQUESTS_PER_HOUR = 1
    before = Event.objects.count()
    with pytest.raises(ValidationError) as refused:
        _submit(photos=[_phone_photo(), upload])
    assert refused.value.message_dict == {"photos": [message]}
    assert Event.objects.count() == before
    assert _stored(media) == []
    # Nothing was counted against the limit either: the corrected request goes through.
    assert _submit(photos=[_phone_photo()])[1]


@pytest.mark.django_db
def test_more_than_three_photos_or_too_large_ones_are_refused(clock, media, settings):
    photos = [_phone_photo(f"{n}.jpg", (n * 40, 0, 0)) for n in range(4)]
    with pytest.raises(ValidationError) as refused:
        _submit(photos=photos)
    assert refused.value.message_dict == {
        "photos": ["最多上传 3 张照片 At most 3 photos can be attached."]
    }
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        _submit(photos=[_phone_photo()])
    assert "The file is too large" in refused.value.message_dict["photos"][0]
    assert _stored(media) == [] and not Event.objects.filter(source=Source.RESIDENT_WEB).exists()


@pytest.mark.django_db
def test_if_saving_fails_after_the_files_were_written_none_is_left(clock, media):
    # A photo UUID already taken (by a staff attachment elsewhere) makes the second photo's
    # row fail after both files were written: the request and both files are gone again.
    request_uuid = uuid.uuid4()
    taken = uuid.uuid5(request_uuid, "photo-1")
    attachments.attach(
        actor=personas.persona("worker_a"),
        event=report("worker_a"),
        upload=_phone_photo("staff.jpg", (9, 9, 9)),
        uuid=taken,
    )
    files_before, events_before = _stored(media), Event.objects.count()
    with pytest.raises(IntegrityError):
        _submit(uuid=request_uuid, photos=[_phone_photo(), _phone_photo("b.jpg", (0, 0, 90))])
    assert Event.objects.count() == events_before
    assert _stored(media) == files_before


@pytest.mark.django_db
def test_only_the_residents_own_photos_and_not_for_a_key_population_matter(story, media, register):
    event, _created = _submit(photos=[_phone_photo()])
    staff_file = attachments.attach(
        actor=personas.persona("worker_a"), event=event, upload=_phone_photo("staff.jpg", (9, 9, 9))
    )[0]
    (own,) = public.status(event.tracking_code).photos
    with pytest.raises(Http404):
        public.photo(event.tracking_code, staff_file.uuid)  # a staff attachment: never
    # Once the request is linked to a person in a key population, its photos stay inside.
    links.link(
        actor=personas.persona("worker_a"), event=event, target=register.residents["adult_1"]
    )
    assert public.status(event.tracking_code).photos == []
    with pytest.raises(Http404):
        public.photo(event.tracking_code, own.uuid)
