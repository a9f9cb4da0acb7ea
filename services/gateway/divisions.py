"""The division list as the API answers it: one level at a time, for the region pickers of every form."""

from __future__ import annotations

from pydantic import Field, field_validator

from shared import regions
from shared.errors import NotFound
from shared.fields import Model, Strict

CACHE = "public, max-age=3600"  # the list changes with a release, never with who asks


class RegionQuery(Strict):
    parent: str | None = Field(default=None, max_length=12,
                               description="6、9或12位行政区划代码；不填为列表的省级")

    @field_validator("parent")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        return regions.check_known(value, "parent") if value else None


class RegionRead(Model):
    code: str = Field(description="12位统计用区划代码")
    name: str
    level: str = Field(description="province、city、county、township 或 village")


class RegionList(Model):
    parent: RegionRead | None
    items: list[RegionRead]


def read(code: str, name: str | None = None) -> dict:
    return {"code": code, "name": name or regions.name_of(code), "level": regions.level_of(code)}


def region_list(query: dict) -> dict:
    """The divisions one level below `parent` (the list's provinces without one)."""
    parent = query.get("parent")
    if parent is None:
        return {"parent": None, "items": [read(code, name) for code, name in regions.roots()]}
    if not regions.is_current(parent):
        raise NotFound("region_not_listed", "parent", "该地区不在本系统的行政区划列表中，无法列出下级")
    return {"parent": read(parent), "items": [read(code, name) for code, name in regions.children_of(parent)]}
