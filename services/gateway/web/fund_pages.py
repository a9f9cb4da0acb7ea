"""担保基金 pages: the fund's position for officials; for the city, the books, money in, and 贴息."""

from __future__ import annotations

from services.gateway.http import file_response, status_for
from services.gateway.web import forms
from services.gateway.web.bank_returns import uploaded_return
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import quarter_name, redirect
from services.gateway.web.support import PageSupport
from shared import clock, regions
from shared.contracts.finance import Contribution, InterestSubsidyCompute, RepaymentRate
from shared.errors import Forbidden
from shared.quarters import quarter_of
from shared.validation import parse

FUND_LABELS = {"account": "拨入账户", "amount_yuan": "金额（元）", "note": "摘要", "year": "年度",
               "repayment_rate_percent": "贷款回收率（%）", "reason": "调整原因", "quarter": "季度"}


def past_quarters(count: int = 4) -> list[tuple[str, str]]:
    """The quarters that have ended, newest first: only they can have their interest subsidised."""
    quarters = forms.recent_quarters(clock.today(), count + 1)
    current = quarter_of(clock.today())
    return [(q, quarter_name(q)) for q in quarters if q != current][:count]


def province_cities(actor) -> list[tuple[str, str]]:
    """The cities a province's official may read the books of (code as the API takes it, name)."""
    if not actor.reads_only:
        return []
    return [(code[:6], name) for code, name in regions.children_of(actor.region_code or "")]


class FundPages(PageSupport):
    """Mixed into GatewayService, which provides `finance`."""

    @page("GET", "/fund")
    def fund_page(self, request):
        actor = self.require(request, "official")
        return self._fund(request, actor)

    def _fund(self, request, actor, failed: dict | None = None, status: int = 200):
        """The caller's city's fund (a city's officials keep its books); a province's officials choose
        which of its cities' to read."""
        me, cities = actor.model_dump(), province_cities(actor)
        named = request.args.get("city") or (cities[0][0] if cities else None)
        reads_books = actor.is_city_official or bool(cities)
        return self.show(request, "fund.html", status, position=self.finance.fund_position(me, named),
                         books=self.finance.trial_balance(me, named) if reads_books else None,
                         city=actor.is_city_official, cities=cities,
                         failed=failed or {}, labels=FUND_LABELS, new_key=new_key,
                         quarters=past_quarters(), last_year=clock.today().year - 1)

    @page("POST", "/fund/<string:action>")
    def fund_action(self, request, action):
        actor = self.require(request, "official")
        form = request.form
        me = actor.model_dump()
        try:
            if action == "contributions":
                contribution = parse(Contribution, forms.filled(form, ("account", "amount_yuan", "note")))
                self.finance.contribute(me, contribution.model_dump(mode="json"), submitted_key(form))
                return redirect("/fund?notice=contributed")
            if action == "repayment-rate":
                rate = parse(RepaymentRate, forms.filled(form, ("year", "repayment_rate_percent", "reason")))
                self.finance.set_repayment_rate(me, rate.model_dump(mode="json"))
                return redirect("/fund?notice=rate_recorded")
            if action == "interest":
                compute = parse(InterestSubsidyCompute, forms.filled(form, ("quarter",)))
                batch = self.finance.compute_interest_subsidy(me, compute.model_dump())
                return redirect(f"/fund/interest/{batch['quarter']}?notice=interest_computed")
            raise Forbidden("unknown_action", None, "不支持的操作")
        except REFUSALS as exc:  # a refusal by role has no form to stand beside: the error page says it
            failed = {"action": action, "values": form, "errors": forms.messages(exc)}
            return self._fund(request, actor, failed, status_for(exc))

    @page("GET", "/fund/interest/<string:quarter>")
    def interest_page(self, request, quarter):
        actor = self.require(request, "official")
        return self._interest(request, actor, quarter)

    def _interest(self, request, actor, quarter, errors: dict | None = None, status: int = 200):
        batch = self.finance.get_interest_subsidy(actor.model_dump(), quarter, request.args.get("city") or None)
        return self.show(request, "interest.html", status, batch=batch, errors=errors or {},
                         new_key=new_key, city=actor.is_city_official)

    @page("GET", "/fund/interest/<string:quarter>/payment-file")
    def interest_payment_file(self, request, quarter):
        actor = self.require(request, "official")
        try:
            return file_response(self.finance.interest_payment_file(actor.model_dump(), quarter))
        except (*REFUSALS, Forbidden) as exc:
            return self._interest(request, actor, quarter, forms.messages(exc), status_for(exc))

    @page("POST", "/fund/interest/<string:quarter>/<string:action>")
    def interest_action(self, request, quarter, action):
        actor = self.require(request, "official")
        me, key = actor.model_dump(), submitted_key(request.form)
        commands = {
            "pay": lambda: self.finance.pay_interest_subsidy(me, quarter, key),
            "reissue": lambda: self.finance.reissue_interest_lines(me, quarter, key),
            "bank-return": lambda: self.finance.record_interest_bank_return(me, quarter, uploaded_return(request), key),
        }
        if action not in commands:
            raise Forbidden("unknown_action", None, "不支持的操作")
        try:
            commands[action]()
        except (*REFUSALS, Forbidden) as exc:
            return self._interest(request, actor, quarter, forms.messages(exc), status_for(exc))
        notice = {"pay": "interest_paid", "reissue": "interest_reissued", "bank-return": "interest_returned"}[action]
        return redirect(f"/fund/interest/{quarter}?notice={notice}")

