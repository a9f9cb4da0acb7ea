"""Administrative divisions (GB/T 2260 and the 12-digit statistical codes); jurisdiction by prefix.

Codes are kept as 12 digits: province 2, city 4, county 6, township 9 and village 12 significant
digits. The programme's cities, down to villages, come from `regions.json`, generated from the
statistics bureau's list (guiyan/regions_build.py, `make regions`); its `retired` codes still name
stored records but are offered nowhere. Other county-level names come from python-stdnum's list.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from stdnum import numdb

from shared.errors import InvalidInput

LEVELS = ("province", "city", "county", "township", "village")
SIGNIFICANT = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县（区）", "township": "乡镇", "village": "村"}


def normalize(code: str, field: str = "region_code") -> str:
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise InvalidInput("region_code_format", field, "行政区划代码应为6位、9位或12位数字")
    return code.ljust(12, "0")


def level_of(code: str) -> str:
    code = normalize(code)
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def jurisdiction_prefix(code: str) -> str:
    """The prefix that every code inside this region starts with."""
    code = normalize(code)
    return code[: SIGNIFICANT[level_of(code)]]


def within(region: str, candidate: str) -> bool:
    """True when `candidate` lies in `region` (or is it)."""
    return normalize(candidate).startswith(jurisdiction_prefix(region))


def city_of(code: str) -> str | None:
    """The city a region lies in (itself for a city); None for a province."""
    code = normalize(code)
    return None if level_of(code) == "province" else code[:SIGNIFICANT["city"]].ljust(12, "0")


def parent_of(code: str) -> str | None:
    level = level_of(code)
    index = LEVELS.index(level)
    if index == 0:
        return None
    return jurisdiction_prefix(code)[: SIGNIFICANT[LEVELS[index - 1]]].ljust(12, "0")


def ancestors(code: str) -> list[str]:
    """From the province down to the region itself."""
    chain = [normalize(code)]
    while (parent := parent_of(chain[0])) is not None:
        chain.insert(0, parent)
    return chain


@lru_cache(maxsize=1)
def _listed() -> dict[str, dict[str, str]]:
    data = json.loads((Path(__file__).with_name("regions.json")).read_text(encoding="utf-8"))
    return {section: {normalize(code): name for code, name in data[section].items()}
            for section in ("divisions", "retired")}


def local_regions() -> dict[str, str]:
    """The programme's current divisions, by 12-digit code."""
    return _listed()["divisions"]


def retired_regions() -> dict[str, str]:
    """Codes that an earlier list held: stored records still carry them."""
    return _listed()["retired"]


def is_current(code: str) -> bool:
    return normalize(code) in local_regions()


def name_of(code: str) -> str:
    code = normalize(code)
    if (name := local_regions().get(code) or retired_regions().get(code)) is not None:
        return name
    if level_of(code) in ("province", "city", "county"):
        results = numdb.get("cn/loc").info(code[:6])
        props = {k: v for _, p in results for k, v in p.items()}
        for key in {"province": ("province",), "city": ("prefecture", "province"),
                    "county": ("county",)}[level_of(code)]:
            if key in props:
                return props[key].split("]")[-1].split(",")[-1]
    return code


@lru_cache(maxsize=4096)  # asked for every row of every list
def full_name(code: str) -> str:
    """e.g. 四川省内江市东兴区."""
    return "".join(name_of(part) for part in ancestors(code)[0:])


def check_known(code: str, field: str = "region_code") -> str:
    """A normalised code that names a known division."""
    code = normalize(code, field)
    if name_of(code) == code:
        raise InvalidInput("region_code_unknown", field, "未知的行政区划代码")
    return code


def children_of(code: str) -> list[tuple[str, str]]:
    """Current divisions one level below, in code order, for pickers."""
    return _children().get(normalize(code), [])


@lru_cache(maxsize=1)
def _children() -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for child, name in sorted(local_regions().items()):
        parent = parent_of(child)
        if parent is not None:
            index.setdefault(parent, []).append((child, name))
    return index
