"""Policy data: effective-dated figures that decisions apply, and the choice of version by date.

The figures live in tables (seeded by migrations from `policy_data.py`); the domain receives them as
these frozen values, so a rule never holds a figure of its own and every decision can name the
version it applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shared.policy import in_force  # noqa: F401  (the finance modules' way to pick a version)


@dataclass(frozen=True)
class LoanPolicy:
    """A guaranteed start-up loan policy (caps, terms, hiring share, interest subsidy method)."""

    code: str
    effective_from: dt.date
    individual_cap_fen: int
    enterprise_cap_fen: int
    individual_term_months: int
    enterprise_term_months: int
    lifetime_loans: int
    hiring_share_bp: int
    hiring_share_large_bp: int
    large_enterprise_staff: int
    subsidy_method: str  # "lpr_minus": borrower pays up to LPR − x; "share_of_rate": a share of it
    borrower_lpr_minus_bp: int = 0
    subsidy_share_bp: int = 0
    subsidy_principal_cap_individual_fen: int | None = None
    subsidy_principal_cap_enterprise_fen: int | None = None
    # which kinds of enterprise borrow as enterprises (the others, 个体工商户 and 家庭农场, borrow on
    # the individual's cap, term and without a hiring share): seed 001 names 小微企业（包括农村合作社）
    enterprise_kinds: tuple[str, ...] = ("small_micro", "cooperative")
    partnership_cap_bp: int = 11000  # 合伙创业: up to 110 % of the members' combined individual caps


@dataclass(frozen=True)
class LprRate:
    """The one-year loan prime rate (贷款市场报价利率) published on a date."""

    effective_from: dt.date
    rate_bp: int


@dataclass(frozen=True)
class FundPolicy:
    """Guarantee fund leverage, compensation share and the day count that makes a default."""

    code: str
    effective_from: dt.date
    leverage: int
    high_leverage: int
    high_leverage_repayment_rate_bp: int
    compensation_share_bp: int
    default_after_days: int


@dataclass(frozen=True)
class SubsidyPolicy:
    """One kind of subsidy under one version: its figures as a small parameter table."""

    kind: str
    code: str
    effective_from: dt.date
    params: dict = field(default_factory=dict)
