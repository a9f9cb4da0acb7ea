"""Paging newest-first lists: the cursor of the last row shown, and the total counted up to a cap.

A cursor holds the last row's (created_at, id), so the next page starts right after it whatever was
registered meanwhile, and costs the same on page 500 as on page 2 (an OFFSET reads every row it
skips). An exact total over a million rows costs more than the page itself, so a list counts at most
`TOTAL_CAP` + 1 rows and says "more than 1,000" beyond. Plain Python: the contracts validate
cursors with it; `shared.keyset` turns them into SQL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from shared.errors import InvalidInput

TOTAL_CAP = 1000
CURSOR_MAX_LENGTH = 200


def encode_cursor(created_at: dt.datetime, record_id: str) -> str:
    """The token a list answers as `next`: base64url of the last row's instant and id."""
    text = f"{created_at.isoformat()}|{record_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> tuple[dt.datetime, str]:
    """The (created_at, id) a cursor holds, or InvalidInput naming the field."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, record_id = text.split("|", 1)
        created_at = dt.datetime.fromisoformat(moment)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        created_at, record_id = None, ""
    if created_at is None or created_at.tzinfo is None or not 0 < len(record_id) <= 36:
        raise InvalidInput("cursor_invalid", field, "翻页位置无效，请回到第一页重新查看")
    return created_at, record_id


def page_answer(rows: list, per_page: int, total: int, read, cap: int = TOTAL_CAP) -> dict:
    """A list's answer from up to per_page + 1 rows: the items, the capped total and the next cursor."""
    shown = rows[:per_page]
    following = encode_cursor(shown[-1].created_at, shown[-1].id) if len(rows) > per_page else None
    return {"items": [read(row) for row in shown], "total": min(total, cap), "total_capped": total > cap,
            "per_page": per_page, "next": following}
