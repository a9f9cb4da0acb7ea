"""The JSON API of loans, subsidies, the guarantee fund and the ledger (calls `finance` by RPC)."""

from __future__ import annotations

from services.gateway.api.routes import idempotency_key, optional_body
from services.gateway.http import api, json_response, read_json
from shared.contracts.finance import (
    BankUpdate,
    BatchCreate,
    ClaimListQuery,
    ClaimReview,
    Contribution,
    InterestSubsidyCompute,
    LoanApprove,
    LoanCreate,
    LoanDisburse,
    LoanListQuery,
    LoanRead,
    LoanReject,
    RepaymentCreate,
    RepaymentRate,
    SubsidyClaimCreate,
    Versioned,
)
from shared.validation import parse

LOANS, SUBSIDIES, FUND = "创业担保贷款", "补贴", "担保基金与账务"


def body(request, model):
    """The validated JSON body, read only after the caller is authenticated."""
    return lambda: parse(model, read_json(request)).model_dump(mode="json")


def optional(request, model):
    return lambda: optional_body(request, model)


def query(request, model):
    return lambda: parse(model, dict(request.args.items())).model_dump(mode="json")


class ServiceCalls:
    """The one way an API route calls a service: as the authenticated caller, body read afterwards."""

    def _rpc(self, request, service: str, method: str, *args, **kwargs):
        """Authenticate first, then read the body (deferred arguments), then call `service.method`."""
        actor = self.api_actor(request).model_dump()
        return getattr(getattr(self, service), method)(actor, *(a() if callable(a) else a for a in args), **kwargs)


class FinanceApiRoutes(ServiceCalls):
    """Mixed into GatewayService, which provides `finance` and `api_actor`."""

    # ---- loans ------------------------------------------------------------------------------

    @api("GET", "/api/v1/banks", "合作银行及复核金额", LOANS)
    def api_list_banks(self, request):
        self.api_actor(request)
        return json_response({"items": self.finance.list_banks()})

    @api("PUT", "/api/v1/banks/<string:bank_code>", "管理员按银行来函设置复核金额", LOANS, body=BankUpdate)
    def api_set_bank_threshold(self, request, bank_code):
        return json_response({"items": self._rpc(request, "finance", "set_bank_threshold", bank_code,
                                                 body(request, BankUpdate))})

    @api("POST", "/api/v1/loans", "申请创业担保贷款（自动核验资格）", LOANS, body=LoanCreate,
         response=LoanRead, status=201, idempotent=True)
    def api_apply_for_loan(self, request):
        loan = self._rpc(request, "finance", "apply_for_loan", body(request, LoanCreate), idempotency_key(request))
        return json_response(loan, 201, {"Location": f"/api/v1/loans/{loan['id']}"})

    @api("GET", "/api/v1/loans", "贷款列表（本人、本行或辖区内）", LOANS, query=LoanListQuery)
    def api_list_loans(self, request):
        return json_response(self._rpc(request, "finance", "list_loans", query(request, LoanListQuery)))

    @api("GET", "/api/v1/loans/<string:loan_id>", "贷款详情、还款计划与还款记录", LOANS, response=LoanRead)
    def api_get_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "get_loan", loan_id))

    @api("POST", "/api/v1/loans/<string:loan_id>/approve", "银行联络员审批（可调低金额，定利率与期限）",
         LOANS, body=LoanApprove, response=LoanRead, idempotent=True)
    def api_approve_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "approve_loan", loan_id, body(request, LoanApprove),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/confirm", "同一银行另一位联络员复核（四眼原则）",
         LOANS, body=Versioned, response=LoanRead, idempotent=True)
    def api_confirm_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "confirm_loan", loan_id, optional(request, Versioned),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/reject", "银行联络员拒绝并说明理由", LOANS,
         body=LoanReject, response=LoanRead, idempotent=True)
    def api_reject_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "reject_loan", loan_id, body(request, LoanReject),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/withdraw", "申请人在审批前撤回申请", LOANS,
         response=LoanRead)
    def api_withdraw_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "withdraw_loan", loan_id))

    @api("POST", "/api/v1/loans/<string:loan_id>/disburse", "放款并生成还款计划（须带幂等键）", LOANS,
         body=LoanDisburse, response=LoanRead, idempotent=True)
    def api_disburse_loan(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "disburse_loan", loan_id,
                                       optional(request, LoanDisburse), idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/repayments", "登记还款（须带幂等键）", LOANS,
         body=RepaymentCreate, response=LoanRead, status=201, idempotent=True)
    def api_record_repayment(self, request, loan_id):
        return json_response(self._rpc(request, "finance", "record_repayment", loan_id,
                                       body(request, RepaymentCreate), idempotency_key(request)), 201)

    @api("POST", "/api/v1/loans/overdue-sweep", "立即运行每日逾期检查（市级工作人员或管理员）", LOANS)
    def api_overdue_sweep(self, request):
        return json_response(self._rpc(request, "finance", "run_overdue_sweep"))

    # ---- fund and ledger --------------------------------------------------------------------

    @api("GET", "/api/v1/fund", "担保基金余额、放大倍数与在保余额；补贴资金可用余额", FUND)
    def api_fund_position(self, request):
        return json_response(self._rpc(request, "finance", "fund_position"))

    @api("POST", "/api/v1/fund/contributions", "向担保基金或补贴资金拨入（须带幂等键）", FUND,
         body=Contribution, status=201, idempotent=True)
    def api_contribute(self, request):
        return json_response(self._rpc(request, "finance", "contribute", body(request, Contribution),
                                       idempotency_key(request)), 201)

    @api("PUT", "/api/v1/fund/repayment-rate", "登记上年度贷款回收率（决定放大倍数）", FUND,
         body=RepaymentRate)
    def api_set_repayment_rate(self, request):
        return json_response(self._rpc(request, "finance", "set_repayment_rate", body(request, RepaymentRate)))

    @api("GET", "/api/v1/ledger/trial-balance", "试算平衡表与在保本金核对", FUND)
    def api_trial_balance(self, request):
        return json_response(self._rpc(request, "finance", "trial_balance"))

    # ---- subsidies --------------------------------------------------------------------------

    @api("POST", "/api/v1/subsidy-claims", "申领补贴（自动核验资格）", SUBSIDIES, body=SubsidyClaimCreate,
         status=201, idempotent=True)
    def api_claim_subsidy(self, request):
        claim = self._rpc(request, "finance", "claim_subsidy", body(request, SubsidyClaimCreate), idempotency_key(request))
        return json_response(claim, 201, {"Location": f"/api/v1/subsidy-claims/{claim['id']}"})

    @api("GET", "/api/v1/subsidy-claims", "补贴申领列表（本人或辖区内）", SUBSIDIES, query=ClaimListQuery)
    def api_list_claims(self, request):
        return json_response(self._rpc(request, "finance", "list_claims", query(request, ClaimListQuery)))

    @api("GET", "/api/v1/subsidy-claims/<string:claim_id>", "补贴申领详情", SUBSIDIES)
    def api_get_claim(self, request, claim_id):
        return json_response(self._rpc(request, "finance", "get_claim", claim_id))

    @api("POST", "/api/v1/subsidy-claims/<string:claim_id>/review", "工作人员审核补贴申领", SUBSIDIES,
         body=ClaimReview)
    def api_review_claim(self, request, claim_id):
        return json_response(self._rpc(request, "finance", "review_claim", claim_id, body(request, ClaimReview)))

    @api("POST", "/api/v1/subsidy-batches", "把辖区内已审核的申领编成发放批次", SUBSIDIES,
         body=BatchCreate, status=201, idempotent=True)
    def api_create_batch(self, request):
        batch = self._rpc(request, "finance", "create_batch", optional(request, BatchCreate), idempotency_key(request))
        return json_response(batch, 201, {"Location": f"/api/v1/subsidy-batches/{batch['id']}"})

    @api("GET", "/api/v1/subsidy-batches", "发放批次列表与补贴资金可用余额", SUBSIDIES)
    def api_list_batches(self, request):
        return json_response(self._rpc(request, "finance", "list_batches"))

    @api("GET", "/api/v1/subsidy-batches/<string:batch_id>", "发放批次详情", SUBSIDIES)
    def api_get_batch(self, request, batch_id):
        return json_response(self._rpc(request, "finance", "get_batch", batch_id))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/approve", "整批审批（先核对可用余额）",
         SUBSIDIES, idempotent=True)
    def api_approve_batch(self, request, batch_id):
        return json_response(self._rpc(request, "finance", "approve_batch", batch_id, idempotency_key(request)))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/pay", "整批发放（须带幂等键）", SUBSIDIES,
         idempotent=True)
    def api_pay_batch(self, request, batch_id):
        return json_response(self._rpc(request, "finance", "pay_batch", batch_id, idempotency_key(request)))

    @api("POST", "/api/v1/interest-subsidies", "按季度计算贴息（按实付利息和合同所用政策）", SUBSIDIES,
         body=InterestSubsidyCompute, status=201)
    def api_compute_interest(self, request):
        return json_response(self._rpc(request, "finance", "compute_interest_subsidy",
                                       body(request, InterestSubsidyCompute)), 201)

    @api("GET", "/api/v1/interest-subsidies/<string:quarter>", "季度贴息明细", SUBSIDIES)
    def api_get_interest(self, request, quarter):
        return json_response(self._rpc(request, "finance", "get_interest_subsidy", quarter))

    @api("POST", "/api/v1/interest-subsidies/<string:quarter>/pay", "发放季度贴息（须带幂等键）",
         SUBSIDIES, idempotent=True)
    def api_pay_interest(self, request, quarter):
        return json_response(self._rpc(request, "finance", "pay_interest_subsidy", quarter, idempotency_key(request)))
