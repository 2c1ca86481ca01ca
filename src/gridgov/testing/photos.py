"""Pictures made in the tests, as a phone sends them, and the files a test's storage folder
holds afterwards (with the `media` fixture of case_fixtures.py)."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags a phone writes and the server must drop.
MAKER = 0x010F
ORIENTATION = 0x0112
GPS_IFD = 0x8825

# 28°18'36"N 109°27'E, near 十八洞村: where the phone says the photo was taken.
XIANGXI_GPS = {1: "N", 2: (28.0, 18.0, 36.0), 3: "E", 4: (109.0, 27.0, 0.0)}

RED = (200, 30, 30)


def stored_files(media: Path) -> list[Path]:
    """Every file under the storage folder, sorted: what the uploads left behind."""
    if not media.exists():
        return []
    return sorted(path for path in media.rglob("*") if path.is_file())


def photo_bytes(
    colour: tuple = RED,
    *,
    size: tuple[int, int] = (40, 30),
    format: str = "JPEG",
    maker: str | None = "HUAWEI",
    gps: dict | None = XIANGXI_GPS,
    orientation: int | None = None,
    left_half: tuple | None = None,
    xmp: bytes | None = None,
) -> bytes:
    """A photo as a phone takes it: one colour (`left_half` paints the left half in another,
    so that a turn shows), with EXIF naming the camera `maker` and, in `gps`, where it was
    taken; `orientation` is the EXIF 'rotate me' tag (6 = 90°), `xmp` an XMP packet. None
    leaves a piece of metadata out. `format` is a Pillow format name (JPEG, WEBP, PNG)."""
    image = Image.new("RGB", size, colour)
    if left_half is not None:
        image.paste(left_half, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if maker is not None:
        exif[MAKER] = maker
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps is not None:
        exif[GPS_IFD] = gps
    options = {"exif": exif.tobytes(), "quality": 95}  # as a phone saves it: little loss
    if xmp is not None:
        options["xmp"] = xmp
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def phone_photo(
    name: str = "IMG_2041.jpg",
    colour: tuple = RED,
    *,
    content_type: str = "image/jpeg",
    **picture,
) -> SimpleUploadedFile:
    """`photo_bytes(colour, **picture)` as an uploaded file called `name`. The content type is
    what the phone claims (image/jpeg by default, whatever the format): the server judges the
    file by its content."""
    return SimpleUploadedFile(name, photo_bytes(colour, **picture), content_type=content_type)
