"""The paying bank's return file (回盘文件), as the batch's and the interest subsidy's pages take it."""

from __future__ import annotations

import csv
import io

from services.gateway.http import uploaded_file
from shared.contracts.finance import BankReturn
from shared.errors import InvalidInput
from shared.validation import parse

RETURN_COLUMNS = {"reference": ("参考号", "reference"), "result": ("结果", "发放结果", "result"),
                  "reason": ("失败原因", "原因", "reason")}


def returned_lines(filename: str, content: bytes) -> list[dict]:
    """The bank's return file (回盘文件): a CSV with the columns 参考号, 结果 (成功 or 失败) and 失败原因;
    the payment list itself with those two columns filled in is taken as it is."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # the banks' own systems often write GBK
        except UnicodeDecodeError:
            raise InvalidInput("return_file_encoding", "file", "回盘文件无法识别，请保存为CSV（UTF-8或GBK编码）后上传") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidInput("return_file_empty", "file", f"回盘文件{filename}是空的")
    header = [cell.strip() for cell in rows[0]]
    where = {key: next((header.index(name) for name in names if name in header), None)
             for key, names in RETURN_COLUMNS.items()}
    if where["reference"] is None or where["result"] is None:
        raise InvalidInput("return_file_columns", "file", "回盘文件须有“参考号”和“结果”两列（失败的行另填“失败原因”）")
    lines = []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        cell = {key: (row[index].strip() if index is not None and index < len(row) else "")
                for key, index in where.items()}
        lines.append({"reference": cell["reference"], "result": cell["result"], "reason": cell["reason"]})
    return lines


def uploaded_return(request) -> dict:
    """The return file posted as `file`, as the finance command takes it (`BankReturn`)."""
    return parse(BankReturn, {"lines": returned_lines(*uploaded_file(request))}).model_dump()
