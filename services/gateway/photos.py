"""Photos taken on a phone, made small enough to keep: an upload of a JPEG or PNG over the stored
limit (2 MB) is turned upright (its EXIF orientation), scaled down and saved as a JPEG, a little
smaller each try until it fits. Anything else, or an image that does not decode, is passed on as it
came, for the service to accept or refuse by its own rules."""

from __future__ import annotations

import base64
import io

from services.gateway.handlers.auth import off_hub
from services.gateway.http import uploaded_file
from shared import attachments

STORED_LIMIT = attachments.MAX_BYTES  # what the services keep
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
TRIES = ((2400, 85), (2000, 80), (1600, 75), (1280, 70))  # longest side in pixels, JPEG quality
MAX_PIXELS = 60_000_000  # a decompression bomb is not opened (a 108-megapixel phone sensor is ~12,000 x 9,000)


def fit(filename: str, data: bytes) -> tuple[str, bytes]:
    """(name, bytes) to store: a large photo shrunk in a real thread, so that other requests go on."""
    if len(data) <= STORED_LIMIT or not data.startswith(PHOTO_SIGNATURES):
        return filename, data
    shrunk = off_hub(_shrink, data)
    if shrunk is None:
        return filename, data
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}.jpg", shrunk


def uploaded(request) -> tuple[str, str]:
    """The form's `file` as a service's command takes it: (name, base64), a large photo shrunk."""
    filename, data = fit(*uploaded_file(request))
    return filename, base64.b64encode(data).decode()


def _shrink(data: bytes) -> bytes | None:
    from PIL import (  # only an upload of a large photo needs it
        Image,
        ImageOps,
        UnidentifiedImageError,
    )

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.split()[-1])
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            for side, quality in TRIES:
                copy = image.copy()
                copy.thumbnail((side, side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
                if out.tell() <= STORED_LIMIT:
                    return out.getvalue()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
        return None
    return None
