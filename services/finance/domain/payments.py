"""Paying a subsidy batch through the bank (惠民惠农财政补贴资金"一卡通"): who may do each step, the
payment list the paying bank takes (代发清单), and how its return is reconciled.

Plain Python. A batch is made, checked and paid by three different officials (四眼原则); each claim
is a line of the list with its payee's account as it was when the line was issued; the bank returns
each line paid or failed with its reason; a failed claim is issued again on a new line once its
account is corrected, or cancelled from the batch.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from shared.errors import Conflict, Forbidden, InvalidInput
from shared.money import fen_to_yuan

LINE_STATUS_NAMES = {"issued": "待银行回盘", "paid": "已到账", "failed": "发放失败", "cancelled": "已取消"}
RESULTS = {"paid": "paid", "failed": "failed", "成功": "paid", "失败": "failed", "发放成功": "paid", "发放失败": "failed"}
FILE_COLUMNS = ("序号", "参考号", "收款人", "证件号码", "开户银行", "账户类型", "账号", "账号（脱敏）",
                "金额（分）", "金额（元）", "补贴项目")

# a line's reference (参考号): "GY" and 14 characters from digits and letters that cannot be misread
# (no I, O), the 7th always a letter, so that no run of digits in it is as long as a mobile number (11)
# or a resident ID (18): log masking and the scan of logs would otherwise take it for one
REFERENCE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_LETTERS = REFERENCE_CHARACTERS[10:]


def new_reference() -> str:
    """A payment line's reference: unique by chance (about 70 bits), never a run of 8 digits or more."""
    pick = secrets.choice
    head = "".join(pick(REFERENCE_CHARACTERS) for _ in range(6))
    tail = "".join(pick(REFERENCE_CHARACTERS) for _ in range(7))
    return f"GY{head}{pick(REFERENCE_LETTERS)}{tail}"


def check_checker(maker: str, checker: str) -> None:
    if maker == checker:
        raise Forbidden("four_eyes", None, "发放批次须由编制人以外的另一位工作人员审批")


def check_payer(maker: str, checker: str | None, payer: str) -> None:
    if payer in (maker, checker):
        raise Forbidden("four_eyes", None, "发放（登记银行回盘）须由编制人和审批人以外的第三位工作人员办理")


@dataclass(frozen=True)
class FileLine:
    """One line of the payment list as the bank reads it."""

    reference: str
    payee_name: str
    id_number: str
    bank_name: str
    account_kind_name: str
    account_number: str
    account_masked: str
    amount_fen: int
    item: str


def payment_file(lines: list[FileLine]) -> bytes:
    """The payment list as CSV in UTF-8 with a byte-order mark (the banks' and Excel's way), one line
    per payee, amounts in fen and in yuan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FILE_COLUMNS)
    for number, line in enumerate(lines, start=1):
        # numbers as text (a leading apostrophe would be kept by some banks' systems: tabs are not)
        writer.writerow((number, line.reference, line.payee_name, f"{line.id_number}\t", line.bank_name,
                         line.account_kind_name, f"{line.account_number}\t", line.account_masked, line.amount_fen,
                         fen_to_yuan(line.amount_fen), line.item))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Returned:
    """The bank's word on one line: paid, or failed with its reason."""

    reference: str
    paid: bool
    reason: str = ""


def returned(rows: list[dict]) -> list[Returned]:
    """The bank's return, each row checked: a known result, and a reason for a failure."""
    found, seen = [], set()
    for index, row in enumerate(rows):
        reference = str(row.get("reference") or "").strip()
        result = RESULTS.get(str(row.get("result") or "").strip())
        reason = str(row.get("reason") or "").strip()
        if result is None:
            raise InvalidInput("return_result", f"lines.{index}.result", f"第{index + 1}行：结果应为“成功”或“失败”")
        if result == "failed" and len(reason) < 2:
            raise InvalidInput("return_reason_required", f"lines.{index}.reason",
                               f"第{index + 1}行：发放失败须写明银行给出的原因（如账号错误、账户已销户、户名不符）")
        if reference in seen:
            raise InvalidInput("return_reference_repeated", f"lines.{index}.reference",
                               f"第{index + 1}行：参考号{reference}重复")
        seen.add(reference)
        found.append(Returned(reference, result == "paid", reason))
    return found


def reconcile(statuses: dict[str, str], results: list[Returned]) -> list[Returned]:
    """Which of the bank's results change something: a line still waiting takes its result; a line
    that already has the same result is a repeat (nothing changes); any other is refused whole."""
    unknown = [r.reference for r in results if r.reference not in statuses]
    if unknown:
        raise InvalidInput("return_reference_unknown", "lines",
                           f"回盘中有本批次没有的参考号：{'、'.join(unknown[:5])}{'等' if len(unknown) > 5 else ''}")
    changes = []
    for result in results:
        status = statuses[result.reference]
        if status == "issued":
            changes.append(result)
        elif status != ("paid" if result.paid else "failed"):
            raise Conflict("return_conflicts", "lines",
                           f"参考号{result.reference}已是“{LINE_STATUS_NAMES[status]}”，与回盘结果不符，请核对")
    return changes
