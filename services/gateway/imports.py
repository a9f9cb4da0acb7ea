"""An uploaded roll into the registry: read and checked here (`shared.roll`, in a real thread, so that
other requests go on meanwhile), handed to the registry in chunks, checked there against what it
holds (the dry run's report), and started when asked. The API, the page and `guiyan import` all
come through here."""

from __future__ import annotations

import csv
import io
import threading
from contextlib import nullcontext

import eventlet

from services.gateway.handlers.auth import off_hub
from shared import regions, roll
from shared.actors import Actor, require_role
from shared.errors import InvalidInput

CHUNK = 2000  # rows per call to the registry: a few hundred KB
_reading = threading.BoundedSemaphore(1)  # one roll read at a time per gateway (green under eventlet)
MAX_FILE_BYTES = 32 * 1024 * 1024


def upload(registry, actor: Actor, file_name: str, data: bytes, *, dry_run: bool) -> dict:
    """The import's report after the check; with `dry_run` false it is started too."""
    require_role(actor, "official")
    if not data:
        raise InvalidInput("file_empty", "file", "请选择要导入的台账文件")
    with _reading:
        columns, chunks = off_hub(roll.open_roll, file_name, data, CHUNK, regions.city_of(actor.region_code or ""),
                                  gate=nullcontext())
        caller = actor.model_dump()
        created = registry.create_import(caller, {"file_name": file_name[:200]})
        def check_next():  # in a real thread, while the registry stores the chunk before
            return eventlet.spawn(off_hub, next, chunks, None, gate=nullcontext())

        checking = check_next()
        while (rows := checking.wait()) is not None:
            checking = check_next()
            registry.add_import_rows(caller, created["id"], {"rows": [row_json(row) for row in rows], "columns": columns})
    report = registry.finish_import_upload(caller, created["id"])
    return report if dry_run else registry.start_import(caller, created["id"])


def row_json(row: roll.RollRow) -> dict:
    """A checked row as the registry takes it (`ImportRow`)."""
    return {"line": row.line, "entrepreneur": row.entrepreneur, "enterprise": row.enterprise,
            "liaisons": row.liaisons, "errors": row.errors}


def errors_csv(report: dict) -> bytes:
    """The refused cells as a sheet to fix the file by: line, column, rule, message (UTF-8 with BOM,
    so that Excel opens it in Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "列", "规则", "说明"])
    for error in report["errors"]:
        writer.writerow([error["line"], error["column"], error["code"], error["message"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(roll.TEMPLATE)
    writer.writerow(roll.TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "返乡创业人员台账"
    sheet.append(roll.TEMPLATE)
    sheet.append(roll.TEMPLATE_EXAMPLE)
    for cells in sheet.columns:
        sheet.column_dimensions[cells[0].column_letter].width = max(12, 2 * len(str(cells[0].value)) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
