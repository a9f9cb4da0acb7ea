"""Administrative divisions (GB/T 2260 and the 12-digit statistical codes); jurisdiction by prefix.

Codes are kept as 12 digits: province 2, city 4, county 6, township 9 and village 12 significant
digits. The province's divisions, down to villages, come from `regions.json`, generated from the
statistics bureau's list (guiyan/regions_build.py, `make regions`); its `retired` codes still name
stored records but are offered nowhere. Other county-level names come from python-stdnum's list.

The list is held compactly (`Divisions`): the sorted codes as one array of integers and the names
as one string, found by bisection. A province's 38,000 divisions take about 1 MB of arrays and
string this way (3.4 MB resident with their loading); as a dict of strings they took 7.7 MB more.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import stdnum

from shared.errors import InvalidInput

LEVELS = ("province", "city", "county", "township", "village")
MUNICIPALITIES = ("11", "12", "31", "50")  # 北京, 天津, 上海, 重庆: province and city at once
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


class Divisions(Mapping[str, str]):
    """Divisions by 12-digit code, sorted, in two arrays and one string (read-only)."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        """`entries` are consumed one at a time into the arrays (a list of 38,000 pairs first was
        7 MB at its peak, and what a process's heap has held once it mostly keeps); a list that is
        not in code order is put in order afterwards."""
        codes, ends, names = array("q"), array("I"), io.StringIO()
        end, ordered = 0, True
        for code, name in entries:
            number = int(code)
            ordered = ordered and (not codes or codes[-1] < number)
            codes.append(number)
            end += names.write(name)
            ends.append(end)
        self._codes, self._ends, self._names = codes, ends, names.getvalue()
        if not ordered:
            self._put_in_order()

    def _put_in_order(self) -> None:
        order = sorted(range(len(self._codes)), key=self._codes.__getitem__)
        names = [self._name(at) for at in order]
        self._codes = array("q", (self._codes[at] for at in order))
        self._names = "".join(names)
        self._ends = array("I", accumulate(len(name) for name in names))

    def _index(self, code: str) -> int | None:
        if not code.isdigit():
            return None
        number = int(code)
        at = bisect.bisect_left(self._codes, number)
        return at if at < len(self._codes) and self._codes[at] == number else None

    def _name(self, at: int) -> str:
        return self._names[self._ends[at - 1] if at else 0:self._ends[at]]

    def __getitem__(self, code: str) -> str:
        at = self._index(code)
        if at is None:
            raise KeyError(code)
        return self._name(at)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self._index(code) is not None

    def __iter__(self) -> Iterator[str]:
        return (f"{number:012d}" for number in self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def size_in_bytes(self) -> int:
        """What the list holds in memory: its two arrays and its one string of names."""
        return sys.getsizeof(self._codes) + sys.getsizeof(self._ends) + sys.getsizeof(self._names)

    def under(self, code: str) -> Iterator[tuple[str, str]]:
        """The divisions inside a region (itself included), in code order."""
        prefix = jurisdiction_prefix(code)
        width = 12 - len(prefix)
        low, high = int(prefix) * 10 ** width, (int(prefix) + 1) * 10 ** width
        for at in range(bisect.bisect_left(self._codes, low), bisect.bisect_left(self._codes, high)):
            yield f"{self._codes[at]:012d}", self._name(at)


ENTRY = re.compile(r'^"(\d+)":("(?:[^"\\]|\\.)*")')  # one division a line, as the generator writes it


def _entries() -> Iterator[tuple[str, str, str]]:
    """(section, code, name) of the file, read line by line (never as one dict of everything: its
    peak would stay in the heap)."""
    section = None
    with Path(__file__).with_name("regions.json").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(('"divisions"', '"retired"')):
                section = line[1:line.index('"', 1)]
            if section is not None and (found := ENTRY.match(line.rpartition("{")[2])):
                code, quoted = found.groups()
                yield section, code.ljust(12, "0"), json.loads(quoted) if "\\" in quoted else quoted[1:-1]


@lru_cache(maxsize=1)
def _listed() -> dict[str, Divisions]:
    """Both sections in one pass over the file: the divisions straight into their arrays, the few
    retired codes kept aside until it ends."""
    retired: list[tuple[str, str]] = []

    def divisions() -> Iterator[tuple[str, str]]:
        for section, code, name in _entries():
            if section == "divisions":
                yield code, name
            else:
                retired.append((code, name))

    listed = Divisions(divisions())
    return {"divisions": listed, "retired": Divisions(retired)}


@lru_cache(maxsize=1)
def _nationwide() -> tuple[dict[str, str], Divisions]:
    """python-stdnum's list of the country's county-level codes since 1980 (`cn/loc.dat`: a province
    per line, its codes indented under it): the provinces' names, and each 6-digit code with its
    latest name (`[-1991]东郊区,[1992-]东丽区` is 东丽区). Read into one `Divisions` rather than
    through `stdnum.numdb`, whose tree of dicts took 3.7 MB of each process that checked a resident
    ID."""
    provinces: dict[str, str] = {}
    counties: list[tuple[str, str]] = []
    province = ""
    with (Path(stdnum.__file__).parent / "cn" / "loc.dat").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            code, _, value = line.strip().partition(" ")
            name = value.partition("=")[2].strip('"').split("]")[-1].split(",")[-1]
            if not line.startswith(" "):
                province, provinces[code] = code, name
            else:
                counties.append(((province + code).ljust(12, "0"), name))
    return provinces, Divisions(counties)


def county_code_exists(code: str) -> bool:
    """True if the 6-digit code is a current or historical county-level code anywhere in the country
    (a resident ID's first six digits)."""
    return code.isdigit() and len(code) == 6 and code.ljust(12, "0") in _nationwide()[1]


def local_regions() -> Divisions:
    """The province's current divisions, by 12-digit code."""
    return _listed()["divisions"]


def retired_regions() -> Divisions:
    """Codes that an earlier list held: stored records still carry them."""
    return _listed()["retired"]


def is_current(code: str) -> bool:
    return normalize(code) in local_regions()


def name_of(code: str) -> str:
    code = normalize(code)
    if (name := local_regions().get(code) or retired_regions().get(code)) is not None:
        return name
    level = level_of(code)
    if level in ("province", "city", "county"):
        provinces, counties = _nationwide()
        # python-stdnum lists a city among its county-level codes (440300: 深圳市); a municipality's
        # city level (北京市 110100, 市辖区) is the municipality itself; a code it does not list is none
        if level == "province" or (level == "city" and code[:2] in MUNICIPALITIES):
            return provinces.get(code[:2], code)
        return counties.get(code[:6].ljust(12, "0"), code)
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


def check_city(code: str, field: str = "city") -> str:
    """A normalised code that names a known city (prefecture): what is each city's own (its books,
    its partner banks, its local holidays) is asked for by a city's code."""
    code = check_known(code, field)
    if level_of(code) != "city":
        raise InvalidInput("city_level", field, "请选择一个市（州），填写市（州）的代码（如 511000）")
    return code


@lru_cache(maxsize=2048)
def children_of(code: str) -> list[tuple[str, str]]:
    """Current divisions one level below, in code order, for pickers."""
    parent = normalize(code)
    return [(child, name) for child, name in local_regions().under(parent)
            if child != parent and parent_of(child) == parent]


@lru_cache(maxsize=1)
def roots() -> list[tuple[str, str]]:
    """The list's top divisions (its provinces)."""
    return [(code, name) for code, name in local_regions().items() if level_of(code) == "province"]
