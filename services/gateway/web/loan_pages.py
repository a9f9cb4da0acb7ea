"""创业担保贷款 pages: the entrepreneur's application and loans, the bank liaison's queue and actions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from pydantic import BaseModel
from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import (
    LIST_PAGE_SIZE,
    PageSupport,
    aside,
    filters_of,
    numbered_pager,
    page_number,
)
from shared import clock, regions
from shared.contracts.finance import (
    BORROWER_KIND_NAMES,
    FinanceApi,
    LoanApprove,
    LoanCreate,
    LoanReject,
    RepaymentCreate,
)
from shared.contracts.finance import STATUS_NAMES as LOAN_STATUS_NAMES
from shared.errors import Forbidden
from shared.validation import parse

LOAN_LABELS = {"borrower_kind": "申请主体", "enterprise_id": "经营主体", "bank_code": "合作银行",
               "amount_yuan": "申请金额（元）", "term_months": "贷款期限（月）", "purpose": "贷款用途",
               "repayment_method": "还款方式", "borrower": "申请人", "partners": "其他合伙人",
               "partners.*.name": "姓名", "partners.*.id_number": "身份证号码"}
PARTNER_KEYS = ("name", "id_number")
PARTNER_ROWS = 4  # rows the form shows; a partnership of up to 5 (the applicant included)
DECISION_LABELS = {"amount_yuan": "审批金额（元）", "term_months": "贷款期限（月）",
                   "spread_bp": "加点（基点）", "contract_date": "合同日期", "reason": "拒绝理由",
                   "disbursed_on": "放款日期", "paid_on": "还款日期", "expected_version": "版本",
                   "status": "贷款状态", "Idempotency-Key": "提交编号"}
LOAN_FILTERS = ("q", "status", "borrower_kind", "bank_code")
UNREADY = ("borrower_not_registered", "borrower_not_verified")  # no application can pass before these


LOAN_FIELDS = ("borrower_kind", "enterprise_id", "bank_code", "amount_yuan", "term_months", "purpose",
               "repayment_method")
ACTIONS: dict[str, tuple[tuple[str, ...], Callable[[FinanceApi], Callable[..., dict]], type[BaseModel]]] = {
    # form -> (fields it posts, the finance command, its schema)
    "approve": (("amount_yuan", "term_months", "spread_bp", "contract_date"), lambda f: f.approve_loan, LoanApprove),
    "reject": (("reason",), lambda f: f.reject_loan, LoanReject),
    "repayments": (("amount_yuan", "paid_on"), lambda f: f.record_repayment, RepaymentCreate),
}


def versioned(form, fields) -> dict:
    data = forms.filled(form, fields)
    version = form.get("expected_version", "")
    return {**data, "expected_version": int(version)} if version.isdigit() else data


def next_due(loan: dict) -> str:
    """What the oldest unpaid instalment still asks for: the usual repayment."""
    for row in loan["instalments"]:
        if not row["paid"]:
            due = (Decimal(row["principal_yuan"]) + Decimal(row["interest_yuan"]) - Decimal(row["paid_yuan"]))
            return f"{due:.2f}"
    return ""


def partners_near(record: dict | None) -> str | None:
    """The city whose partner banks the applicant chooses from: the one they are registered in."""
    city = regions.city_of(record["region_code"]) if record and record.get("region_code") else None
    return city[:6] if city else None


class LoanPages(PageSupport):
    """Mixed into GatewayService, which provides `finance` and `registry`."""

    @page("GET", "/loans")
    def loans_page(self, request):
        actor = self.require(request, "entrepreneur", "bank_liaison", "official")
        everything = request.args.get("all") == "1" or actor.role != "bank_liaison"
        chosen = filters_of(request.args, LOAN_FILTERS) if actor.role != "entrepreneur" else {}
        query = {"per_page": LIST_PAGE_SIZE, "page": page_number(request.args), "queue": not everything, **chosen}
        result = self.finance.list_loans(actor.model_dump(), query)
        selects = [("status", "状态", list(LOAN_STATUS_NAMES.items())),
                   ("borrower_kind", "申请主体", list(BORROWER_KIND_NAMES.items()))]
        if actor.is_official:
            selects.append(("bank_code", "合作银行", [(b["code"], b["name"]) for b in self.finance.list_banks()]))
        return self.show(request, "loans.html", result=result, everything=everything, chosen=chosen,
                         selects=selects, keep={"all": "1"} if everything and actor.role == "bank_liaison" else {},
                         pager=numbered_pager(request, result, ("all", *LOAN_FILTERS)))

    # ---- the application --------------------------------------------------------------------

    @page("GET", "/loans/new")
    def loan_new_page(self, request):
        actor = self.require(request, "entrepreneur")
        values = MultiDict({"borrower_kind": "individual", "repayment_method": "equal_instalments",
                            "term_months": "24"})
        earlier = request.args.get("from", "")
        if earlier:  # correcting a refused application: the form starts from what it said
            values = self._loan_to_correct(actor, earlier) or values
        return self._loan_form(request, actor, values, {}, new_key())

    def _loan_to_correct(self, actor, loan_id: str) -> MultiDict | None:
        try:
            loan = self.finance.get_loan(actor.model_dump(), loan_id)
        except (*REFUSALS, Forbidden):
            return None
        if loan["status"] not in ("ineligible", "rejected", "withdrawn") or loan.get("resubmitted_as"):
            return None
        return MultiDict({**{name: str(loan.get(name) or "") for name in LOAN_FIELDS}, "resubmits": loan["id"]})

    @page("POST", "/loans/new")
    def loan_new_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form = request.form
        data = forms.filled(form, (*LOAN_FIELDS, "resubmits"))
        if data.get("borrower_kind") != "enterprise":
            data.pop("enterprise_id", None)
        partners, rows = forms.numbered_rows(form, "partners", PARTNER_KEYS)
        if data.get("borrower_kind") == "partnership":
            data["partners"] = partners
        try:
            # what the rules would say is said now, beside the fields, instead of a refusal on record
            body = parse(LoanCreate, {**data, "only_if_eligible": True}).model_dump(mode="json")
            loan = self.finance.apply_for_loan(actor.model_dump(), body, submitted_key(form))
        except REFUSALS as exc:
            return self._loan_form(request, actor, form, forms.messages(exc, {"partners": rows}),
                                   submitted_key(form), status_for(exc))
        return redirect(f"/loans/{loan['id']}?notice=loan_applied")

    def _loan_form(self, request, actor, values, errors: dict, key, status: int = 200):
        me = actor.model_dump()
        record = self.registry.get_my_entrepreneur(me)
        enterprises = self.registry.list_enterprises(me, {"per_page": 100})["items"] if record else []
        limits = self.finance.loan_limits(me)
        return self.show(request, "loan_new.html", status, values=values, errors=errors, partner_rows=PARTNER_ROWS,
                         labels=LOAN_LABELS, summary=forms.summary(errors, LOAN_LABELS),
                         idempotency_key=key or new_key(), record=record, limits=limits,
                         unverified=any(f["code"] in UNREADY for f in limits["blocking"]),
                         enterprises=[(e["id"], e["name"]) for e in enterprises],
                         banks=[(b["code"], b["name"]) for b in self.finance.list_banks(partners_near(record))])

    # ---- one loan ---------------------------------------------------------------------------

    @page("GET", "/loans/<string:loan_id>")
    def loan_page(self, request, loan_id):
        actor = self.require(request, "entrepreneur", "bank_liaison", "official")
        return self._loan(request, actor, loan_id)

    def _loan(self, request, actor, loan_id: str, failed: dict | None = None, status: int = 200):
        loan = self.finance.get_loan(actor.model_dump(), loan_id)
        day = clock.today().isoformat()
        defaults = {
            "approve": MultiDict({"amount_yuan": loan["amount_yuan"], "term_months": str(loan["term_months"]),
                                  "spread_bp": "0", "contract_date": day}),
            "disburse": MultiDict({"disbursed_on": day}),
            "repayments": MultiDict({"amount_yuan": next_due(loan), "paid_on": day}),
        }
        # whom the bank lends to: the registry answers for the phone and ID it holds (not shown to the
        # borrower, who knows them)
        borrower = aside(lambda: self.registry.get_borrower(actor.model_dump(), loan_id)) \
            if actor.role != "entrepreneur" else None
        return self.show(request, "loan.html", status, loan=loan, failed=failed or {}, defaults=defaults,
                         labels=DECISION_LABELS, new_key=new_key, today=clock.today().isoformat(),
                         borrower=borrower)

    @page("POST", "/loans/<string:loan_id>/<string:action>")
    def loan_action(self, request, loan_id, action):
        actor = self.require(request, "entrepreneur", "bank_liaison")
        form = request.form
        me = actor.model_dump()
        try:
            if action in ACTIONS:
                fields, command, schema = ACTIONS[action]
                data = versioned(form, fields) if "expected_version" in schema.model_fields else \
                    forms.filled(form, fields)
                body = parse(schema, data).model_dump(mode="json")
                command(self.finance)(me, loan_id, body, submitted_key(form))
            elif action == "confirm":
                self.finance.confirm_loan(me, loan_id, versioned(form, ()), submitted_key(form))
            elif action == "disburse":
                body = versioned(form, ("disbursed_on",))
                self.finance.disburse_loan(me, loan_id, body, submitted_key(form))
            elif action == "withdraw":
                self.finance.withdraw_loan(me, loan_id)
            else:
                raise Forbidden("unknown_action", None, "不支持的操作")
        except REFUSALS as exc:
            failed = {"action": action, "values": form, "errors": forms.messages(exc),
                      "key": submitted_key(form)}
            return self._loan(request, actor, loan_id, failed, status_for(exc))
        return redirect(f"/loans/{loan_id}?notice=loan_{action}")
