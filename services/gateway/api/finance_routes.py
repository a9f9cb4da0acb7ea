"""The JSON API of loans, subsidies, the guarantee fund and the ledger (calls `finance` by RPC)."""

from __future__ import annotations

from services.gateway.api.calls import ApiCalls, body, idempotency_key, optional, query
from services.gateway.http import api, file_response, json_response
from shared.contracts.finance import (
    BankListQuery,
    BankPartnershipUpdate,
    BankReturn,
    BankUpdate,
    BatchCreate,
    CityQuery,
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
    PaymentCancel,
    PolicyListQuery,
    PolicyProposalCreate,
    ProposalListQuery,
    ProposalReject,
    RepaymentCreate,
    RepaymentRate,
    SubsidyClaimCreate,
    Versioned,
)
from shared.contracts.registry import BorrowerRead

LOANS, SUBSIDIES, FUND = "创业担保贷款", "补贴", "担保基金与账务"
POLICIES = "政策数据"


class FinanceApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `finance` and `api_actor`."""

    # ---- loans ------------------------------------------------------------------------------

    @api("GET", "/api/v1/banks", "合作银行、复核金额及与各市（州）的合作关系", LOANS, query=BankListQuery)
    def api_list_banks(self, request):
        self.api_actor(request)
        return json_response({"items": self.finance.list_banks(query(request, BankListQuery)["city"])})

    @api("PUT", "/api/v1/banks/<string:bank_code>/cities/<string:city>",
         "管理员登记某市（州）与银行开始或结束合作（结束后不再受理新申请，已有贷款照常）", LOANS,
         body=BankPartnershipUpdate)
    def api_set_bank_partnership(self, request, bank_code, city):
        return json_response({"items": self.finance.set_bank_partnership(
            self.caller(request), bank_code, city, body(request, BankPartnershipUpdate))})

    @api("PUT", "/api/v1/banks/<string:bank_code>", "管理员按银行来函设置复核金额；填写银行名称即新增合作银行", LOANS,
         body=BankUpdate)
    def api_set_bank_threshold(self, request, bank_code):
        return json_response({"items": self.finance.set_bank_threshold(self.caller(request), bank_code,
                                                 body(request, BankUpdate))})

    @api("POST", "/api/v1/loans", "申请创业担保贷款（自动核验资格）", LOANS, body=LoanCreate,
         response=LoanRead, status=201, idempotent=True)
    def api_apply_for_loan(self, request):
        loan = self.finance.apply_for_loan(self.caller(request), body(request, LoanCreate), idempotency_key(request))
        return json_response(loan, 201, {"Location": f"/api/v1/loans/{loan['id']}"})

    @api("POST", "/api/v1/loans/check", "提交前核验：按现行政策列出申请会违反的每一条规则（不提交申请）", LOANS,
         body=LoanCreate)
    def api_check_loan(self, request):
        return json_response(self.finance.check_loan(self.caller(request), body(request, LoanCreate)))

    @api("GET", "/api/v1/loans/limits", "现行政策的贷款额度、期限上限，以及本人目前不能申请的原因", LOANS)
    def api_loan_limits(self, request):
        return json_response(self.finance.loan_limits(self.caller(request)))

    @api("GET", "/api/v1/loans", "贷款列表（本人、本行或辖区内）", LOANS, query=LoanListQuery)
    def api_list_loans(self, request):
        return json_response(self.finance.list_loans(self.caller(request), query(request, LoanListQuery)))

    @api("GET", "/api/v1/loans/<string:loan_id>", "贷款详情、还款计划与还款记录", LOANS, response=LoanRead)
    def api_get_loan(self, request, loan_id):
        return json_response(self.finance.get_loan(self.caller(request), loan_id))

    @api("GET", "/api/v1/loans/<string:loan_id>/borrower",
         "借款人身份与经营主体情况（供本行联络员审核；身份证号隐去中间位）", LOANS, response=BorrowerRead)
    def api_get_borrower(self, request, loan_id):
        # the registry decides who sees the phone and ID it holds, from its own copy of the loan
        return json_response(self.registry.get_borrower(self.caller(request), loan_id))

    @api("POST", "/api/v1/loans/<string:loan_id>/approve", "银行联络员审批（可调低金额，定利率与期限）",
         LOANS, body=LoanApprove, response=LoanRead, idempotent=True)
    def api_approve_loan(self, request, loan_id):
        return json_response(self.finance.approve_loan(self.caller(request), loan_id, body(request, LoanApprove),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/confirm", "同一银行另一位联络员复核（四眼原则）",
         LOANS, body=Versioned, response=LoanRead, idempotent=True)
    def api_confirm_loan(self, request, loan_id):
        return json_response(self.finance.confirm_loan(self.caller(request), loan_id, optional(request, Versioned),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/reject", "银行联络员拒绝并说明理由", LOANS,
         body=LoanReject, response=LoanRead, idempotent=True)
    def api_reject_loan(self, request, loan_id):
        return json_response(self.finance.reject_loan(self.caller(request), loan_id, body(request, LoanReject),
                                       idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/withdraw", "申请人在审批前撤回申请", LOANS,
         response=LoanRead)
    def api_withdraw_loan(self, request, loan_id):
        return json_response(self.finance.withdraw_loan(self.caller(request), loan_id))

    @api("POST", "/api/v1/loans/<string:loan_id>/disburse", "放款并生成还款计划（须带幂等键）", LOANS,
         body=LoanDisburse, response=LoanRead, idempotent=True)
    def api_disburse_loan(self, request, loan_id):
        return json_response(self.finance.disburse_loan(self.caller(request), loan_id,
                                       optional(request, LoanDisburse), idempotency_key(request)))

    @api("POST", "/api/v1/loans/<string:loan_id>/repayments", "登记还款（须带幂等键）", LOANS,
         body=RepaymentCreate, response=LoanRead, status=201, idempotent=True)
    def api_record_repayment(self, request, loan_id):
        return json_response(self.finance.record_repayment(self.caller(request), loan_id,
                                       body(request, RepaymentCreate), idempotency_key(request)), 201)

    @api("POST", "/api/v1/loans/overdue-sweep", "立即运行每日逾期检查（市级工作人员或管理员）", LOANS)
    def api_overdue_sweep(self, request):
        return json_response(self.finance.run_overdue_sweep(self.caller(request)))

    # ---- fund and ledger --------------------------------------------------------------------

    @api("GET", "/api/v1/fund", "本市（或所指市州）担保基金余额、放大倍数与在保余额；补贴资金可用余额", FUND,
         query=CityQuery)
    def api_fund_position(self, request):
        return json_response(self.finance.fund_position(self.caller(request), query(request, CityQuery)["city"]))

    @api("POST", "/api/v1/fund/contributions", "向担保基金或补贴资金拨入（须带幂等键）", FUND,
         body=Contribution, status=201, idempotent=True)
    def api_contribute(self, request):
        return json_response(self.finance.contribute(self.caller(request), body(request, Contribution),
                                       idempotency_key(request)), 201)

    @api("PUT", "/api/v1/fund/repayment-rate", "调整已结束年度的贷款回收率（须写明原因；不填回收率即恢复按账簿计算）", FUND,
         body=RepaymentRate)
    def api_set_repayment_rate(self, request):
        return json_response(self.finance.set_repayment_rate(self.caller(request), body(request, RepaymentRate)))

    @api("GET", "/api/v1/ledger/trial-balance", "本市（或所指市州）试算平衡表与在保本金核对", FUND, query=CityQuery)
    def api_trial_balance(self, request):
        return json_response(self.finance.trial_balance(self.caller(request), query(request, CityQuery)["city"]))

    # ---- subsidies --------------------------------------------------------------------------

    @api("POST", "/api/v1/subsidy-claims", "申领补贴（自动核验资格）", SUBSIDIES, body=SubsidyClaimCreate,
         status=201, idempotent=True)
    def api_claim_subsidy(self, request):
        claim = self.finance.claim_subsidy(self.caller(request), body(request, SubsidyClaimCreate), idempotency_key(request))
        return json_response(claim, 201, {"Location": f"/api/v1/subsidy-claims/{claim['id']}"})

    @api("POST", "/api/v1/subsidy-claims/check", "提交前核验：按现行政策列出申领会违反的每一条规则（不提交申领）",
         SUBSIDIES, body=SubsidyClaimCreate)
    def api_check_claim(self, request):
        return json_response(self.finance.check_claim(self.caller(request), body(request, SubsidyClaimCreate)))

    @api("GET", "/api/v1/subsidy-claims", "补贴申领列表（本人或辖区内）", SUBSIDIES, query=ClaimListQuery)
    def api_list_claims(self, request):
        return json_response(self.finance.list_claims(self.caller(request), query(request, ClaimListQuery)))

    @api("GET", "/api/v1/subsidy-claims/<string:claim_id>", "补贴申领详情", SUBSIDIES)
    def api_get_claim(self, request, claim_id):
        return json_response(self.finance.get_claim(self.caller(request), claim_id))

    @api("POST", "/api/v1/subsidy-claims/<string:claim_id>/review", "工作人员审核补贴申领", SUBSIDIES,
         body=ClaimReview)
    def api_review_claim(self, request, claim_id):
        return json_response(self.finance.review_claim(self.caller(request), claim_id, body(request, ClaimReview)))

    @api("POST", "/api/v1/subsidy-batches", "把辖区内已审核的申领编成发放批次", SUBSIDIES,
         body=BatchCreate, status=201, idempotent=True)
    def api_create_batch(self, request):
        batch = self.finance.create_batch(self.caller(request), optional(request, BatchCreate), idempotency_key(request))
        return json_response(batch, 201, {"Location": f"/api/v1/subsidy-batches/{batch['id']}"})

    @api("GET", "/api/v1/subsidy-batches", "发放批次列表与补贴资金可用余额", SUBSIDIES)
    def api_list_batches(self, request):
        return json_response(self.finance.list_batches(self.caller(request)))

    @api("GET", "/api/v1/subsidy-batches/<string:batch_id>", "发放批次详情", SUBSIDIES)
    def api_get_batch(self, request, batch_id):
        return json_response(self.finance.get_batch(self.caller(request), batch_id))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/approve", "整批审批（先核对可用余额）",
         SUBSIDIES, idempotent=True)
    def api_approve_batch(self, request, batch_id):
        return json_response(self.finance.approve_batch(self.caller(request), batch_id, idempotency_key(request)))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/pay", "整批记为已发放：银行全部发放成功，或未经代发清单发放"
         "（须由编制人、审批人以外的工作人员办理，须带幂等键）", SUBSIDIES, idempotent=True)
    def api_pay_batch(self, request, batch_id):
        return json_response(self.finance.pay_batch(self.caller(request), batch_id, idempotency_key(request)))

    @api("GET", "/api/v1/subsidy-batches/<string:batch_id>/payment-file", "下载代发清单（CSV，交代发银行；"
         "仅含等待银行回盘的行，审批后可下载）", SUBSIDIES)
    def api_batch_payment_file(self, request, batch_id):
        return file_response(self.finance.batch_payment_file(self.caller(request), batch_id))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/bank-return", "登记银行回盘：逐行成功或失败（失败须写原因），"
         "成功的记账并记为已发放（须由编制人、审批人以外的工作人员办理，须带幂等键）", SUBSIDIES, body=BankReturn,
         idempotent=True)
    def api_batch_bank_return(self, request, batch_id):
        return json_response(self.finance.record_bank_return(self.caller(request), batch_id,
                                                             body(request, BankReturn), idempotency_key(request)))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/payment-lines", "为发放失败（账户已更正）或新登记收款账户的"
         "申领重新生成代发清单行", SUBSIDIES, idempotent=True)
    def api_reissue_payment_lines(self, request, batch_id):
        return json_response(self.finance.reissue_payment_lines(self.caller(request), batch_id,
                                                                idempotency_key(request)))

    @api("POST", "/api/v1/subsidy-batches/<string:batch_id>/cancellations", "把发放失败的申领从批次中取消（写明原因；"
         "申领退回“已审核通过”，可编入以后的批次）", SUBSIDIES, body=PaymentCancel, idempotent=True)
    def api_cancel_batch_payment(self, request, batch_id):
        return json_response(self.finance.cancel_batch_payment(self.caller(request), batch_id,
                                                               body(request, PaymentCancel), idempotency_key(request)))

    @api("POST", "/api/v1/interest-subsidies", "按季度计算贴息（按实付利息和合同所用政策）", SUBSIDIES,
         body=InterestSubsidyCompute, status=201)
    def api_compute_interest(self, request):
        return json_response(self.finance.compute_interest_subsidy(self.caller(request),
                                       body(request, InterestSubsidyCompute)), 201)

    @api("GET", "/api/v1/interest-subsidies/<string:quarter>", "本市（或所指市州）季度贴息明细", SUBSIDIES,
         query=CityQuery)
    def api_get_interest(self, request, quarter):
        return json_response(self.finance.get_interest_subsidy(self.caller(request), quarter,
                                                               query(request, CityQuery)["city"]))

    @api("GET", "/api/v1/interest-subsidies/<string:quarter>/payment-file", "下载本市季度贴息代发清单（CSV，每家"
         "贷款银行一行，付至其登记的贴息资金专户）", SUBSIDIES)
    def api_interest_payment_file(self, request, quarter):
        return file_response(self.finance.interest_payment_file(self.caller(request), quarter))

    @api("POST", "/api/v1/interest-subsidies/<string:quarter>/bank-return", "登记季度贴息的回盘：逐家银行成功或失败"
         "（失败须写原因），成功的该行贷款贴息记账并记为已发放（须带幂等键）", SUBSIDIES, body=BankReturn, idempotent=True)
    def api_interest_bank_return(self, request, quarter):
        return json_response(self.finance.record_interest_bank_return(self.caller(request), quarter,
                                                                      body(request, BankReturn), idempotency_key(request)))

    @api("POST", "/api/v1/interest-subsidies/<string:quarter>/payment-lines", "为发放失败（专户已更正）或新登记贴息资金"
         "专户的银行重新生成贴息代发清单行", SUBSIDIES, idempotent=True)
    def api_reissue_interest_lines(self, request, quarter):
        return json_response(self.finance.reissue_interest_lines(self.caller(request), quarter, idempotency_key(request)))

    @api("POST", "/api/v1/interest-subsidies/<string:quarter>/pay", "发放季度贴息（须带幂等键）",
         SUBSIDIES, idempotent=True)
    def api_pay_interest(self, request, quarter):
        return json_response(self.finance.pay_interest_subsidy(self.caller(request), quarter, idempotency_key(request)))

    # ---- policy data: new versions, four eyes -----------------------------------------------

    @api("GET", "/api/v1/policies", "政策版本（LPR、贷款政策、担保基金、各项补贴）：文号、生效日期、参数，及今天现行的版本",
         POLICIES, query=PolicyListQuery)
    def api_list_policy_versions(self, request):
        return json_response(self.finance.list_policy_versions(self.caller(request), query(request, PolicyListQuery)))

    @api("GET", "/api/v1/policies/proposals", "政策修改提案（待审批、已批准、已退回）", POLICIES, query=ProposalListQuery)
    def api_list_policy_proposals(self, request):
        return json_response(self.finance.list_policy_proposals(self.caller(request),
                                                                query(request, ProposalListQuery)))

    @api("POST", "/api/v1/policies/proposals",
         "管理员提出新的政策版本（文号、生效日期不早于今天、参数）；须由另一位管理员批准后生效", POLICIES,
         body=PolicyProposalCreate, status=201, idempotent=True)
    def api_propose_policy(self, request):
        return json_response(self.finance.propose_policy(self.caller(request), body(request, PolicyProposalCreate),
                                                         idempotency_key(request)), 201)

    @api("POST", "/api/v1/policies/proposals/<string:proposal_id>/approve",
         "另一位管理员批准提案（四眼原则）：新版本自生效日期起适用，此前的决定不变", POLICIES, idempotent=True)
    def api_approve_policy_proposal(self, request, proposal_id):
        return json_response(self.finance.approve_policy_proposal(self.caller(request), proposal_id,
                                                                  idempotency_key(request)))

    @api("POST", "/api/v1/policies/proposals/<string:proposal_id>/reject", "管理员退回提案并说明原因", POLICIES,
         body=ProposalReject, idempotent=True)
    def api_reject_policy_proposal(self, request, proposal_id):
        return json_response(self.finance.reject_policy_proposal(self.caller(request), proposal_id,
                                                                 body(request, ProposalReject), idempotency_key(request)))
