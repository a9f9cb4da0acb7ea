"""The facts consultation keeps: one handler for each event type of every service, its own included.

Each stores the whole event once (`quarters.keep`, idempotent by event id); every read of the
quarter, the bulletin, the timeline and the dashboard is derived from them. A new event type needs
its handler here (tests/unit/test_consultation_facts.py fails until it has one).
"""

from __future__ import annotations

from services.consultation.handlers import quarters
from shared.messaging import event_handler, idempotent

SOURCES = ("registry", "finance", "escalation", "projects", "consultation")  # every service's events


class FactHandlers:
    """Mixed into ConsultationService."""

    # ---- registry --------------------------------------------------------------------------------

    @event_handler("registry", "enterprise_headcount_reported")
    @idempotent
    def handle_enterprise_headcount_reported(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("registry", "enterprise_liaisons_assigned")
    @idempotent
    def handle_enterprise_liaisons_assigned(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("registry", "enterprise_registered")
    @idempotent
    def handle_enterprise_registered(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("registry", "enterprise_verified")
    @idempotent
    def handle_enterprise_verified(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("registry", "entrepreneur_registered")
    @idempotent
    def handle_entrepreneur_registered(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("registry", "entrepreneur_verified")
    @idempotent
    def handle_entrepreneur_verified(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    # ---- finance ---------------------------------------------------------------------------------

    @event_handler("finance", "interest_subsidy_paid")
    @idempotent
    def handle_interest_subsidy_paid(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_applied")
    @idempotent
    def handle_loan_applied(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_approved")
    @idempotent
    def handle_loan_approved(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_back_to_repaying")
    @idempotent
    def handle_loan_back_to_repaying(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_compensated")
    @idempotent
    def handle_loan_compensated(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_defaulted")
    @idempotent
    def handle_loan_defaulted(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_disbursed")
    @idempotent
    def handle_loan_disbursed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_eligibility_assessed")
    @idempotent
    def handle_loan_eligibility_assessed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_overdue")
    @idempotent
    def handle_loan_overdue(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_rejected")
    @idempotent
    def handle_loan_rejected(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_repayment_recorded")
    @idempotent
    def handle_loan_repayment_recorded(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_settled")
    @idempotent
    def handle_loan_settled(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "loan_withdrawn")
    @idempotent
    def handle_loan_withdrawn(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "subsidy_approved")
    @idempotent
    def handle_subsidy_approved(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "subsidy_claimed")
    @idempotent
    def handle_subsidy_claimed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "subsidy_paid")
    @idempotent
    def handle_subsidy_paid(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("finance", "subsidy_rejected")
    @idempotent
    def handle_subsidy_rejected(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    # ---- escalation ------------------------------------------------------------------------------

    @event_handler("escalation", "difficulty_accepted")
    @idempotent
    def handle_difficulty_accepted(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_assigned")
    @idempotent
    def handle_difficulty_assigned(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_closed")
    @idempotent
    def handle_difficulty_closed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_contacted")
    @idempotent
    def handle_difficulty_contacted(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_escalated")
    @idempotent
    def handle_difficulty_escalated(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_reopened")
    @idempotent
    def handle_difficulty_reopened(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_reported")
    @idempotent
    def handle_difficulty_reported(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("escalation", "difficulty_resolved")
    @idempotent
    def handle_difficulty_resolved(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    # ---- projects --------------------------------------------------------------------------------

    @event_handler("projects", "project_launched")
    @idempotent
    def handle_project_launched(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("projects", "project_listed")
    @idempotent
    def handle_project_listed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("projects", "project_promoted")
    @idempotent
    def handle_project_promoted(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("projects", "project_recommended")
    @idempotent
    def handle_project_recommended(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("projects", "project_signed")
    @idempotent
    def handle_project_signed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("projects", "project_withdrawn")
    @idempotent
    def handle_project_withdrawn(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    # ---- consultation ----------------------------------------------------------------------------

    @event_handler("consultation", "consultation_convened")
    @idempotent
    def handle_consultation_convened(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("consultation", "quarter_closed")
    @idempotent
    def handle_quarter_closed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("consultation", "quarter_opened")
    @idempotent
    def handle_quarter_opened(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("consultation", "resolution_assigned")
    @idempotent
    def handle_resolution_assigned(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("consultation", "resolution_overdue")
    @idempotent
    def handle_resolution_overdue(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    @event_handler("consultation", "resolution_progressed")
    @idempotent
    def handle_resolution_progressed(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)
