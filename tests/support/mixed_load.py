"""A mixed load through the HTTP API, in threads: each story registers an entrepreneur and their
enterprise, has them verified, borrows, is paid out and repays, claims a subsidy that is paid in a
batch, and reports a difficulty that is escalated.

Every command is sent until it is answered (503 and a gateway out of reach are retried with the same
Idempotency-Key); what was accepted is counted and kept by kind, every 503 timed. A command without a
key (a verification, a review, an escalation) that is answered 409 after a retry counts as accepted
when the record shows its effect: the first try had been carried out although its caller got 503.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import requests
import sqlalchemy as sa

from tests.factories import credit_code, enterprise_data, entrepreneur_data
from tests.places import PLACES
from tests.stack import ApiClient

PATIENCE_SECONDS = 240  # a command still unanswered after this is given up (and reported)
PAUSE_SECONDS = 0.3  # between two tries of one command


class GivenUp(Exception):
    pass


@dataclass
class Cast:
    """The officials and the bank liaison every story needs."""

    township: ApiClient
    county: ApiClient  # makes the subsidy batches
    city: ApiClient
    maker: ApiClient
    county_checker: ApiClient  # approves them (another of the county's officials)
    county_payer: ApiClient  # and a third pays them


class MixedLoad:
    def __init__(self, stack, base_url: str, cast: Cast, today: dt.date, threads: int):
        self.stack, self.base_url, self.cast, self.today = stack, base_url, cast, today
        self.accepted: Counter = Counter()  # kind of command -> accepted
        self.kept: dict[str, list] = defaultdict(list)  # what the accepted commands made, by kind
        self.statuses: Counter = Counter()
        self.unexpected: list[tuple] = []  # (kind, status, text): neither accepted nor 503
        self.given_up: list[str] = []
        self.unavailable = 0  # answers 503
        self.unreachable = 0  # no gateway answered at all
        self.longest_503 = 0.0  # longest a single command was answered 503 before it went through
        self.lock = threading.Lock()
        self.stop = threading.Event()  # start no more commands
        self.halt = threading.Event()  # and give up those under way (the test is over)
        self.stories = 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self.engines = {name: sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1),
                                               poolclass=sa.pool.NullPool)
                        for name, url in stack.databases.items()}

    # ---- running -------------------------------------------------------------------------------

    def start(self) -> None:
        self.stop.clear()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in self.threads]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop starting commands; the ones under way go on until answered."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=PATIENCE_SECONDS + 60)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.story()
            except GivenUp as gone:
                with self.lock:
                    self.given_up.append(str(gone))

    # ---- one command ---------------------------------------------------------------------------

    def command(self, kind: str, client: ApiClient, path: str, body: dict | None = None, *,
                key: bool = True, done: Callable[[], bool] | None = None) -> dict | None:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if key else {}
        first_503, retried = None, False
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            if time.monotonic() > deadline or self.halt.is_set():
                raise GivenUp(f"{kind} {path}")
            try:
                answer = client.post(path, json=body or {}, headers=headers)
            except requests.RequestException:
                with self.lock:
                    self.unreachable += 1
                retried = True
                time.sleep(PAUSE_SECONDS)
                continue
            with self.lock:
                self.statuses[answer.status_code] += 1
            if answer.status_code == 503:
                assert int(answer.headers["Retry-After"]) > 0
                first_503 = first_503 or time.monotonic()
                retried = True
                with self.lock:
                    self.unavailable += 1
                time.sleep(PAUSE_SECONDS)
                continue
            if first_503 is not None:
                with self.lock:
                    self.longest_503 = max(self.longest_503, time.monotonic() - first_503)
            if answer.status_code in (200, 201):
                self._accept(kind)
                return answer.json()
            if retried and done is not None and answer.status_code in (403, 409) and done():
                self._accept(kind)
                return {}
            with self.lock:
                self.unexpected.append((kind, answer.status_code, answer.text[:300]))
            return None

    def _accept(self, kind: str) -> None:
        with self.lock:
            self.accepted[kind] += 1

    def keep(self, kind: str, value) -> None:
        with self.lock:
            self.kept[kind].append(value)

    def read(self, client: ApiClient, path: str) -> dict:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline and not self.halt.is_set():
            try:
                answer = client.get(path)
            except requests.RequestException:
                time.sleep(PAUSE_SECONDS)
                continue
            if answer.status_code == 200:
                return answer.json()
            time.sleep(PAUSE_SECONDS)
        raise GivenUp(f"read {path}")

    def login(self, username: str) -> ApiClient:
        client = ApiClient(self.base_url)
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline and not self.halt.is_set():
            try:
                client.login(username)
                return client
            except (AssertionError, requests.RequestException):  # 503 while a fault lasts
                time.sleep(PAUSE_SECONDS)
        raise GivenUp(f"login {username}")

    def known(self, service: str, table: str, record_id: str, condition: str = "true") -> bool:
        """Wait until `service`'s copy holds the record; False if the load is told to stop first."""
        query = sa.text(f"SELECT {condition} AS ok FROM {table} WHERE id = :id")  # noqa: S608 (test code)
        while not self.stop.is_set():
            with self.engines[service].connect() as connection:
                row = connection.execute(query, {"id": record_id}).first()
            if row is not None and row.ok:
                return True
            time.sleep(0.3)
        return False

    # ---- the story -------------------------------------------------------------------------------

    def story(self) -> None:
        with self.lock:
            self.stories += 1
        person = self.login(self.stack.create_user("entrepreneur", username=f"c_{uuid.uuid4().hex[:10]}"))
        township = self.cast.township
        # the certificate the story's skill subsidy claims is on the record from the start
        me = self.command("registration", person, "/api/v1/entrepreneurs", entrepreneur_data(
            certificates=[self.certificate]))
        if me is None:
            return
        self.keep("registration", me["id"])
        self.command("verification", township, f"/api/v1/entrepreneurs/{me['id']}/verify", key=False)
        firm = self.command("enterprise", person, "/api/v1/enterprises", enterprise_data(
            region_code=PLACES.village, credit_code=credit_code(PLACES.village)))
        if firm is None or self.stop.is_set():
            return
        self.keep("enterprise", firm["id"])
        self.command("headcount", person, f"/api/v1/enterprises/{firm['id']}/headcount", {
            "quarter": _previous_quarter(self.today), "headcount": 12, "poverty_hires": 1, "new_hires": 2})
        self.command("verification", township, f"/api/v1/enterprises/{firm['id']}/verify", key=False)
        if not self.known("finance", "known_entrepreneurs", me["id"], "verified"):
            return
        self.borrow(person)
        if self.stop.is_set():
            return
        self.claim_subsidy(person)
        if self.stop.is_set() or not self.known("escalation", "known_enterprises", firm["id"]):
            return
        self.report_difficulty(person, firm["id"])

    def borrow(self, person: ApiClient) -> None:
        amount = f"{random.randrange(50, 150) * 1000}.00"
        loan = self.command("loan_application", person, "/api/v1/loans", {
            "borrower_kind": "individual", "bank_code": "NJRCB", "amount_yuan": amount, "term_months": 24,
            "purpose": "扩大柑橘种植规模，购置农资", "repayment_method": "equal_instalments"})
        if loan is None:
            return
        self.keep("loan_application", loan["id"])
        if loan["status"] != "under_bank_review" or self.stop.is_set():
            return
        path = f"/api/v1/loans/{loan['id']}"
        approval = {"amount_yuan": amount, "term_months": 24, "spread_bp": 50}
        if self.command("approval", self.cast.maker, f"{path}/approve", approval) is None:
            return
        if self.command("disbursement", self.cast.maker, f"{path}/disburse") is None:
            return
        self.keep("disbursement", loan["id"])
        for _ in range(2):
            if self.stop.is_set():
                return
            if self.command("repayment", self.cast.maker, f"{path}/repayments", {"amount_yuan": "1000.00"}):
                self.keep("repayment", loan["id"])

    @property
    def certificate(self) -> dict:
        return {"name": "电工", "level": "junior", "issued_on": (self.today - dt.timedelta(days=30)).isoformat()}

    def claim_subsidy(self, person: ApiClient) -> None:
        claim = self.command("subsidy_claim", person, "/api/v1/subsidy-claims", {
            "kind": "skill", "occupation": "电工", "level": "junior", "issued_on": self.certificate["issued_on"],
            "unemployment_insurance_months": 24})
        if claim is None or claim["status"] != "eligibility_checked" or self.stop.is_set():
            return
        path = f"/api/v1/subsidy-claims/{claim['id']}"
        county = self.cast.county
        reviewed = self.command("claim_review", self.cast.township, f"{path}/review", {"decision": "approve"},
                                key=False, done=lambda: self.read(county, path)["status"] != "eligibility_checked")
        if reviewed is None:
            return
        batch = self.command("subsidy_batch", county, "/api/v1/subsidy-batches", {"claim_ids": [claim["id"]]})
        if batch is None:
            return
        batch_path = f"/api/v1/subsidy-batches/{batch['id']}"
        if self.command("batch_approval", self.cast.county_checker, f"{batch_path}/approve") is not None:
            if self.command("batch_payment", self.cast.county_payer, f"{batch_path}/pay") is not None:
                self.keep("batch_payment", batch["id"])

    def report_difficulty(self, person: ApiClient, enterprise_id: str) -> None:
        record = self.command("difficulty", person, "/api/v1/difficulties", {
            "enterprise_id": enterprise_id, "category": "labour", "urgency": "normal",
            "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付"})
        if record is None:
            return
        self.keep("difficulty", record["id"])
        path = f"/api/v1/difficulties/{record['id']}"
        township = self.cast.township
        if self.command("escalation", township, f"{path}/escalate", {"reason": "涉及县级审批权限"}, key=False,
                        done=lambda: self.read(township, path)["level"] == "county") is not None:
            self.keep("escalation", record["id"])


def _previous_quarter(day: dt.date) -> str:
    first_month = 3 * ((day.month - 1) // 3) + 1
    before = dt.date(day.year, first_month, 1) - dt.timedelta(days=1)
    return f"{before.year}Q{(before.month - 1) // 3 + 1}"
