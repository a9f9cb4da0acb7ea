"""Phone photos scaled down on upload (services/gateway/photos.py)."""

import io
import os

from PIL import Image

from services.gateway import photos


def photo(width: int, height: int, *, orientation: int | None = None, kind: str = "JPEG") -> bytes:
    """A photo that compresses as badly as a real one (noise), optionally tagged as taken on its side."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, kind, quality=95, exif=exif.tobytes())
    else:
        image.save(out, kind)
    return out.getvalue()


def test_a_large_phone_photo_is_turned_upright_and_kept_under_the_limit():
    data = photo(2000, 1500, orientation=6)  # taken with the phone upright: stored on its side
    assert len(data) > photos.STORED_LIMIT
    name, kept = photos.fit("现场照片.JPG", data)
    assert name == "现场照片.jpg" and len(kept) <= photos.STORED_LIMIT
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG" and image.height > image.width


def test_a_large_png_screenshot_becomes_a_jpeg_on_white():
    image = Image.frombytes("RGBA", (1200, 1200), os.urandom(1200 * 1200 * 4))
    out = io.BytesIO()
    image.save(out, "PNG")
    name, kept = photos.fit("截图.png", out.getvalue())
    assert name == "截图.jpg" and kept.startswith(b"\xff\xd8\xff") and len(kept) <= photos.STORED_LIMIT


def test_small_files_other_files_and_undecodable_ones_pass_as_they_came():
    small = photo(200, 100)
    assert photos.fit("a.jpg", small) == ("a.jpg", small)
    pdf = b"%PDF-1.7" + b"\x00" * (3 * 1024 * 1024)
    assert photos.fit("合同.pdf", pdf) == ("合同.pdf", pdf)
    fake = b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024)
    assert photos.fit("scan.png", fake) == ("scan.png", fake)  # the service refuses it by its size
