"""Policy versions as administrators add them: the versions and their standing today, proposals of
new versions, and the second administrator's approval that adds one to the policy table."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.domain import policy_rules as rules
from services.finance.models import PolicyProposal, PolicyVersion
from shared import clock
from shared.actors import Actor, require_role
from shared.contracts.finance import (
    POLICY_DOMAIN_NAMES,
    PROPOSAL_STATUS_NAMES,
    STANDING_NAMES,
    PolicyListQuery,
    PolicyProposalCreate,
    ProposalListQuery,
)
from shared.errors import InvalidState, NotFound

POLICY_LOCK = 4203  # advisory lock: one change of the policy table at a time (two proposals of one day)


def require_admin(actor: Actor) -> None:
    require_role(actor, "admin")


def dated(row: PolicyVersion | PolicyProposal) -> rules.Dated:
    return rules.Dated(row.domain, row.code, row.effective_from, rules.city_of(row.params))


def lock(session: Session) -> None:
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(POLICY_LOCK, 0)))


# ---- reading --------------------------------------------------------------------------------


def list_versions(session: Session, actor: Actor, query: PolicyListQuery, today: dt.date) -> dict:
    """Newest first; each version's standing today within its domain (and city, for a city's own)."""
    require_admin(actor)
    statement = sa.select(PolicyVersion)
    if query.domain:
        statement = statement.where(PolicyVersion.domain == query.domain)
    versions = list(session.scalars(statement))
    in_force = current(versions, today)
    origins = proposals_of(session)
    items = [version_read(v, standing(v, in_force, today), origins.get((v.domain, v.code)))
             for v in sorted(versions, key=lambda v: (v.effective_from, v.domain), reverse=True)]
    return {"today": today.isoformat(), "items": items}


def current(versions: list[PolicyVersion], today: dt.date) -> set[tuple[str, str]]:
    """(domain, code) of the version in force today in each domain and city."""
    latest: dict[tuple[str, str | None], PolicyVersion] = {}
    for version in versions:
        scope = (version.domain, rules.city_of(version.params))
        held = latest.get(scope)
        if version.effective_from <= today and (held is None or version.effective_from > held.effective_from):
            latest[scope] = version
    return {(v.domain, v.code) for v in latest.values()}


def standing(version: PolicyVersion, in_force: set[tuple[str, str]], today: dt.date) -> str:
    if (version.domain, version.code) in in_force:
        return "in_force"
    return "upcoming" if version.effective_from > today else "superseded"


def proposals_of(session: Session) -> dict[tuple[str, str], PolicyProposal]:
    """The approved proposal each version came from (versions seeded by migration have none)."""
    approved = session.scalars(sa.select(PolicyProposal).where(PolicyProposal.status == "approved"))
    return {(p.domain, p.code): p for p in approved}


def version_read(version: PolicyVersion, standing_now: str, origin: PolicyProposal | None) -> dict:
    return {"domain": version.domain, "domain_name": POLICY_DOMAIN_NAMES.get(version.domain, version.domain),
            "code": version.code, "effective_from": version.effective_from,
            "city_code": rules.city_of(version.params), "params": version.params,
            "standing": standing_now, "standing_name": STANDING_NAMES[standing_now],
            "proposal": proposal_read(origin) if origin else None}


def list_proposals(session: Session, actor: Actor, query: ProposalListQuery) -> dict:
    require_admin(actor)
    statement = sa.select(PolicyProposal).order_by(PolicyProposal.proposed_at.desc())
    if query.status:
        statement = statement.where(PolicyProposal.status == query.status)
    if query.domain:
        statement = statement.where(PolicyProposal.domain == query.domain)
    return {"items": [proposal_read(p) for p in session.scalars(statement)]}


def get(session: Session, actor: Actor, proposal_id: str, *, for_update: bool = False) -> PolicyProposal:
    require_admin(actor)
    proposal = session.get(PolicyProposal, proposal_id, with_for_update=for_update or None)
    if proposal is None:
        raise NotFound("proposal_not_found", None, "没有这条政策修改提案")
    return proposal


def proposal_read(proposal: PolicyProposal) -> dict:
    return {"id": proposal.id, "domain": proposal.domain,
            "domain_name": POLICY_DOMAIN_NAMES.get(proposal.domain, proposal.domain), "code": proposal.code,
            "effective_from": proposal.effective_from, "city_code": rules.city_of(proposal.params),
            "params": proposal.params, "reason": proposal.reason, "status": proposal.status,
            "status_name": PROPOSAL_STATUS_NAMES[proposal.status], "proposed_by": proposal.proposed_by,
            "proposed_at": proposal.proposed_at, "decided_by": proposal.decided_by,
            "decided_at": proposal.decided_at, "rejection_reason": proposal.rejection_reason}


# ---- changing -------------------------------------------------------------------------------


def propose(uow, actor: Actor, data: PolicyProposalCreate, today: dt.date) -> dict:
    """A new version proposed: checked now as it will be at approval, and against the proposals
    still waiting, so that two cannot both be approved for one day."""
    require_admin(actor)
    session = uow.session
    rules.check_effective_date(data.effective_from, today)
    params = rules.check_params(data.domain, data.params)
    code = rules.code_of(data.domain, data.code, data.effective_from)
    lock(session)
    proposed = rules.Dated(data.domain, code, data.effective_from, rules.city_of(params))
    pending = session.scalars(sa.select(PolicyProposal).where(PolicyProposal.domain == data.domain,
                                                              PolicyProposal.status == "proposed"))
    rules.check_new(proposed, [dated(v) for v in versions_of(session, data.domain)], [dated(p) for p in pending])
    proposal = PolicyProposal(domain=data.domain, code=code, effective_from=data.effective_from, params=params,
                              reason=data.reason, status="proposed", proposed_by=actor.username)
    session.add(proposal)
    session.flush()
    return proposal_read(proposal)


def approve(uow, actor: Actor, proposal_id: str, today: dt.date) -> dict:
    """Another administrator approves: the version joins the policy table in this transaction, and
    applies to every decision on or after its day."""
    session = uow.session
    lock(session)
    proposal = undecided(get(session, actor, proposal_id, for_update=True))
    rules.check_checker(proposal.proposed_by, actor.username)
    rules.check_approval_date(proposal.effective_from, today)
    rules.check_new(dated(proposal), [dated(v) for v in versions_of(session, proposal.domain)])
    # checked again by today's rules: a version the rules could not read never reaches the table
    params = rules.check_params(proposal.domain, proposal.params)
    session.add(PolicyVersion(domain=proposal.domain, code=proposal.code, effective_from=proposal.effective_from,
                              params=params))
    decide(proposal, "approved", actor)
    session.flush()
    return proposal_read(proposal)


def reject(uow, actor: Actor, proposal_id: str, reason: str) -> dict:
    """Returned with the reason; the proposer (or anyone) may propose it again, corrected."""
    session = uow.session
    proposal = undecided(get(session, actor, proposal_id, for_update=True))
    decide(proposal, "rejected", actor)
    proposal.rejection_reason = reason
    session.flush()
    return proposal_read(proposal)


def undecided(proposal: PolicyProposal) -> PolicyProposal:
    if proposal.status != "proposed":
        raise InvalidState("proposal_decided", "status",
                           f"该提案已{PROPOSAL_STATUS_NAMES[proposal.status]}（{proposal.decided_by}），不能再审批")
    return proposal


def decide(proposal: PolicyProposal, status: str, actor: Actor) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor.username, clock.stamp()


def versions_of(session: Session, domain: str) -> list[PolicyVersion]:
    """Read afresh (not the transaction's kept copy in books): the lock is held, the table is as committed."""
    return list(session.scalars(sa.select(PolicyVersion).where(PolicyVersion.domain == domain)))
