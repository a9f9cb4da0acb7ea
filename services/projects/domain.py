"""The tiered project library (分级建立返乡入乡创业项目库): levels, lifecycle, recommendation, matching.

Plain Python. A project sits in the library of a county, a city or the province; each step of its
lifecycle is taken by an official of that library's level and region.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import regions
from shared.contracts.projects import LEVEL_NAMES, SECTORS, STATUS_NAMES
from shared.errors import Forbidden, InvalidState

__all__ = ["LEVEL_NAMES", "SECTORS", "STATUS_NAMES"]

LIBRARY_LEVELS = ("county", "city", "province")
SIGNIFICANT = {"county": 6, "city": 4, "province": 2}
# the lifecycle: each step from the statuses it may follow
STEPS = {
    "review": (("collected",), "reviewed"),
    "list": (("reviewed",), "listed"),
    "promote": (("listed",), "promoted"),
    "sign": (("listed", "promoted"), "signed"),
    "launch": (("signed",), "launched"),
    "withdraw": (("collected", "reviewed", "listed", "promoted"), "withdrawn"),
}


def library_region(place: str, level: str) -> str:
    """The region whose library a project at `place` belongs to at `level`."""
    return regions.jurisdiction_prefix(place)[:SIGNIFICANT[level]].ljust(12, "0")


def next_library(level: str) -> str | None:
    index = LIBRARY_LEVELS.index(level)
    return LIBRARY_LEVELS[index + 1] if index + 1 < len(LIBRARY_LEVELS) else None


def curates(actor, level: str, region_code: str) -> bool:
    """An official of the library's level whose region is the library's (or holds it)."""
    return actor.is_official and actor.level == level and actor.governs(region_code)


def require_curator(actor, level: str, region_code: str) -> None:
    if not curates(actor, level, region_code):
        raise Forbidden("not_library_curator", None,
                        f"只有{LEVEL_NAMES[level]}项目库所在地区的{LEVEL_NAMES[level]}工作人员可以办理")


def step(status: str, action: str) -> str:
    """The status after `action`, or why the project cannot take it now."""
    allowed, after = STEPS[action]
    if status not in allowed:
        names = "、".join(STATUS_NAMES[s] for s in allowed)
        raise InvalidState("project_status", "status",
                           f"项目当前为“{STATUS_NAMES[status]}”，只有“{names}”时可以进行此步骤")
    return after


def recommendation_target(level: str, status: str) -> str:
    target = next_library(level)
    if target is None:
        raise InvalidState("top_library", "library_level", "省级项目库已是最高一级")
    if status not in ("listed", "promoted"):
        raise InvalidState("project_status", "status", "只有已入库的项目可以向上推荐")
    return target


# ---- matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    entrepreneur_id: str
    name: str
    region_code: str
    skills: tuple[str, ...]
    trades: tuple[str, ...]  # the industries of their enterprises
    capital_fen: int  # what their enterprises have invested
    verified: bool


@dataclass(frozen=True)
class Match:
    entrepreneur_id: str
    name: str
    score: int
    reasons: tuple[str, ...]


def sector_words(sector: str) -> tuple[str, ...]:
    return (sector, *SECTORS.get(sector, ()))


def match(project_place: str, sector: str, investment_fen: int, who: Candidate) -> Match | None:
    """How well a registered entrepreneur fits a project, with the reasons; None if nothing fits."""
    score = 0
    reasons: list[str] = []
    if regions.within(project_place[:9].ljust(12, "0"), who.region_code):
        score, reasons = score + 3, [*reasons, "与项目在同一乡镇"]
    elif regions.within(project_place[:6].ljust(12, "0"), who.region_code):
        score, reasons = score + 2, [*reasons, "与项目在同一县（区）"]
    words = sector_words(sector)
    fits = [s for s in who.skills if any(w in s for w in words)]
    trades = [t for t in who.trades if any(w in t for w in words)]
    if fits:
        score, reasons = score + 3, [*reasons, f"技能对口：{'、'.join(fits)}"]
    if trades:
        score, reasons = score + 3, [*reasons, f"已在同行业经营：{'、'.join(trades)}"]
    if investment_fen and who.capital_fen * 100 >= investment_fen * 30:
        score, reasons = score + 2, [*reasons, "已投入资金达到项目所需的30%以上"]
    if score == 0 or not (fits or trades or score >= 3):
        return None
    if who.verified:
        score += 1
    return Match(who.entrepreneur_id, who.name, score, tuple(reasons))


def rank(matches: list[Match | None]) -> list[Match]:
    return sorted((m for m in matches if m is not None), key=lambda m: (-m.score, m.name))
