"""The facts consultation keeps: one handler for each event type of every service, its own included.

Each stores the whole event once (`quarters.keep`, idempotent by event id; a batch of deliveries
with one statement); every read of the quarter, the bulletin, the timeline and the dashboard is
derived from them. A new event type needs
its handler here (tests/unit/test_consultation_facts.py fails until it has one).
"""

from __future__ import annotations

from services.consultation.handlers import quarters
from shared.messaging import event_handler, idempotent_batch

SOURCES = ("registry", "finance", "escalation", "projects", "consultation")  # every service's events


class FactHandlers:
    """Mixed into ConsultationService."""

    # ---- registry --------------------------------------------------------------------------------

    @event_handler("registry", "claim_code_requested")
    @idempotent_batch
    def handle_claim_code_requested(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "claim_in_person_requested")
    @idempotent_batch
    def handle_claim_in_person_requested(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "enterprise_changed")
    @idempotent_batch
    def handle_enterprise_changed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "enterprise_headcount_reported")
    @idempotent_batch
    def handle_enterprise_headcount_reported(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "enterprise_liaisons_assigned")
    @idempotent_batch
    def handle_enterprise_liaisons_assigned(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "enterprise_verified")
    @idempotent_batch
    def handle_enterprise_verified(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "entrepreneur_changed")
    @idempotent_batch
    def handle_entrepreneur_changed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "entrepreneur_registered")
    @idempotent_batch
    def handle_entrepreneur_registered(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("registry", "entrepreneur_verified")
    @idempotent_batch
    def handle_entrepreneur_verified(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    # ---- finance ---------------------------------------------------------------------------------

    @event_handler("finance", "interest_subsidy_paid")
    @idempotent_batch
    def handle_interest_subsidy_paid(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_applied")
    @idempotent_batch
    def handle_loan_applied(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_approved")
    @idempotent_batch
    def handle_loan_approved(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_back_to_repaying")
    @idempotent_batch
    def handle_loan_back_to_repaying(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_compensated")
    @idempotent_batch
    def handle_loan_compensated(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_defaulted")
    @idempotent_batch
    def handle_loan_defaulted(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_disbursed")
    @idempotent_batch
    def handle_loan_disbursed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_eligibility_assessed")
    @idempotent_batch
    def handle_loan_eligibility_assessed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_overdue")
    @idempotent_batch
    def handle_loan_overdue(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_rejected")
    @idempotent_batch
    def handle_loan_rejected(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_repayment_recorded")
    @idempotent_batch
    def handle_loan_repayment_recorded(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_settled")
    @idempotent_batch
    def handle_loan_settled(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "loan_withdrawn")
    @idempotent_batch
    def handle_loan_withdrawn(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "subsidy_approved")
    @idempotent_batch
    def handle_subsidy_approved(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "subsidy_claimed")
    @idempotent_batch
    def handle_subsidy_claimed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "subsidy_paid")
    @idempotent_batch
    def handle_subsidy_paid(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("finance", "subsidy_rejected")
    @idempotent_batch
    def handle_subsidy_rejected(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    # ---- escalation ------------------------------------------------------------------------------

    @event_handler("escalation", "difficulty_accepted")
    @idempotent_batch
    def handle_difficulty_accepted(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_assigned")
    @idempotent_batch
    def handle_difficulty_assigned(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_closed")
    @idempotent_batch
    def handle_difficulty_closed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_deadlines_changed")
    @idempotent_batch
    def handle_difficulty_deadlines_changed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_contacted")
    @idempotent_batch
    def handle_difficulty_contacted(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_escalated")
    @idempotent_batch
    def handle_difficulty_escalated(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_reopened")
    @idempotent_batch
    def handle_difficulty_reopened(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_reported")
    @idempotent_batch
    def handle_difficulty_reported(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("escalation", "difficulty_resolved")
    @idempotent_batch
    def handle_difficulty_resolved(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    # ---- projects --------------------------------------------------------------------------------

    @event_handler("projects", "project_launched")
    @idempotent_batch
    def handle_project_launched(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("projects", "project_listed")
    @idempotent_batch
    def handle_project_listed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("projects", "project_promoted")
    @idempotent_batch
    def handle_project_promoted(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("projects", "project_recommended")
    @idempotent_batch
    def handle_project_recommended(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("projects", "project_signed")
    @idempotent_batch
    def handle_project_signed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("projects", "project_withdrawn")
    @idempotent_batch
    def handle_project_withdrawn(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    # ---- consultation ----------------------------------------------------------------------------

    @event_handler("consultation", "consultation_convened")
    @idempotent_batch
    def handle_consultation_convened(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "item_referred")
    @idempotent_batch
    def handle_item_referred(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "quarter_closed")
    @idempotent_batch
    def handle_quarter_closed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "quarter_opened")
    @idempotent_batch
    def handle_quarter_opened(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "resolution_assigned")
    @idempotent_batch
    def handle_resolution_assigned(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "resolution_overdue")
    @idempotent_batch
    def handle_resolution_overdue(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])

    @event_handler("consultation", "resolution_progressed")
    @idempotent_batch
    def handle_resolution_progressed(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])
