"""A bulletin's head as the office prints it: the issuing office, the distribution list and the issue
numbering, from settings (worded for the region the bulletin is for), not from code."""

from __future__ import annotations

from functools import cache

from shared import regions
from shared.settings import ConsultationSettings

BELOW_NAMES = {"province": "市（州）", "city": "县（市、区）", "county": "乡镇（街道）", "township": "村（社区）"}


@cache
def _settings() -> ConsultationSettings:
    return ConsultationSettings()


def place(scope: str) -> str:
    """The region as its office names itself: 四川省, 内江市, 东兴区, 东兴区郭北镇."""
    level = regions.level_of(scope)
    if level in ("province", "city", "county"):
        return regions.name_of(scope)
    return "".join(regions.name_of(part) for part in regions.ancestors(scope)[2:])


def head(scope: str) -> dict:
    """The issuing office and the distribution list, worded for this region."""
    words = {"place": place(scope), "below": BELOW_NAMES.get(regions.level_of(scope), "")}
    settings = _settings()
    return {"place": words["place"], "office": settings.bulletin_office.format(**words),
            "distribution": settings.bulletin_distribution.format(**words)}


def issue_total(issue_no: int) -> int:
    """总第 N 期: the issues printed before this system, then this system's."""
    return _settings().bulletin_issue_base + issue_no
