"""Photos and documents attached to events (附件).

An upload is judged by its content, never by its name or the type the browser claims: JPEG,
PNG, WebP and GIF pictures that Pillow can decode, and PDF documents; nothing else (no SVG,
HTML, office files or programs). Pictures are decoded and written again — turned upright
from their EXIF orientation, shrunk to at most 2560 pixels a side, photos as JPEG and
drawings (PNG, GIF) as PNG — so the location, camera and XMP data they carried are gone; the
bytes kept are the re-encoded ones. Files go through Django's storage under a name made from
the attachment's UUID.

A retried upload (same client UUID) returns the first attachment, and the same file twice on
one event is one attachment. When anything fails, no file is left in storage and no row in
the database.
"""

import hashlib
import io
import re
import unicodedata
import uuid as uuid_module
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.accounts import audit
from gridgov.cases.links import require_working_access
from gridgov.cases.models import ATTACHMENT_EXTENSIONS, Attachment, Event, EventStep

# The longest side of a kept picture; phone photos are larger and gain nothing on a screen.
MAX_SIDE = 2560
# A picture with more pixels than this is refused before it is decoded: a small file can
# claim a huge canvas (a "decompression bomb") and exhaust the server's memory.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
PDF_TYPE = "application/pdf"
# What Pillow may try to decode; everything else is refused.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# PDF features that run or carry other content; a case file has no need of them. (Only
# names long enough never to turn up by chance inside compressed page data.)
PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_SPACE = {"RGB": "RGB", "RGBA": "RGB", "L": "L", "LA": "L"}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
DEFAULT_NAME = "附件"

_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
)


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def _too_large() -> ValidationError:
    limit = max_bytes() / (1024 * 1024)
    return ValidationError(
        {"file": f"文件太大，上限 {limit:g} MB The file is too large: the limit is {limit:g} MB."}
    )


def _refused() -> ValidationError:
    return ValidationError(
        {
            "file": "只能上传 JPEG、PNG、WebP、GIF 图片或 PDF 文档 Only JPEG, PNG, WebP or GIF "
            "pictures and PDF documents can be attached."
        }
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        {
            "file": f"图片像素太多，上限 {MAX_PIXELS:,} 像素 The picture has too many pixels: "
            f"at most {MAX_PIXELS:,}."
        }
    )


class Prepared:
    """An upload made ready to keep: the bytes to store and what is known about them."""

    def __init__(self, data: bytes, content_type: str, width=None, height=None):
        self.data = data
        self.content_type = content_type
        self.width = width
        self.height = height
        self.sha256 = hashlib.sha256(data).hexdigest()


def _read(upload) -> bytes:
    """The upload's bytes, at most the limit (the declared size is not trusted)."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    if not data:
        raise ValidationError({"file": "文件是空的 The file is empty."})
    return data


def _check_pdf(data: bytes) -> Prepared:
    """A PDF is kept as sent, if it looks like one from end to end: the header, a
    cross-reference pointer and the end-of-file mark, and no scripts or embedded files."""
    if not _PDF_HEADER.match(data[:8]):
        raise _refused()
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail or b"obj" not in data:
        raise ValidationError({"file": "PDF 文件不完整或已损坏 The PDF is incomplete or damaged."})
    if any(marker in data for marker in PDF_ACTIVE):
        raise ValidationError(
            {
                "file": "PDF 含有脚本或嵌入文件，不能上传 The PDF contains scripts or embedded "
                "files and cannot be attached."
            }
        )
    return Prepared(data, PDF_TYPE)


def _reencode(data: bytes) -> Prepared:
    """Decode a picture and write it again, upright, at most MAX_SIDE, without metadata."""
    with warnings.catch_warnings():
        # Pillow's own bomb check warns before it refuses; refuse at the warning already.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels()
                source_format = image.format
                icc_profile = image.info.get("icc_profile")
                image.seek(0)  # a GIF or animated WebP keeps its first frame
                image.load()
                upright = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except _DECODE_ERRORS as error:
            raise _refused() from error
    as_png = source_format in ("PNG", "GIF") or (
        source_format == "WEBP" and upright.mode in ("RGBA", "LA", "PA")
    )
    if as_png:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        clean = upright.convert("RGBA" if has_alpha else "RGB")
    else:
        clean = upright.convert("L" if upright.mode in ("L", "1") else "RGB")
    clean.info = {}  # nothing of the original's metadata travels with the pixels
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # The colour profile stays when the colours are still in its space (a CMYK profile
    # would misdescribe the RGB pixels it was converted to).
    keeps_space = _SPACE.get(upright.mode) is not None and (
        _SPACE.get(upright.mode) == _SPACE.get(clean.mode)
    )
    options = {"icc_profile": icc_profile} if icc_profile and keeps_space else {}
    out = io.BytesIO()
    if as_png:
        clean.save(out, "PNG", optimize=True, **options)
        content_type = "image/png"
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
        content_type = "image/jpeg"
    return Prepared(out.getvalue(), content_type, *clean.size)


def prepare(upload) -> Prepared:
    """Read, check and (for pictures) re-encode an upload; raises ValidationError on
    "file" when it is too large, empty, of a type we do not keep, or damaged."""
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        return _check_pdf(data)
    return _reencode(data)


def clean_name(name: str, content_type: str) -> str:
    """The uploader's file name, fit to show and to offer on download: no folders, no
    control or reserved characters, at most 100 characters, with the extension of the type
    the content really is."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("", name).strip().strip(".")
    stem = name.rsplit(".", 1)[0].strip() if "." in name else name
    stem = stem[:100].strip() or DEFAULT_NAME
    return stem + ATTACHMENT_EXTENSIONS.get(content_type, "")


def _replayed(actor, existing: Attachment, event: Event) -> Attachment:
    if not Attachment.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise Http404  # someone else's UUID: say nothing about it
    if existing.event_id != event.pk:
        raise ValidationError(
            {
                "uuid": "该标识已用于另一事件的附件 This UUID belongs to an attachment of another event."
            }
        )
    return existing


def attach(
    *, actor, event: Event, upload, uuid: uuid_module.UUID | None = None, step=None
) -> tuple[Attachment, bool]:
    """附件: attach an uploaded file to `event`; returns (attachment, created).

    `upload` is a file object (a Django UploadedFile, or anything with read() and name).
    `step` is the timeline step the file came with; without one, the upload is itself a
    step ("attach") on the timeline. The same people who may link records may attach.
    """
    uuid = uuid or uuid_module.uuid4()
    existing = Attachment.objects.filter(uuid=uuid).first()
    if existing is not None:
        return _replayed(actor, existing, event), False
    require_working_access(actor, event)
    if step is not None and step.event_id != event.pk:
        raise ValidationError({"step": "该记录不属于此事件 The step belongs to another event."})
    prepared = prepare(upload)
    duplicate = Attachment.objects.filter(event=event, sha256=prepared.sha256).first()
    if duplicate is not None:
        return duplicate, False

    attachment = Attachment(
        uuid=uuid,
        event=event,
        step=step,
        uploaded_by=actor,
        original_name=clean_name(getattr(upload, "name", ""), prepared.content_type),
        content_type=prepared.content_type,
        size=len(prepared.data),
        sha256=prepared.sha256,
        width=prepared.width,
        height=prepared.height,
        created_at=timezone.now(),
    )
    result = store_then_save(attachment, prepared.data, lambda: _save(actor, attachment))
    return result, result is attachment


def store_then_save(instance, data: bytes, save):
    """Write `data` to `instance.file` (through its storage, under the name its upload_to
    gives), then call `save()` in a transaction and return what it returns. The file is
    written first and removed again if `save()` fails or returns another record (a twin a
    concurrent request inserted), so that a failure leaves neither a row without a file nor
    a file without a row."""
    instance.file.save(instance.uuid.hex, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            result = save()
    except BaseException:
        instance.file.storage.delete(instance.file.name)
        raise
    if result is not instance:
        instance.file.storage.delete(instance.file.name)
    return result


def saved_or_twin(row, **owner):
    """Insert a file's row; None when it went in. If a concurrent request inserted its twin
    first (the same UUID, or the same content for the same `owner`), that twin instead."""
    model = type(row)
    try:
        with transaction.atomic():
            row.save()
        return None
    except IntegrityError:
        twin = (
            model.objects.filter(uuid=row.uuid).first()
            or model.objects.filter(sha256=row.sha256, **owner).first()
        )
        if twin is None:
            raise
        return twin


def _save(actor, attachment: Attachment) -> Attachment:
    """Insert the row (or find the twin a concurrent request inserted), write the timeline
    step and the audit entry."""
    twin = saved_or_twin(attachment, event=attachment.event)
    if twin is not None:
        return _replayed(actor, twin, attachment.event)
    if attachment.step is None:
        event = attachment.event
        attachment.step = EventStep.objects.create(
            event=event,
            action="attach",
            actor=actor,
            actor_label=str(actor),
            from_state=event.state,
            to_state=event.state,
            from_level=event.level,
            to_level=event.level,
            note=f"附件 Attachment: {attachment.original_name}",
            details={"attachment": str(attachment.uuid)},
            created_at=attachment.created_at,
        )
        attachment.save(update_fields=["step"])
    audit.record(
        actor=actor,
        action="cases.attach",
        instance=attachment,
        region_code=attachment.event.region_code,
        after=audit.snapshot(
            attachment,
            ["uuid", "event", "original_name", "content_type", "size", "sha256", "width", "height"],
        ),
    )
    return attachment


def attachments_of(event: Event):
    """An event's attachments, oldest first (the caller has checked the event is visible)."""
    return Attachment.objects.filter(event=event).select_related("uploaded_by")
