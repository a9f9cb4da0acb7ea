"""Region pickers: county → township → village, one select a level, folded back into the field's own name.

A picker for `region_code` posts `region_code.county`, `region_code.township`, `region_code.village`;
`picked` turns them into `region_code` (the deepest choice that hangs under the one above it). Without
JavaScript the next level's options come with the page: 显示下一级 (or a choice that stops above the
level the form needs) shows the form again, as filled, with the next select ready. With site.js a
choice fills the next select at once from GET /api/v1/regions.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from shared import regions
from shared.actors import Actor, programme_city
from shared.errors import InvalidInput

NEXT = "_pick"  # the name of the 显示下一级 button
LABELS = {"city": "市（州）", "county": "县（市、区）", "township": "乡镇（街道）", "village": "村（社区）"}


@dataclass(frozen=True)
class Scope:
    """Where a picker starts (`root`, which is not asked for) and the level a choice must reach."""

    root: str
    needs: str | None = "township"  # None: any level will do, or none (a filter)
    start: str | None = None  # shown chosen while the field is empty (the programme's city)


@dataclass(frozen=True)
class Level:
    level: str
    field: str
    label: str
    options: list[tuple[str, str]]
    chosen: str
    optional: bool
    prompt: str  # the blank option's text
    waiting: str  # its text while the level above is not chosen


@dataclass(frozen=True)
class RegionPicker:
    field: str
    root: str
    levels: tuple[Level, ...]

    @property
    def fixed(self) -> bool:
        """Nothing below the root to choose: the root is the answer (a village official's own village)."""
        return not self.levels


def own_area(actor: Actor) -> Scope:
    """An official chooses in their own region and below; an entrepreneur anywhere in the province,
    whose every city runs its programme here (the programme's city shown first)."""
    if actor.is_official and actor.region_code:
        return Scope(regions.normalize(actor.region_code))
    return the_province()


def the_province() -> Scope:
    """A household may be anywhere in the list: its city is asked too, the programme's shown first."""
    city = programme_city()
    return Scope(regions.parent_of(city) or city, start=city)


def levels_below(root: str) -> list[str]:
    return list(regions.LEVELS[regions.LEVELS.index(regions.level_of(root)) + 1:])


def chain(root: str, value: str | None) -> list[str]:
    """The codes from below `root` down to `value`, or nothing when `value` is not a place under it."""
    try:
        code = regions.check_known(value or "")
    except InvalidInput:
        return []
    if not regions.within(root, code) or code == root:
        return []
    return [part for part in regions.ancestors(code) if regions.within(root, part) and part != root]


def build(field: str, scope: Scope, value: str | None) -> RegionPicker:
    chosen = chain(scope.root, value) or chain(scope.root, scope.start)
    levels: list[Level] = []
    parent = scope.root
    for index, level in enumerate(levels_below(scope.root)):
        code = chosen[index] if index < len(chosen) else ""
        options = regions.children_of(parent) if parent else []
        if code and code not in dict(options):  # a retired code a record still carries
            options = [*options, (code, f"{regions.name_of(code)}（原代码）")]
        optional = scope.needs is None or regions.LEVELS.index(level) > regions.LEVELS.index(scope.needs)
        prompt = f"全部{LABELS[level]}" if scope.needs is None else f"不选{LABELS[level]}" if optional else "请选择"
        waiting = f"请先选择{levels[-1].label}" if levels else prompt
        levels.append(Level(level, f"{field}.{level}", LABELS[level], options, code, optional, prompt, waiting))
        parent = code
    return RegionPicker(field, scope.root, tuple(levels))


def deepest(form, field: str, root: str) -> str:
    """The last choice that hangs under the one above it: a stale township under a new county stops there."""
    parent = root
    for level in levels_below(root):
        code = form.get(f"{field}.{level}", "").strip()
        if not code.isdigit() or len(code) not in (6, 9, 12) or regions.parent_of(code) != parent:
            break
        if not (regions.is_current(code) or code.ljust(12, "0") in regions.retired_regions()):
            break
        parent = regions.normalize(code)
    return parent


def picked(form, scopes: dict[str, Scope]) -> tuple[MultiDict, dict[str, str] | None]:
    """The form with each picker folded into its field, and what to say when the user is still choosing
    (None: the form is ready to submit). A form that posts the field itself (the API's way) is kept."""
    values = MultiDict(form)
    pending: dict[str, str] | None = {} if form.get(NEXT) else None
    for field, scope in scopes.items():
        if not any(f"{field}.{level}" in form for level in levels_below(scope.root)):
            continue
        code = deepest(form, field, scope.root)
        if code == scope.root:  # nothing chosen: the root is the answer only where it is deep enough
            values.setlist(field, [code if scope.needs and reaches(code, scope.needs) else ""])
            continue
        values.setlist(field, [code])
        if not reaches(code, scope.needs) and not form.get(NEXT):
            pending = pending or {}
            pending[field] = f"请继续选择{LABELS[regions.LEVELS[regions.LEVELS.index(regions.level_of(code)) + 1]]}"
    return values, pending


def reaches(code: str, needs: str | None) -> bool:
    return needs is None or regions.LEVELS.index(regions.level_of(code)) >= regions.LEVELS.index(needs)


def pickers(values, scopes: dict[str, Scope]) -> dict[str, RegionPicker]:
    return {field: build(field, scope, values.get(field)) for field, scope in scopes.items()}


def person_scopes(actor: Actor) -> dict[str, Scope]:
    return {"household_region_code": the_province(), "region_code": own_area(actor)}


def place_scopes(actor: Actor) -> dict[str, Scope]:
    return {"region_code": own_area(actor)}


def filter_scope() -> Scope:
    """A list's filter: any level of the programme's city, or none."""
    return Scope(programme_city(), needs=None)


def status_of(choosing: dict[str, str]) -> int:
    """200 for 显示下一级; 422 when a submitted choice stopped above the level the form needs."""
    return 422 if choosing else 200
