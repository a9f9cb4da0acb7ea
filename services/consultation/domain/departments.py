"""The department list (部门名录): one code for each department, whichever of its names a record spells.

Plain Python. A department is known by its full name, its short name (简称) and its former names or
other spellings (aliases); a name is compared without spaces and with full-width letters, digits and
brackets made plain, so "市人社局" and "市 人社局" are one department and "市人社局" and "内江市人社局"
are one when the list says so. Every name belongs to one department only, retired ones included: a
retired department still names the resolutions it led.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from shared.errors import Conflict, InvalidInput

CODE = re.compile(r"[0-9a-z][0-9a-z-]{1,39}")
LEVEL_NAMES = {"city": "市级", "county": "县（市、区）级"}


def name_key(text: str) -> str:
    """A name as it is compared: NFKC (full-width forms made plain), without any white space."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    short_name: str
    level: str  # city | county
    region_code: str  # 6 digits
    aliases: tuple[str, ...] = ()
    active: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.short_name, *self.aliases)

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "short_name": self.short_name, "aliases": list(self.aliases),
                "level": self.level, "level_name": LEVEL_NAMES.get(self.level, self.level),
                "region_code": self.region_code, "active": self.active}


def renamed(department: Department, *, name: str | None = None, short_name: str | None = None,
            aliases: Iterable[str] | None = None, **other) -> Department:
    """The department under new names; a name it gives up stays among its aliases (old records spell it)."""
    name, short_name = name or department.name, short_name or department.short_name
    given_up = [old for old in (department.name, department.short_name) if old not in (name, short_name)]
    kept: dict[str, str] = {}
    for alias in [*(department.aliases if aliases is None else aliases), *given_up]:
        if name_key(alias) not in (name_key(name), name_key(short_name)):
            kept.setdefault(name_key(alias), alias)
    return replace(department, name=name, short_name=short_name, aliases=tuple(kept.values()), **other)


@dataclass
class Directory:
    """The list as a lookup: by code, and by any name of any department."""

    departments: list[Department] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_code = {d.code: d for d in self.departments}
        self.by_name = {name_key(n): d for d in self.departments for n in d.names}

    def get(self, code: str | None) -> Department | None:
        return self.by_code.get(code or "")

    def match(self, text: str) -> Department | None:
        """The department this code or name stands for (an exact name, short name or alias), or None."""
        text = (text or "").strip()
        return self.by_code.get(text.lower()) or self.by_name.get(name_key(text))

    def active(self) -> list[Department]:
        return [d for d in self.departments if d.active]

    def pick(self, text: str, field: str) -> Department:
        """The active department a form or client names by code or name; anything else is refused by field."""
        found = self.match(text)
        if found is None:
            raise InvalidInput("department_unknown", field,
                               f"部门名录中没有“{text}”，请从名录中选择（如需新增，请联系管理员）")
        if not found.active:
            raise InvalidInput("department_retired", field, f"“{found.name}”已停用，请从名录中选择现有部门")
        return found

    def pick_all(self, texts: Iterable[str], field: str, leaving_out: Department | None = None) -> list[Department]:
        """Each named department once, in the order named (without `leaving_out`: a lead is no co-operator)."""
        picked: dict[str, Department] = {}
        for text in texts:
            found = self.pick(text, field)
            if found != leaving_out:
                picked.setdefault(found.code, found)
        return list(picked.values())

    def name_of(self, code: str | None, text: str) -> str:
        """How a stored department reads now: its list name when it has a code or a name matches, else as written."""
        found = self.get(code) or self.match(text)
        return found.name if found else text

    def code_of(self, code: str | None, text: str) -> str | None:
        found = self.get(code) or self.match(text)
        return found.code if found else None

    def require_names_free(self, department: Department) -> None:
        """Refuse a name that another department already goes by (the list must read one way)."""
        for name in department.names:
            other = self.by_name.get(name_key(name))
            if other is not None and other.code != department.code:
                raise Conflict("department_name_taken", "name" if name == department.name else (
                    "short_name" if name == department.short_name else "aliases"),
                    f"“{name}”已是部门名录中“{other.name}”（{other.code}）的名称", details={"code": other.code})
        keys = [name_key(n) for n in department.names]
        if keys[0] == "" or keys[1] == "":
            raise InvalidInput("department_name_required", "name", "请填写部门全称和简称")


def next_code(region_code: str, taken: Iterable[str]) -> str:
    """A code for a department the administrator adds without one: the region's code and the next number."""
    used = set(taken)
    number = 1
    while f"{region_code}-{number:02d}" in used:
        number += 1
    return f"{region_code}-{number:02d}"
