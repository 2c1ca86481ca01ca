"""Attaching photos and documents to events: judged by content, pictures re-encoded without
their metadata, size and pixel limits, retries and duplicates, and nothing left behind when
an upload is refused. Every file here is made in the test."""

import hashlib
import io
import struct
import threading
import uuid
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from PIL import Image

from gridgov.accounts.models import AuditEntry
from gridgov.cases import attachments
from gridgov.cases.models import Attachment, Event, EventStep
from gridgov.testing.cases import report, user
from gridgov.testing.photos import photo_bytes, stored_files

XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/">龙家 28.31N 109.45E</x:xmpmeta>'.encode()


@pytest.fixture
def event(clock):
    return report("worker_a")


# --- Files made here -------------------------------------------------------------------------


def photo_with_gps(size=(40, 30)) -> bytes:
    """A phone photo: EXIF with the camera, the place (GPS) and 'rotate 90°', plus XMP; the
    left half blue, so that the turn shows."""
    return photo_bytes(size=size, orientation=6, left_half=(30, 30, 200), xmp=XMP)


def png(size=(20, 10), mode="RGBA", colour=(0, 128, 0, 100)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def gif() -> bytes:
    frames = [Image.new("P", (16, 16), index) for index in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    """A small, well-formed one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + extra + b">>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


def png_claiming(width: int, height: int) -> bytes:
    """A decompression bomb's calling card: a tiny PNG whose header claims a huge canvas."""
    raw = png(size=(1, 1), mode="L", colour=0)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return raw[:8] + patched + raw[8 + len(patched) :]


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client, event, data: bytes, name="photo.jpg", content_type="image/jpeg", **fields):
    return client.post(
        "/api/attachments/",
        {"event": str(event.uuid), "file": upload(data, name, content_type), **fields},
    )


# --- Pictures ------------------------------------------------------------------------------


def test_a_phone_photo_is_kept_upright_without_its_location_or_camera(
    event, media, client_of, user_of
):
    response = post(client_of("worker_a"), event, photo_with_gps(), name="IMG_0001.JPG")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/jpeg"
    assert body["name"] == "IMG_0001.jpg"
    # EXIF said "rotate 90°": the 40×30 picture is kept standing, 30×40, blue half on top.
    assert (body["width"], body["height"]) == (30, 40)
    [path] = stored_files(media)
    kept = path.read_bytes()
    assert path.name == f"{body['uuid']}.jpg"  # never the user's file name
    assert body["size"] == len(kept)
    assert body["sha256"] == hashlib.sha256(kept).hexdigest()
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (30, 40)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "xmp" not in image.info
        top, bottom = image.getpixel((15, 5)), image.getpixel((15, 35))
    assert top[2] > 150 and top[0] < 100  # blue
    assert bottom[0] > 150 and bottom[2] < 100  # red
    assert b"HUAWEI" not in kept and "龙家".encode() not in kept and b"xmpmeta" not in kept


def test_a_large_photo_is_shrunk_to_2560_pixels(event, media, user_of):
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (90, 90, 90)).save(out, "JPEG")

    attachment, created = attachments.attach(
        actor=user_of("worker_a"), event=event, upload=upload(out.getvalue()), uuid=uuid.uuid4()
    )

    assert created
    assert (attachment.width, attachment.height) == (2560, 1707)
    with Image.open(attachment.file.path) as image:
        assert image.size == (2560, 1707)


def test_a_png_stays_a_png_with_its_transparency(event, media, user_of):
    attachment, _ = attachments.attach(
        actor=user_of("worker_a"), event=event, upload=upload(png(), "sketch.png", "image/png")
    )

    assert attachment.content_type == "image/png"
    assert attachment.original_name == "sketch.png"
    with Image.open(attachment.file.path) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.getpixel((3, 3)) == (0, 128, 0, 100)


def test_a_gif_keeps_its_first_frame_as_png_and_a_webp_becomes_a_jpeg(event, media, user_of):
    worker = user_of("worker_a")
    moving, _ = attachments.attach(actor=worker, event=event, upload=upload(gif(), "a.gif"))
    still, _ = attachments.attach(actor=worker, event=event, upload=upload(webp(), "b.webp"))

    assert (moving.content_type, moving.original_name) == ("image/png", "a.png")
    with Image.open(moving.file.path) as image:
        assert image.format == "PNG"
        assert getattr(image, "n_frames", 1) == 1
    assert (still.content_type, still.original_name) == ("image/jpeg", "b.jpg")
    with Image.open(still.file.path) as image:
        assert image.format == "JPEG"


def test_a_print_shop_cmyk_jpeg_is_kept_as_rgb(event, media, user_of):
    out = io.BytesIO()
    Image.new("CMYK", (12, 12), (0, 255, 255, 0)).save(out, "JPEG")  # red in ink

    attachment, _ = attachments.attach(
        actor=user_of("worker_a"), event=event, upload=upload(out.getvalue())
    )

    with Image.open(attachment.file.path) as image:
        assert (image.format, image.mode) == ("JPEG", "RGB")
        red, green, blue = image.getpixel((6, 6))
    assert red > 200 and green < 60 and blue < 60


def test_the_type_comes_from_the_content_not_the_name_or_the_browser(event, media, client_of):
    response = post(client_of("worker_a"), event, png(), name="水沟.html", content_type="text/html")

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/png"
    assert response.json()["name"] == "水沟.png"


# --- Documents -------------------------------------------------------------------------------


def test_a_pdf_is_kept_as_it_was_sent(event, media, client_of):
    document = pdf()

    response = post(
        client_of("worker_a"), event, document, name="调解协议书.pdf", content_type="text/plain"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["content_type"], body["name"], body["size"]) == (
        "application/pdf",
        "调解协议书.pdf",
        len(document),
    )
    assert (body["width"], body["height"]) == (None, None)
    [path] = stored_files(media)
    assert path.read_bytes() == document
    assert path.suffix == ".pdf"


# --- Refused ---------------------------------------------------------------------------------

REFUSED = {
    "html named .jpg": (b"<!doctype html><script>alert(1)</script>", "photo.jpg"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "map.svg",
    ),
    "windows program": (b"MZ\x90\x00\x03" + bytes(200), "photo.jpg"),
    "shell script": (b"#!/bin/sh\nrm -rf /\n", "notes.pdf"),
    "zip": (b"PK\x03\x04" + bytes(100), "report.docx"),
    "truncated jpeg": (photo_with_gps()[:300], "cut.jpg"),
    "pdf without an end": (pdf()[:-40], "cut.pdf"),
    "pdf with a script": (pdf(b"/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >> "), "x.pdf"),
    "empty": (b"", "nothing.jpg"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_anything_else_is_refused_and_nothing_is_kept(kind, event, media, client_of):
    data, name = REFUSED[kind]
    steps_before = EventStep.objects.filter(event=event).count()

    response = post(client_of("worker_a"), event, data, name=name)

    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert stored_files(media) == []
    assert not Attachment.objects.exists()
    assert EventStep.objects.filter(event=event).count() == steps_before


def test_the_refusal_says_what_can_be_attached_in_both_languages(event, media, client_of):
    response = post(client_of("worker_a"), event, REFUSED["html named .jpg"][0])

    message = response.json()["errors"][0]["message"]
    assert "只能上传" in message and "Only JPEG, PNG, WebP or GIF pictures and PDF" in message


def test_a_file_over_the_limit_is_refused_with_the_limit(event, media, client_of, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = png(size=(2, 2)) + bytes(2 * 1024 * 1024)

    response = post(client_of("worker_a"), event, big, name="big.png")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "file",
            "code": "invalid",
            "message": "文件太大，上限 2 MB The file is too large: the limit is 2 MB.",
        }
    ]
    assert stored_files(media) == []
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("side", [8_000, 100_000])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(side, event, media, client_of):
    bomb = png_claiming(side, side)
    assert len(bomb) < 200

    response = post(client_of("worker_a"), event, bomb, name="bomb.png")

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert error["message"] == (
        "图片像素太多，上限 50,000,000 像素 The picture has too many pixels: at most 50,000,000."
    )
    assert stored_files(media) == []


# --- Retries and duplicates ----------------------------------------------------------------


def test_a_retried_upload_returns_the_first_attachment(event, media, client_of):
    client = client_of("worker_a")
    key = str(uuid.uuid4())

    first = post(client, event, photo_with_gps(), uuid=key)
    again = post(client, event, photo_with_gps(), uuid=key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert first.json()["uuid"] == key
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1
    assert EventStep.objects.filter(event=event, action="attach").count() == 1


def test_the_same_file_twice_on_an_event_is_one_attachment(event, media, client_of, clock):
    client = client_of("worker_a")

    first = post(client, event, pdf(), name="协议.pdf")
    second = post(client, event, pdf(), name="协议（副本）.pdf")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["uuid"] == first.json()["uuid"]
    assert len(stored_files(media)) == 1
    other = report("worker_a", title="另一件事")
    assert post(client, other, pdf()).status_code == 201  # another event keeps its own copy
    assert len(stored_files(media)) == 2


def test_a_uuid_of_another_event_is_not_reused(event, media, client_of, clock):
    client = client_of("worker_a")
    key = str(uuid.uuid4())
    assert post(client, event, png(), uuid=key).status_code == 201
    other = report("worker_a", title="另一件事")

    response = post(client, other, pdf(), uuid=key)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "uuid"
    assert len(stored_files(media)) == 1


def test_one_attachment_per_file_and_event_is_the_databases_rule(event, media, user_of):
    attachment, _ = attachments.attach(actor=user_of("worker_a"), event=event, upload=upload(png()))

    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            event=event,
            file="attachments/x.png",
            original_name="x.png",
            content_type="image/png",
            size=1,
            sha256=attachment.sha256,
        )


# --- The timeline, the audit log, who may attach ---------------------------------------------


def test_an_upload_is_a_step_on_the_timeline_and_in_the_audit_log(event, media, user_of):
    attachment, _ = attachments.attach(
        actor=user_of("worker_a"), event=event, upload=upload(pdf(), "现场照片说明.pdf")
    )

    step = attachment.step
    assert (step.action, step.actor, step.note) == (
        "attach",
        user_of("worker_a"),
        "附件 Attachment: 现场照片说明.pdf",
    )
    assert step.from_state == step.to_state == event.state
    entry = AuditEntry.objects.get(action="cases.attach")
    assert entry.region_code == event.region_code
    assert entry.after["sha256"] == attachment.sha256
    event.refresh_from_db()
    assert event.version == 1  # an attachment is not a change of state


def test_a_file_sent_with_a_step_belongs_to_that_step(story, media, user_of):
    event = story.accepted()
    step = event.steps.get(action="accept")

    attachment, _ = attachments.attach(
        actor=user_of("township"), event=event, upload=upload(png()), step=step
    )

    assert attachment.step == step
    assert not event.steps.filter(action="attach").exists()


def test_a_step_of_another_event_is_refused(event, media, user_of, clock):
    other = report("worker_a", title="另一件事")

    with pytest.raises(ValidationError) as refused:
        attachments.attach(
            actor=user_of("worker_a"),
            event=event,
            upload=upload(png()),
            step=other.steps.get(),
        )

    assert refused.value.message_dict == {
        "step": ["该记录不属于此事件 The step belongs to another event."]
    }
    assert stored_files(media) == []


def test_a_leader_may_look_but_not_attach(event, media, client_of, user_of):
    attachments.attach(actor=user_of("worker_a"), event=event, upload=upload(png()))

    refused = post(client_of("leader"), event, pdf())
    listed = client_of("leader").get("/api/attachments/", {"event": str(event.uuid)})

    assert refused.status_code == 403
    assert "无权执行此操作" in refused.json()["detail"]
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert len(stored_files(media)) == 1


def test_the_handler_of_a_dispatched_event_may_attach(story, media, client_of):
    event = story.in_progress()

    response = post(client_of("handler"), event, pdf(), name="处理结果.pdf")

    assert response.status_code == 201
    assert response.json()["uploaded_by"] == "handler"


# --- Reading ---------------------------------------------------------------------------------


def test_a_picture_is_shown_and_a_document_downloaded_with_safe_headers(
    event, media, client_of, user_of
):
    worker = user_of("worker_a")
    picture, _ = attachments.attach(actor=worker, event=event, upload=upload(png(), "水井.png"))
    document, _ = attachments.attach(actor=worker, event=event, upload=upload(pdf(), "协议.pdf"))
    client = client_of("cadre")

    shown = client.get(f"/api/attachments/{picture.uuid}/file")
    saved = client.get(f"/api/attachments/{document.uuid}/file")

    assert shown.status_code == saved.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline;")
    assert saved["Content-Type"] == "application/pdf"
    assert saved["Content-Disposition"] == "attachment; filename*=utf-8''%E5%8D%8F%E8%AE%AE.pdf"
    for response in (shown, saved):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    assert b"".join(saved.streaming_content) == pdf()
    with Image.open(io.BytesIO(b"".join(shown.streaming_content))) as image:
        assert image.size == (20, 10)


def test_the_list_holds_the_events_attachments_in_order(event, media, client_of, user_of, clock):
    worker = user_of("worker_a")
    first, _ = attachments.attach(actor=worker, event=event, upload=upload(png(), "1.png"))
    second, _ = attachments.attach(actor=worker, event=event, upload=upload(pdf(), "2.pdf"))
    other = report("worker_a", title="另一件事")
    attachments.attach(actor=worker, event=other, upload=upload(gif(), "3.gif"))

    response = client_of("township").get("/api/attachments/", {"event": str(event.uuid)})

    assert response.status_code == 200
    assert [item["uuid"] for item in response.json()] == [str(first.uuid), str(second.uuid)]
    assert response.json()[0] == {
        "uuid": str(first.uuid),
        "event": str(event.uuid),
        "step_id": first.step_id,
        "name": "1.png",
        "content_type": "image/png",
        "size": first.size,
        "sha256": first.sha256,
        "width": 20,
        "height": 10,
        "uploaded_by": "worker_a",
        "created_at": response.json()[0]["created_at"],
        "file_url": f"/api/attachments/{first.uuid}/file",
    }


def test_listing_takes_the_same_queries_for_one_attachment_or_many(
    event, media, client_of, user_of
):
    worker = user_of("worker_a")
    client = client_of("worker_a")
    attachments.attach(actor=worker, event=event, upload=upload(png(colour=(1, 1, 1, 1))))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/attachments/", {"event": str(event.uuid)}).status_code == 200
        return len(captured)

    with_one = queries()
    for shade in range(2, 7):
        attachments.attach(
            actor=worker, event=event, upload=upload(png(colour=(shade, shade, shade, 255)))
        )
    assert queries() == with_one


# --- File names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "content_type", "kept"),
    [
        ("../../etc/passwd.jpg", "image/jpeg", "passwd.jpg"),
        ("C:\\Users\\龙\\现场.JPEG", "image/jpeg", "现场.jpg"),
        ('a"b<c>\r\nd.png', "image/png", "abcd.png"),
        ("报告.pdf.exe", "application/pdf", "报告.pdf.pdf"),
        ("", "image/png", "附件.png"),
        ("...", "application/pdf", "附件.pdf"),
        ("长" * 300 + ".jpg", "image/jpeg", "长" * 100 + ".jpg"),
    ],
)
def test_file_names_are_cleaned_for_display_and_download(given, content_type, kept):
    assert attachments.clean_name(given, content_type) == kept


# --- For real, on PostgreSQL: two uploads at the same moment ----------------------------------


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access outside the test transaction, so that two threads see each other's
    rows; the events listed (and with them their attachments) are deleted afterwards."""
    created: list = []
    with django_db_blocker.unblock():
        try:
            yield created
        finally:
            for event in created:
                event.delete()


def _race(*jobs) -> list:
    """Run the jobs on threads released together; each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.parametrize("same_uuid", [True, False], ids=["retry", "same file"])
def test_the_same_upload_twice_at_once_keeps_one_file(same_uuid, committed, media):
    event = report("worker_a", title="并发上传测试")
    committed.append(event)
    key = uuid.uuid4()
    data = photo_with_gps(size=(1200, 900))

    def send():
        return attachments.attach(
            actor=user("worker_a"),
            event=Event.objects.get(pk=event.pk),
            upload=upload(data),
            uuid=key if same_uuid else uuid.uuid4(),
        )

    results = _race(send, send)

    assert all(isinstance(result, tuple) for result in results), results
    assert sorted(created for _attachment, created in results) == [False, True]
    assert len({attachment.pk for attachment, _created in results}) == 1
    assert Attachment.objects.filter(event=event).count() == 1
    assert len(stored_files(media)) == 1
