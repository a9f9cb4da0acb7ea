"""The notifications service: every person is told what concerns them (消息), in the app and by SMS.

It listens to the other services' events, keeps a message for each audience the event concerns
(services/notifications/domain.py says who), reminds units of their time limits, and sends the text
messages from a sweep, so that neither a command nor an event waits for the SMS gateway. It keeps no
one's phone: a person's is asked of the registry when their text is sent.
"""

from __future__ import annotations

from collections import Counter

import eventlet
from nameko.exceptions import UnknownService

from services.notifications import domain, readmodel
from services.notifications.handlers import messages
from services.notifications.models import KnownEnterprise, KnownEntrepreneur
from shared import clock, wakes
from shared.actors import as_actor, programme_city, require_city_official
from shared.contracts.notifications import DeliverySettings, MarkRead, NotificationQuery
from shared.db import Database
from shared.logging import get_logger
from shared.messaging import (
    MergedQueues,
    event_handler,
    events_handler,
    idempotent,
    idempotent_batch,
)
from shared.nameko_base import GuiyanService, SteadyRpcProxy, json_rpc, sweep
from shared.registry_copy import keep_all, keep_change
from shared.settings import NotificationsSettings
from shared.sms import SmtpSms
from shared.validation import parse

command = json_rpc
log = get_logger(__name__)
SETTINGS = NotificationsSettings()
REGISTRY_SECONDS = 10  # a registry that does not answer in this time is "away": the text waits
TEXT_GATHER_SECONDS = 1.0  # texts queued within a second go out in one sweep


def _send_texts_soon() -> None:
    """The text sweep of this process runs within a second of texts it should send having been
    committed: the texts of a busy second share one sweep, its one question to the registry for the
    phones on record and its one connection to the gateway (a sweep per commit was half of this
    service's CPU under load, and much of the registry's)."""
    wakes.wake("text_sweep", within=TEXT_GATHER_SECONDS)


messages.when_texts_queued(_send_texts_soon)


# the events that only tell people something: event type -> (its service, the rule of who is told what).
# One queue takes them all, so that a loan's steps share its batches; until it, each had its own queue
# and handler (`handle_<type>`), emptied into the one queue and deleted when the service starts.
TOLD = {
    "claim_in_person_requested": ("registry", domain.claim_in_person_requested),
    "entrepreneur_verified": ("registry", domain.entrepreneur_verified),
    "enterprise_verified": ("registry", domain.enterprise_verified),
    "loan_eligibility_assessed": ("finance", domain.loan_eligibility_assessed),
    "loan_approved": ("finance", domain.loan_approved),
    "loan_rejected": ("finance", domain.loan_rejected),
    "loan_disbursed": ("finance", domain.loan_disbursed),
    "loan_overdue": ("finance", domain.loan_overdue),
    "loan_settled": ("finance", domain.loan_settled),
    "subsidy_claimed": ("finance", domain.subsidy_claimed),
    "subsidy_approved": ("finance", domain.subsidy_approved),
    "subsidy_rejected": ("finance", domain.subsidy_rejected),
    "subsidy_paid": ("finance", domain.subsidy_paid),
    "subsidy_payment_failed": ("finance", domain.subsidy_payment_failed),
    "difficulty_accepted": ("escalation", domain.difficulty_accepted),
    "difficulty_closed": ("escalation", domain.difficulty_closed),
}
TOLD_SUBSCRIPTIONS = tuple(sorted((source, event_type) for event_type, (source, _) in TOLD.items()))


class NotificationsService(GuiyanService):
    name = "notifications"
    db = Database("notifications")
    registry = SteadyRpcProxy("registry")
    sms = SmtpSms()
    merged_told_queues = MergedQueues("handle_told", TOLD_SUBSCRIPTIONS)

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
        """The texts due now; run at once when a handler of this process queued some, and when the
        next one waiting for another try is due (the interval is for texts another instance queued)."""
        with self.db.read() as session:
            due = messages.due_texts(session)
            if not due:  # most ticks: the next one's time, asked in the same read
                return messages.next_text_in(session)
        phone_of = messages.records_phones(due.values(), self._phones_on_record)
        done: Counter[str] = Counter()
        ids = list(due)
        with self.sms.batch() as gateway:  # one connection to the gateway for the sweep's texts
            for start in range(0, len(ids), messages.TEXTS_PER_TRANSACTION):
                with self.db.unit_of_work() as uow:
                    done += messages.send_due(uow.session, ids[start:start + messages.TEXTS_PER_TRANSACTION],
                                              gateway, phone_of)
                    uow.commit()
        log.info("text_messages_swept", **done)
        with self.db.read() as session:  # the retries these sends set
            return messages.next_text_in(session)

    def _phones_on_record(self, recipients: list[str]) -> dict[str, str]:
        try:
            with eventlet.Timeout(REGISTRY_SECONDS):
                return self.registry.text_message_phones(recipients)
        except (eventlet.Timeout, UnknownService):  # away, or never started here yet: the texts wait
            raise ConnectionError("the registry did not answer") from None

    # ---- events that only tell people something ----------------------------------------------------

    @events_handler(TOLD_SUBSCRIPTIONS)
    @idempotent_batch
    def handle_told(self, uow, items):
        """The messages each event's rule says (`TOLD`), once per event."""
        messages.record_all(uow.session, [(envelope.event_id, TOLD[envelope.event_type][1](payload))
                                          for payload, envelope in items])

    # ---- who the people are (the registry's events) --------------------------------------------------

    @event_handler("registry", "entrepreneur_registered")
    @idempotent_batch
    def handle_entrepreneur_registered(self, uow, items):
        keep_all(uow.session, KnownEntrepreneur, [(p.entrepreneur_id, p) for p, _ in items])
        messages.record_all(uow.session, [(envelope.event_id, domain.entrepreneur_registered(payload))
                                          for payload, envelope in items])

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        keep_all(uow.session, KnownEnterprise, [(p.enterprise_id, p) for p, _ in items])
        messages.record_all(uow.session, [(envelope.event_id, domain.enterprise_registered(payload))
                                          for payload, envelope in items])

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

    @event_handler("consultation", "resolution_overdue")
    @idempotent
    def handle_resolution_overdue(self, uow, payload, envelope):
        messages.record(uow.session, envelope.event_id, domain.resolution_overdue(
            payload, payload.region_code or programme_city()))
