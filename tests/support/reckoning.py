"""The system's books after a fault, read from its databases and its broker: what was published,
what each consumer applied, what is missing or doubled, what is parked, whether every loan's state
follows from its history. One `Reckoning` is one row of the chaos test's table."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
import sqlalchemy as sa
from kombu import Connection

from shared.parking import list_parked

PRODUCERS = ("registry", "finance", "escalation", "projects", "consultation")
SUBSCRIPTION = re.compile(r"^evt-(?P<source>\w+)-(?P<event>\w+)--(?P<consumer>(?P<service>\w+)\.\w+)$")
# a loan's state after each of its events (None: the state is unchanged by it)
LOAN_STEPS = {"loan_applied": "submitted", "loan_approved": "approved", "loan_rejected": "rejected",
              "loan_withdrawn": "withdrawn", "loan_disbursed": "disbursed", "loan_overdue": "overdue",
              "loan_back_to_repaying": "repaying", "loan_defaulted": "defaulted",
              "loan_compensated": "compensated", "loan_settled": "settled"}


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)


def _rows(url: str, query: str, **params) -> list:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(query), params).all()
    finally:
        engine.dispose()


def queues(infra, vhost: str) -> list[dict]:
    response = requests.get(f"{infra.management_url}/api/queues/{quote(vhost, safe='')}",
                            auth=infra._auth(), timeout=10)
    response.raise_for_status()
    return response.json()


def subscriptions(infra, vhost: str) -> list[dict]:
    """Every event handler's queue: its source, event type, consumer (`service.handler`) and service."""
    found = (SUBSCRIPTION.match(queue["name"]) for queue in queues(infra, vhost))
    return [match.groupdict() for match in found if match]


def unsent(databases: dict) -> int:
    return sum(_rows(databases[s], "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] for s in PRODUCERS)


def waiting_messages(infra, vhost: str, amqp_uri: str) -> int:
    """Messages ready in any queue but the parking queue, counted by the broker now (the management
    API's figures trail by up to its statistics interval)."""
    names = [q["name"] for q in queues(infra, vhost) if q["name"] != "guiyan.parking" and "reply" not in q["name"]]
    total = 0
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for name in names:
            try:
                total += channel.queue_declare(name, passive=True).message_count
            except Exception:  # gone meanwhile (an auto-deleted queue): nothing waits in it
                channel = connection.channel()
    return total


def busy_queues(infra, vhost: str) -> list[str]:
    """Queues holding a message ready or unacknowledged, with their figures: "name
    ready/unacknowledged/consumers". Not the parking queue (it keeps its own), nor a caller's RPC
    reply queue: a killed gateway's keeps a late reply until nameko's `x-expires` removes it."""
    return [f"{q['name']} {q.get('messages_ready', 0)}/{q.get('messages_unacknowledged', 0)}/{q.get('consumers', 0)}"
            for q in queues(infra, vhost) if q["name"] != "guiyan.parking" and not q["name"].startswith("rpc.reply-")
            and (q.get("messages", 0) or q.get("messages_unacknowledged", 0))]


def loan_state_after(events: list[str]) -> str:
    state = "submitted"
    for event in events:
        if event == "loan_eligibility_assessed":
            continue
        if event == "loan_repayment_recorded":
            state = "repaying" if state in ("disbursed", "repaying") else state
        else:
            state = LOAN_STEPS.get(event, state)
    return state


@dataclass
class Reckoning:
    fault: str
    accepted: int = 0
    published: dict[str, int] = field(default_factory=dict)
    consumed: dict[str, int] = field(default_factory=dict)
    effects: dict[str, tuple[int, int]] = field(default_factory=dict)  # what: (applied, expected)
    duplicates: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    parked: list[str] = field(default_factory=list)
    expected_parked: list[str] = field(default_factory=list)
    trial_balance_fen: int | None = None
    balanced: bool = False
    loans_off_their_history: list[str] = field(default_factory=list)
    longest_503: float = 0.0
    busy: list[str] = field(default_factory=list)  # queues still holding messages when it was read

    @property
    def total_duplicates(self) -> int:
        return sum(self.duplicates.values())

    @property
    def total_lost(self) -> int:
        return sum(self.lost.values())


class Auditor:
    """Reads the books of one running system (its databases by direct connection, its vhost)."""

    def __init__(self, infra, vhost: str, databases: dict, amqp_uri: str):
        self.infra, self.vhost, self.databases, self.amqp_uri = infra, vhost, databases, amqp_uri

    def outbox(self, service: str) -> list:
        return _rows(self.databases[service], "SELECT id, event_id, event_type, sent_at IS NOT NULL AS sent,"
                     " envelope->'payload' AS payload FROM outbox ORDER BY id")

    def reckon(self, fault: str, load, finance_client, injected: list[str]) -> Reckoning:
        row = Reckoning(fault, accepted=sum(load.accepted.values()), longest_503=load.longest_503,
                        expected_parked=sorted(injected))
        recorded = {service: self.outbox(service) for service in PRODUCERS}
        row.published = {s: sum(r.sent for r in rows) for s, rows in recorded.items()}
        self._consumers(row, recorded)
        self._effects(row, load, recorded)
        self._loans(row, recorded["finance"])
        self._climbs(row, recorded["escalation"])
        row.busy = busy_queues(self.infra, self.vhost)
        row.parked = sorted(f"{item['origin_queue']}:{item['event_id'] or 'undecodable'}"
                            for item in list_parked(self.amqp_uri))
        balance = finance_client.get("/api/v1/ledger/trial-balance")
        if balance.status_code == 200:
            report = balance.json()
            row.trial_balance_fen = round((float(report["debit_yuan"]) - float(report["credit_yuan"])) * 100)
            row.balanced = bool(report["balanced"])
        return row

    def _consumers(self, row: Reckoning, recorded: dict) -> None:
        """Each consumer's inbox against every event its source recorded of its type."""
        by_type = defaultdict(set)
        for service, rows in recorded.items():
            for r in rows:
                by_type[(service, r.event_type)].add(r.event_id)
        inboxes = {s: _rows(self.databases[s], "SELECT consumer, event_id FROM inbox") for s in PRODUCERS}
        for sub in subscriptions(self.infra, self.vhost):
            seen = Counter(r.event_id for r in inboxes[sub["service"]] if r.consumer == sub["consumer"])
            expected = by_type[(sub["source"], sub["event"])]
            row.consumed[sub["consumer"]] = len(seen)
            missing = len(expected - set(seen))
            if missing:
                row.lost[sub["consumer"]] = missing
            doubled = sum(n - 1 for n in seen.values()) + len(set(seen) - expected)
            if doubled:
                row.duplicates[sub["consumer"]] = doubled

    def _effects(self, row: Reckoning, load, recorded: dict) -> None:
        registered = set(load.kept["registration"])
        people = {r[0] for r in _rows(self.databases["registry"], "SELECT id FROM entrepreneurs")}
        self._compare(row, "registry entrepreneurs", people, registered)
        for service in ("finance", "projects"):
            copy = {r[0] for r in _rows(self.databases[service], "SELECT id FROM known_entrepreneurs")}
            self._compare(row, f"{service} known_entrepreneurs", copy, people)
        firms = {r[0] for r in _rows(self.databases["registry"], "SELECT id FROM enterprises")}
        owned = {r[0] for r in _rows(self.databases["escalation"], "SELECT id FROM known_enterprises")}
        self._compare(row, "escalation known_enterprises", owned, firms)
        every_event = {r.event_id for rows in recorded.values() for r in rows}
        facts = {r[0] for r in _rows(self.databases["consultation"], "SELECT event_id FROM facts")}
        self._compare(row, "consultation facts", facts, every_event)
        loans = {r[0] for r in _rows(self.databases["finance"], "SELECT id FROM loans")}
        self._compare(row, "finance loans", loans, set(load.kept["loan_application"]))
        repayments = Counter(r[0] for r in _rows(self.databases["finance"], "SELECT loan_id FROM repayments"))
        self._compare_counts(row, "finance repayments", repayments, Counter(load.kept["repayment"]))
        troubles = {r[0] for r in _rows(self.databases["escalation"], "SELECT id FROM difficulties")}
        self._compare(row, "escalation difficulties", troubles, set(load.kept["difficulty"]))
        doubled_postings = _rows(self.databases["finance"], "SELECT kind, reference FROM ledger_postings"
                                 " GROUP BY kind, reference HAVING count(*) > 1")
        if doubled_postings:
            row.duplicates["ledger postings"] = len(doubled_postings)

    @staticmethod
    def _compare(row: Reckoning, what: str, applied: set, expected: set) -> None:
        row.effects[what] = (len(applied), len(expected))
        if expected - applied:
            row.lost[what] = len(expected - applied)
        if applied - expected:
            row.duplicates[what] = len(applied - expected)

    @staticmethod
    def _compare_counts(row: Reckoning, what: str, applied: Counter, expected: Counter) -> None:
        row.effects[what] = (sum(applied.values()), sum(expected.values()))
        if expected - applied:
            row.lost[what] = sum((expected - applied).values())
        if applied - expected:
            row.duplicates[what] = sum((applied - expected).values())

    def _loans(self, row: Reckoning, finance_events: list) -> None:
        history = defaultdict(list)
        for r in finance_events:
            if r.event_type.startswith("loan_") and r.payload and "loan_id" in r.payload:
                history[r.payload["loan_id"]].append(r.event_type)
        for loan_id, status in _rows(self.databases["finance"], "SELECT id, status FROM loans"):
            events = history[loan_id]
            if status in ("under_bank_review", "ineligible"):
                allowed = loan_state_after(events) == "submitted"
            else:
                allowed = loan_state_after(events) == status
            doubled = [e for e, n in Counter(events).items() if n > 1 and e != "loan_repayment_recorded"]
            if not allowed or doubled:
                row.loans_off_their_history.append(f"{loan_id[:8]} {status} after {events}")


    @staticmethod
    def _climbs(row: Reckoning, escalation_events: list) -> None:
        """A difficulty climbs from each level at most once, whoever (an official, a sweep) moved it."""
        steps = Counter((r.payload["difficulty_id"], r.payload["from_level"]) for r in escalation_events
                        if r.event_type == "difficulty_escalated")
        doubled = sum(n - 1 for n in steps.values())
        if doubled:
            row.duplicates["difficulty escalations"] = doubled


def render(rows: list[Reckoning]) -> str:
    """The table, one line per fault, then each row's details."""
    head = (f"{'fault':<28} {'accepted':>8} {'published':>9} {'consumed':>8} {'dup':>4} {'lost':>4} "
            f"{'parked':>6} {'balance':>7} {'loans ok':>8} {'503 s':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        loans_ok = "yes" if not r.loans_off_their_history else f"{len(r.loans_off_their_history)} off"
        lines.append(f"{r.fault:<28} {r.accepted:>8} {sum(r.published.values()):>9} "
                     f"{sum(r.consumed.values()):>8} {r.total_duplicates:>4} {r.total_lost:>4} "
                     f"{len(r.parked):>6} {r.trial_balance_fen if r.trial_balance_fen is not None else '?':>7} "
                     f"{loans_ok:>8} {r.longest_503:>6.1f}")
    last = rows[-1]
    lines.append("")
    lines.append("published per service: " + ", ".join(f"{s} {n}" for s, n in last.published.items()))
    lines.append("consumed per consumer:  " + ", ".join(f"{c} {n}" for c, n in sorted(last.consumed.items())))
    lines.append("effects (applied/expected): " + ", ".join(f"{w} {a}/{e}" for w, (a, e) in last.effects.items()))
    for r in rows:
        if r.duplicates or r.lost or r.loans_off_their_history or r.parked != r.expected_parked:
            lines.append(f"{r.fault}: duplicates {r.duplicates} lost {r.lost} parked {r.parked} "
                         f"(expected {r.expected_parked}) loans {r.loans_off_their_history[:5]} busy {r.busy}")
    return "\n".join(lines)
