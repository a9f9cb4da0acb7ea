"""Time limits of the difficulty-resolution mechanism as of 2026-11 (docs/policies.md), seeded by migration.

Never edit a released version: a new policy is a new row in a new migration.
"""

import datetime as dt

from services.escalation.domain.rules import EscalationPolicy

ESCALATION_POLICIES = (
    EscalationPolicy(code="内江市返乡创业企业困难问题化解机制", effective_from=dt.date(2021, 1, 1),
                     contact_days=2, limits={"township": 10, "county": 20, "city": 40}),
)
