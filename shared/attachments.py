"""Files attached to a record (a difficulty, a person's or an enterprise's record, a loan): what is
accepted, under which name, and how a stored file is listed and handed back.

A file is a PDF, PNG or JPEG, decided by its first bytes whatever its name or the browser claims,
of at most 2 MB as kept (the gateway scales a phone's larger photo down before it gets here,
services/gateway/photos.py). Plain Python: the table's columns are in shared/attachment_table.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from shared.errors import InvalidInput, InvalidState

MAX_BYTES = 2 * 1024 * 1024  # what a service keeps of one file
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
UNSAFE_IN_NAMES = '<>:"|?*'


def decode(content_base64: Any) -> bytes:
    """The file's bytes as they crossed the RPC boundary (base64 text)."""
    try:
        return base64.b64decode(str(content_base64 or ""), validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput("file_encoding", "file", "附件内容编码错误") from None


def check(filename: str, data: bytes, *, count_before: int, most: int, what: str) -> tuple[str, str]:
    """(content type, safe file name) of an acceptable file, the `count_before + 1`th of at most
    `most` on one `what` (每个困难问题), or the reason it is refused, with the field `file`."""
    if count_before >= most:
        raise InvalidState("too_many_attachments", "file", f"{what}最多上传{most}个附件")
    if not data:
        raise InvalidInput("file_empty", "file", "文件为空")
    if len(data) > MAX_BYTES:
        raise InvalidInput("file_too_large", "file",
                           f"文件不能超过{MAX_BYTES // (1024 * 1024)}MB（照片会自动缩小，PDF请压缩后上传）")
    for signature, content_type, suffix in SIGNATURES:
        if data.startswith(signature):
            return content_type, safe_filename(filename, suffix)
    raise InvalidInput("file_type", "file", "只能上传PDF、PNG或JPEG文件")


def safe_filename(filename: str, suffix: str) -> str:
    """No path, no control characters, the extension of the real type."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in UNSAFE_IN_NAMES)[:80].strip() or "附件"
    return stem + suffix


def kind_of(kind: Any, names: Mapping[str, str]) -> str:
    """One of the record's kinds of document (the keys of `names`), or the field `kind` is refused."""
    if kind not in names:
        raise InvalidInput("attachment_kind", "kind", "请选择材料类型")
    return str(kind)


def accepted(filename: str, data: bytes, by: str, *, count_before: int, most: int, what: str) -> dict:
    """The stored columns of an acceptable file (`check`), for the table's constructor."""
    content_type, name = check(filename, data, count_before=count_before, most=most, what=what)
    return {"filename": name, "content_type": content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "data": data, "uploaded_by": by}


def listed(row: Any, names: Mapping[str, str] | None = None) -> dict:
    """A stored file as a record's page lists it (no content); with its kind where it has one."""
    item = {"id": row.id, "filename": row.filename, "content_type": row.content_type, "size": row.size,
            "uploaded_by": row.uploaded_by, "uploaded_at": row.uploaded_at}
    if names is not None:
        item.update(kind=row.kind, kind_name=names.get(row.kind, row.kind))
    return item


def download(row: Any) -> dict:
    """A stored file to hand back: its name, type and content (base64 across the RPC boundary)."""
    return file_answer(row.filename, row.data, row.content_type)


def file_answer(filename: str, data: bytes, content_type: str) -> dict:
    """A file as an RPC answers with it, for the gateway to hand out as a download."""
    return {"filename": filename, "content_type": content_type, "content": base64.b64encode(data).decode()}
