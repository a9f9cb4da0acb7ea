"""The notifications service: every person is told what concerns them (消息), in the app and by SMS.

It listens to the other services' events, keeps a message for each audience the event concerns
(services/notifications/domain.py says who), reminds units of their time limits, and sends the text
messages from a sweep, so that neither a command nor an event waits for the SMS gateway. It keeps no
one's phone: a person's is asked of the registry when their text is sent.
"""

from __future__ import annotations

import eventlet
from nameko.exceptions import UnknownService

from services.notifications import domain, readmodel
from services.notifications.handlers import messages
from services.notifications.models import KnownEnterprise, KnownEntrepreneur
from shared import clock
from shared.actors import as_actor, programme_city, require_city_official
from shared.contracts.notifications import DeliverySettings, MarkRead, NotificationQuery
from shared.db import Database
from shared.logging import get_logger
from shared.messaging import event_handler, idempotent, idempotent_batch
from shared.nameko_base import GuiyanService, SteadyRpcProxy, json_rpc, sweep, sweep_each
from shared.registry_copy import keep_all, keep_change
from shared.settings import NotificationsSettings
from shared.sms import SmtpSms
from shared.validation import parse

command = json_rpc
log = get_logger(__name__)
SETTINGS = NotificationsSettings()
REGISTRY_SECONDS = 10  # a registry that does not answer in this time is "away": the text waits


def _told(rule):
    """An event handler that keeps the messages `rule(payload)` says, once per event."""
    def handle(self, uow, payload, envelope):
        messages.record(uow.session, envelope.event_id, rule(payload))

    handle.__name__ = handle.__qualname__ = f"handle_{rule.__name__}"  # the inbox's name of the consumer
    return idempotent(handle)


class NotificationsService(GuiyanService):
    name = "notifications"
    db = Database("notifications")
    registry = SteadyRpcProxy("registry")
    sms = SmtpSms()

    # ---- people's messages -----------------------------------------------------------------------

    @command
    def list_notifications(self, actor, query=None):
        with self.db.read() as session:
            return readmodel.list_for(session, as_actor(actor), parse(NotificationQuery, query or {}))

    @command
    def unread_count(self, actor):
        with self.db.read() as session:
            return {"unread": readmodel.unread_count(session, as_actor(actor))}

    @command
    def mark_read(self, actor, data):
        actor, data = as_actor(actor), parse(MarkRead, data)
        return self._transaction(lambda uow: messages.mark_read(uow.session, actor, data))

    @command
    def delivery_settings(self, actor):
        with self.db.read() as session:
            return readmodel.settings_read(session, as_actor(actor))

    @command
    def update_delivery_settings(self, actor, data):
        actor, data = as_actor(actor), parse(DeliverySettings, data)
        return self._transaction(lambda uow: messages.update_settings(uow.session, actor, data))

    # ---- reminders and texts -------------------------------------------------------------------------

    @command
    def run_reminders(self, actor):
        """Remind of today's time limits and warn of passed ones now (the sweep does it hourly)."""
        require_city_official(as_actor(actor), "只有本市市级工作人员或管理员可以立即发送时限提醒", allow_admin=True)
        return self._reminders()

    @sweep(interval=SETTINGS.reminder_interval_seconds)
    def reminder_sweep(self):
        self._reminders()

    def _reminders(self) -> dict:
        return self._transaction(lambda uow: {"reminders": messages.remind(uow.session, clock.today())})

    @sweep(interval=SETTINGS.sms_interval_seconds)
    def text_sweep(self):
        with self.db.read() as session:
            due = messages.due_texts(session)
        if due:
            with self.sms.batch() as gateway:  # one connection to the gateway for the sweep's texts
                done = sweep_each(self.db, due, lambda uow, text_id: messages.send_one(
                    uow.session, text_id, gateway, self._phone_on_record))
            log.info("text_messages_swept", **done)

    def _phone_on_record(self, recipient: str) -> str | None:
        try:
            with eventlet.Timeout(REGISTRY_SECONDS):
                return self.registry.text_message_phone(recipient)
        except (eventlet.Timeout, UnknownService):  # away, or never started here yet: the text waits
            raise ConnectionError("the registry did not answer") from None

    # ---- who the people are (the registry's events) --------------------------------------------------

    @event_handler("registry", "entrepreneur_registered")
    @idempotent_batch
    def handle_entrepreneur_registered(self, uow, items):
        keep_all(uow.session, KnownEntrepreneur, [(p.entrepreneur_id, p) for p, _ in items])
        for payload, envelope in items:
            messages.record(uow.session, envelope.event_id, domain.entrepreneur_registered(payload))

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        keep_all(uow.session, KnownEnterprise, [(p.enterprise_id, p) for p, _ in items])
        for payload, envelope in items:
            messages.record(uow.session, envelope.event_id, domain.enterprise_registered(payload))

    @event_handler("registry", "entrepreneur_changed")
    @idempotent
    def handle_entrepreneur_changed(self, uow, payload, envelope):
        keep_change(uow.session, KnownEntrepreneur, payload.entrepreneur_id, payload)
        messages.record(uow.session, envelope.event_id, domain.entrepreneur_changed(payload))

    @event_handler("registry", "enterprise_changed")
    @idempotent
    def handle_enterprise_changed(self, uow, payload, envelope):
        keep_change(uow.session, KnownEnterprise, payload.enterprise_id, payload)
        messages.record(uow.session, envelope.event_id, domain.enterprise_changed(payload))

    handle_claim_in_person_requested = event_handler("registry", "claim_in_person_requested")(
        _told(domain.claim_in_person_requested))
    handle_entrepreneur_verified = event_handler("registry", "entrepreneur_verified")(
        _told(domain.entrepreneur_verified))
    handle_enterprise_verified = event_handler("registry", "enterprise_verified")(_told(domain.enterprise_verified))

    # ---- loans and subsidies ---------------------------------------------------------------------------

    handle_loan_eligibility_assessed = event_handler("finance", "loan_eligibility_assessed")(
        _told(domain.loan_eligibility_assessed))
    handle_loan_approved = event_handler("finance", "loan_approved")(_told(domain.loan_approved))
    handle_loan_rejected = event_handler("finance", "loan_rejected")(_told(domain.loan_rejected))
    handle_loan_disbursed = event_handler("finance", "loan_disbursed")(_told(domain.loan_disbursed))
    handle_loan_overdue = event_handler("finance", "loan_overdue")(_told(domain.loan_overdue))
    handle_loan_settled = event_handler("finance", "loan_settled")(_told(domain.loan_settled))
    handle_subsidy_claimed = event_handler("finance", "subsidy_claimed")(_told(domain.subsidy_claimed))
    handle_subsidy_approved = event_handler("finance", "subsidy_approved")(_told(domain.subsidy_approved))
    handle_subsidy_rejected = event_handler("finance", "subsidy_rejected")(_told(domain.subsidy_rejected))
    handle_subsidy_paid = event_handler("finance", "subsidy_paid")(_told(domain.subsidy_paid))

    # ---- difficulties: messages, and the time limits to remind of ------------------------------------

    @event_handler("escalation", "difficulty_assigned")
    @idempotent
    def handle_difficulty_assigned(self, uow, payload, envelope):
        messages.limits_set(uow.session, payload)
        messages.record(uow.session, envelope.event_id, domain.difficulty_assigned(payload))

    @event_handler("escalation", "difficulty_deadlines_changed")
    @idempotent
    def handle_difficulty_deadlines_changed(self, uow, payload, envelope):
        messages.limits_moved(uow.session, payload)

    @event_handler("escalation", "difficulty_contacted")
    @idempotent
    def handle_difficulty_contacted(self, uow, payload, envelope):
        messages.limits_done(uow.session, payload.difficulty_id, payload.level, "contact")
        messages.record(uow.session, envelope.event_id, domain.difficulty_contacted(payload))

    @event_handler("escalation", "difficulty_escalated")
    @idempotent
    def handle_difficulty_escalated(self, uow, payload, envelope):
        messages.limits_done(uow.session, payload.difficulty_id, payload.from_level, "contact", "resolve")
        messages.record(uow.session, envelope.event_id, domain.difficulty_escalated(payload))

    @event_handler("escalation", "difficulty_resolved")
    @idempotent
    def handle_difficulty_resolved(self, uow, payload, envelope):
        messages.limits_done(uow.session, payload.difficulty_id, payload.level, "contact", "resolve")
        messages.record(uow.session, envelope.event_id, domain.difficulty_resolved(payload))

    @event_handler("escalation", "difficulty_reopened")
    @idempotent
    def handle_difficulty_reopened(self, uow, payload, envelope):
        messages.limits_done(uow.session, payload.difficulty_id, payload.level, "resolve", open_=True)
        messages.record(uow.session, envelope.event_id, domain.difficulty_reopened(payload))

    handle_difficulty_accepted = event_handler("escalation", "difficulty_accepted")(
        _told(domain.difficulty_accepted))
    handle_difficulty_closed = event_handler("escalation", "difficulty_closed")(_told(domain.difficulty_closed))

    @event_handler("consultation", "resolution_overdue")
    @idempotent
    def handle_resolution_overdue(self, uow, payload, envelope):
        messages.record(uow.session, envelope.event_id, domain.resolution_overdue(
            payload, payload.region_code or programme_city()))
