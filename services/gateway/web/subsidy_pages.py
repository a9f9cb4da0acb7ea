"""补贴 pages: the entrepreneur's claims, officials' review, and payment batches (发放批次)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.http import file_response, status_for
from services.gateway.web import forms
from services.gateway.web.bank_returns import uploaded_return
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import (
    LIST_PAGE_SIZE,
    PageSupport,
    filters_of,
    numbered_pager,
    page_number,
)
from shared import clock
from shared.contracts.finance import (
    KIND_NAMES,
    ClaimReview,
    PaymentCancel,
    SubsidyClaimCreate,
)
from shared.errors import Forbidden
from shared.validation import parse

CLAIM_LABELS = {
    "kind": "补贴类别", "enterprise_id": "经营主体", "tier": "申领档次", "amount_yuan": "申领金额（元）",
    "hires": "吸纳人员", "hires.*.name": "姓名", "hires.*.id_number": "身份证号码",
    "hires.*.category": "人员类别", "hires.*.contract_months": "劳动合同期限（月）",
    "hires.*.social_insurance": "已缴纳社会保险", "hires.*.hired_on": "入职日期",
    "occupation": "职业（工种）", "level": "证书等级", "certificate_no": "证书编号", "issued_on": "发证日期",
    "certificate": "申领的证书", "unemployment_insurance_months": "参加失业保险累计缴费（月）",
    "trip_date": "出行日期", "origin_province": "出发地", "destination_province": "目的地",
    "claimant": "申请人", "reason": "理由",
}
KIND_FIELDS = {
    "startup": ("enterprise_id", "tier", "amount_yuan"),
    "employment": ("enterprise_id",),
    "skill": ("occupation", "level", "certificate_no", "issued_on", "unemployment_insurance_months"),
    "travel": ("trip_date", "origin_province", "destination_province"),
}
HIRE_KEYS = ("name", "id_number", "category", "contract_months", "hired_on")
PROVINCES = [
    ("11", "北京市"), ("12", "天津市"), ("13", "河北省"), ("14", "山西省"), ("15", "内蒙古自治区"),
    ("21", "辽宁省"), ("22", "吉林省"), ("23", "黑龙江省"), ("31", "上海市"), ("32", "江苏省"),
    ("33", "浙江省"), ("34", "安徽省"), ("35", "福建省"), ("36", "江西省"), ("37", "山东省"),
    ("41", "河南省"), ("42", "湖北省"), ("43", "湖南省"), ("44", "广东省"), ("45", "广西壮族自治区"),
    ("46", "海南省"), ("50", "重庆市"), ("51", "四川省"), ("52", "贵州省"), ("53", "云南省"),
    ("54", "西藏自治区"), ("61", "陕西省"), ("62", "甘肃省"), ("63", "青海省"), ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
]


CLAIM_FILTERS = ("q", "kind")


def claim_data(form) -> tuple[dict, dict]:
    """The SubsidyClaimCreate body for the chosen kind, and where each hire row sits in the form."""
    kind = form.get("kind", "")
    data = {"kind": kind, **forms.filled(form, KIND_FIELDS.get(kind, ()))}
    positions: dict = {}
    if kind == "employment":
        numbers = [n for n in forms.row_numbers(form, "hires")
                   if forms.filled(form, HIRE_KEYS, f"hires.{n}.")]
        data["hires"] = [{**forms.filled(form, HIRE_KEYS, f"hires.{n}."),
                          "social_insurance": form.get(f"hires.{n}.social_insurance") == "yes"}
                         for n in numbers]
        positions["hires"] = numbers
    if kind == "skill" and form.get("certificate"):  # one of the certificates on the person's record
        data["occupation"], data["level"], data["issued_on"] = (form["certificate"].split("|") + ["", "", ""])[:3]
    if data.get("tier") != "second":
        data.pop("amount_yuan", None)
    return data, positions


class SubsidyPages(PageSupport):
    """Mixed into GatewayService, which provides `finance` and `registry`."""

    @page("GET", "/subsidies")
    def subsidies_page(self, request):
        actor = self.require(request, "entrepreneur", "official")
        status = request.args.get("status", "eligibility_checked" if actor.is_official else "")
        chosen = filters_of(request.args, CLAIM_FILTERS) if actor.is_official else {}
        result = self.finance.list_claims(actor.model_dump(), {"per_page": LIST_PAGE_SIZE, "status": status or None,
                                                               "page": page_number(request.args), **chosen})
        return self.show(request, "subsidies.html", result=result, chosen=status, filters=chosen,
                         selects=[("kind", "补贴类别", list(KIND_NAMES.items()))],
                         pager=numbered_pager(request, result, ("status", *CLAIM_FILTERS)))

    @page("GET", "/subsidies/new")
    def claim_new_page(self, request):
        actor = self.require(request, "entrepreneur")
        kind = request.args.get("kind", "")
        values = MultiDict({"kind": kind, "tier": "first", "origin_province": "51"})
        earlier = request.args.get("from", "")
        if earlier:  # correcting a refused claim: the form starts from what it said
            values = self._claim_to_correct(actor, earlier) or values
        return self._claim_form(request, actor, values, {}, new_key())

    def _claim_to_correct(self, actor, claim_id: str) -> MultiDict | None:
        try:
            claim = self.finance.get_claim(actor.model_dump(), claim_id)
        except (*REFUSALS, Forbidden):
            return None
        if claim["status"] != "rejected" or claim.get("resubmitted_as"):
            return None
        values = MultiDict({"kind": claim["kind"], "resubmits": claim["id"], "enterprise_id": claim["enterprise_id"] or ""})
        for name, value in (claim["details"] or {}).items():
            if name == "hires":
                for row, hire in enumerate(value or []):
                    for key, item in hire.items():
                        shown = ("yes" if item else "no") if key == "social_insurance" else str(item or "")
                        values[f"hires.{row}.{key}"] = shown
            elif value not in (None, ""):
                values[name] = str(value)
        return values

    @page("POST", "/subsidies/new")
    def claim_new_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form = request.form
        if form.get("more_rows"):  # another hire row, nothing submitted yet: the form again, as typed
            return self._claim_form(request, actor, form, {}, submitted_key(form))
        data, positions = claim_data(form)
        if form.get("resubmits"):
            data["resubmits"] = form["resubmits"]
        try:
            # what the rules would say is said now, beside the fields, instead of a refusal on record
            body = parse(SubsidyClaimCreate, {**data, "only_if_eligible": True}).model_dump(mode="json")
            claim = self.finance.claim_subsidy(actor.model_dump(), body, submitted_key(form))
        except REFUSALS as exc:
            return self._claim_form(request, actor, form, forms.messages(exc, positions),
                                    submitted_key(form), status_for(exc))
        return redirect(f"/subsidies/{claim['id']}?notice=claim_submitted")

    def _claim_form(self, request, actor, values, errors: dict, key, status: int = 200):
        me = actor.model_dump()
        record = self.registry.get_my_entrepreneur(me)
        enterprises = self.registry.list_enterprises(me, {"per_page": 100})["items"] if record else []
        return self.show(request, "subsidy_new.html", status, values=values, errors=errors,
                         labels=CLAIM_LABELS, summary=forms.summary(errors, CLAIM_LABELS),
                         idempotency_key=key or new_key(), record=record, kind=values.get("kind", ""),
                         kinds=KIND_NAMES, enterprises=[(e["id"], e["name"]) for e in enterprises],
                         provinces=PROVINCES, hire_rows=forms.row_numbers(values, "hires"), max_rows=forms.MAX_ROWS,
                         today=clock.today().isoformat())

    @page("GET", "/subsidies/<string:claim_id>")
    def claim_page(self, request, claim_id):
        actor = self.require(request, "entrepreneur", "official")
        return self._claim(request, actor, claim_id)

    def _claim(self, request, actor, claim_id, errors: dict | None = None, status: int = 200):
        claim = self.finance.get_claim(actor.model_dump(), claim_id)
        return self.show(request, "subsidy.html", status, claim=claim, errors=errors or {},
                         provinces=dict(PROVINCES))

    @page("POST", "/subsidies/<string:claim_id>/review")
    def claim_review(self, request, claim_id):
        actor = self.require(request, "official")
        form = request.form
        version = form.get("expected_version", "")
        data = {**forms.filled(form, ("decision", "reason")),
                **({"expected_version": int(version)} if version.isdigit() else {})}
        try:
            self.finance.review_claim(actor.model_dump(), claim_id, parse(ClaimReview, data).model_dump())
        except REFUSALS as exc:
            return self._claim(request, actor, claim_id, forms.messages(exc), status_for(exc))
        return redirect(f"/subsidies/{claim_id}?notice=claim_reviewed")

    # ---- payment batches --------------------------------------------------------------------

    @page("GET", "/batches")
    def batches_page(self, request):
        actor = self.require(request, "official")
        return self._batches(request, actor)

    def _batches(self, request, actor, errors: dict | None = None, status: int = 200):
        me = actor.model_dump()
        batches = self.finance.list_batches(me)
        ready = self.finance.list_claims(me, {"status": "approved", "per_page": 100})
        return self.show(request, "batches.html", status, batches=batches, ready=ready,
                         errors=errors or {}, new_key=new_key,
                         may_pay=actor.level in ("county", "city"))

    @page("POST", "/batches")
    def batch_create(self, request):
        actor = self.require(request, "official")
        form = request.form
        try:
            batch = self.finance.create_batch(actor.model_dump(), {"claim_ids": form.getlist("claim_ids")},
                                              submitted_key(form))
        except (*REFUSALS, Forbidden) as exc:
            return self._batches(request, actor, forms.messages(exc), status_for(exc))
        return redirect(f"/batches/{batch['id']}?notice=batch_created")

    @page("GET", "/batches/<string:batch_id>")
    def batch_page(self, request, batch_id):
        actor = self.require(request, "official")
        return self._batch(request, actor, batch_id)

    def _batch(self, request, actor, batch_id, errors: dict | None = None, status: int = 200):
        batch = self.finance.get_batch(actor.model_dump(), batch_id)
        return self.show(request, "batch.html", status, batch=batch, errors=errors or {}, new_key=new_key)

    @page("GET", "/batches/<string:batch_id>/payment-file")
    def batch_payment_file(self, request, batch_id):
        actor = self.require(request, "official")
        try:
            return file_response(self.finance.batch_payment_file(actor.model_dump(), batch_id))
        except (*REFUSALS, Forbidden) as exc:
            return self._batch(request, actor, batch_id, forms.messages(exc), status_for(exc))

    @page("POST", "/batches/<string:batch_id>/<string:action>")
    def batch_action(self, request, batch_id, action):
        actor = self.require(request, "official")
        me, form, key = actor.model_dump(), request.form, submitted_key(request.form)
        commands = {
            "approve": lambda: self.finance.approve_batch(me, batch_id, key),
            "pay": lambda: self.finance.pay_batch(me, batch_id, key),
            "reissue": lambda: self.finance.reissue_payment_lines(me, batch_id, key),
            "cancel": lambda: self.finance.cancel_batch_payment(me, batch_id, parse(PaymentCancel, forms.filled(
                form, ("claim_id", "reason"))).model_dump(), key),
            "bank-return": lambda: self.finance.record_bank_return(me, batch_id, uploaded_return(request), key),
        }
        if action not in commands:
            raise Forbidden("unknown_action", None, "不支持的操作")
        try:
            commands[action]()
        except (*REFUSALS, Forbidden) as exc:
            return self._batch(request, actor, batch_id, forms.messages(exc), status_for(exc))
        return redirect(f"/batches/{batch_id}?notice=batch_{action.replace('-', '_')}")
