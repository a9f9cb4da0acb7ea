"""The published figures as of 2026-11, seeded into the policy tables by migration 0001.

Never edit a version here once released: a new policy is a new row (a new migration), so that old
decisions keep the version they applied. Sources are named beside each figure (docs/policies.md).
"""

from __future__ import annotations

import datetime as dt

from services.finance.domain.policy import FundPolicy, LoanPolicy, LprRate, SubsidyPolicy

D = dt.date
WAN = 10_000 * 100  # 10,000 yuan in fen

LOAN_POLICIES = (
    LoanPolicy(code="财金〔2020〕21号", effective_from=D(2021, 1, 1),
               individual_cap_fen=20 * WAN, enterprise_cap_fen=300 * WAN,
               individual_term_months=36, enterprise_term_months=24, lifetime_loans=3,
               hiring_share_bp=1500, hiring_share_large_bp=800, large_enterprise_staff=100,
               subsidy_method="lpr_minus", borrower_lpr_minus_bp=150),
    LoanPolicy(code="财金〔2023〕75号", effective_from=D(2023, 10, 1),
               individual_cap_fen=30 * WAN, enterprise_cap_fen=400 * WAN,
               individual_term_months=36, enterprise_term_months=24, lifetime_loans=3,
               hiring_share_bp=1000, hiring_share_large_bp=500, large_enterprise_staff=100,
               subsidy_method="share_of_rate", subsidy_share_bp=5000),
    LoanPolicy(code="川办规〔2025〕6号", effective_from=D(2025, 5, 1),
               individual_cap_fen=50 * WAN, enterprise_cap_fen=600 * WAN,
               individual_term_months=36, enterprise_term_months=24, lifetime_loans=3,
               hiring_share_bp=1000, hiring_share_large_bp=500, large_enterprise_staff=100,
               subsidy_method="share_of_rate", subsidy_share_bp=5000,
               subsidy_principal_cap_individual_fen=30 * WAN,
               subsidy_principal_cap_enterprise_fen=400 * WAN),
)

# one-year LPR as published by the National Interbank Funding Center
LPR_RATES = (
    LprRate(D(2020, 4, 20), 385), LprRate(D(2021, 12, 20), 380), LprRate(D(2022, 1, 20), 370),
    LprRate(D(2022, 8, 22), 365), LprRate(D(2023, 6, 20), 355), LprRate(D(2023, 8, 21), 345),
    LprRate(D(2024, 7, 22), 335), LprRate(D(2024, 10, 21), 310), LprRate(D(2025, 5, 20), 300),
)

FUND_POLICIES = (
    FundPolicy(code="财金〔2020〕21号", effective_from=D(2021, 1, 1), leverage=5, high_leverage=10,
               high_leverage_repayment_rate_bp=9000, compensation_share_bp=8000,
               default_after_days=90),
)

TRAVEL_SOURCE = "内江市跨省务工交通补助（系统初始数据，以县（市、区）人社部门公布的标准为准）"

SUBSIDY_POLICIES = (
    SubsidyPolicy("startup", "川办规〔2025〕6号", D(2025, 5, 1), {
        "first_amount_fen": 5000 * 100, "first_after_months": 6,
        "second_max_fen": 10_000 * 100, "second_after_months": 18}),
    SubsidyPolicy("employment", "川人社发〔2024〕稳就业措施", D(2024, 1, 1), {
        "per_hire_fen": 2000 * 100, "min_contract_months": 12,
        "qualifying": ["poverty_alleviated", "hard_to_employ", "graduate"]}),
    SubsidyPolicy("skill", "绵人社〔失业保险技能提升〕", D(2021, 1, 1), {
        "amount_by_level_fen": {"junior": 1000 * 100, "intermediate": 1500 * 100,
                                "senior": 2000 * 100},
        "claim_within_months": 12,
        # seed 001: 符合享受失业保险技能提升补贴的（参保缴费满一年）本地户籍农民工
        "insured_months_min": 12, "local_household": True}),
    SubsidyPolicy("travel", "内江市跨省务工交通补助", D(2024, 1, 1), {
        # seed 002: 落实脱贫劳动力跨省务工交通补助; each county's amount (current county codes)
        "categories": ["lifted_out_of_poverty"], "trips_per_year": 1,
        "per_trip_by_county": {code: {"amount_fen": amount, "source": TRAVEL_SOURCE} for code, amount in (
            ("511002", 300 * 100), ("511011", 300 * 100), ("511024", 400 * 100), ("511025", 400 * 100),
            ("511083", 400 * 100))},
        "home_province": "51", "city_code": "511000000000"}),
)

# partner banks and the approval amount above which a second liaison must confirm (四眼原则)
BANKS = (
    ("NJRCB", "内江农村商业银行", 30 * WAN),
    ("PSBC", "中国邮政储蓄银行内江市分行", 50 * WAN),
    ("ABC", "中国农业银行内江分行", 100 * WAN),
)
