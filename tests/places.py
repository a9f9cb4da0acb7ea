"""Where the tests happen: places named by the part they play, taken from the programme's region list
(shared/regions.json, the statistics bureau's list) instead of codes typed into each module.

The city is the programme's (settings: 内江). Alice lives in the home village, 东兴区郭北镇景坡楼村
(`county`, `township`, `village`), Bob in the other one, 威远县严陵镇新义村 (`other_county`, …): the
two villages are named here once, and their township and county follow from the list. Every other
county of the city is quiet: no shared fixture writes there, and `Places.quiet` hands each to one
module whose figures must be its own (a county's bulletin counts everything in it); in a quiet county
the tests use its last village and that village's township.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import regions
from shared.actors import programme_city

HOME_VILLAGE, OTHER_VILLAGE = "511011101201", "511024100206"  # 景坡楼村 and 新义村


def short(code: str) -> str:
    """A code as the API and the tests write it: 6 digits down to a county, 9 a township, 12 a village."""
    code = regions.normalize(code)
    return code[:max(6, regions.SIGNIFICANT[regions.level_of(code)])]


def listed(level: str, within: str | None = None) -> list[str]:
    """The list's places of one level (inside `within`), in code order."""
    codes = (code for code, _ in regions.local_regions().under(within)) if within else iter(regions.local_regions())
    return sorted(short(code) for code in codes if regions.level_of(code) == level)


@dataclass(frozen=True)
class Area:
    """A county as the tests use it: one township and, where the list has one, a village of it."""

    county: str
    township: str
    village: str | None

    @classmethod
    def of(cls, county: str) -> Area:
        villages = listed("village", county)
        if villages:
            return cls.around(villages[-1])
        return cls(county, listed("township", county)[-1], None)

    @classmethod
    def around(cls, village: str) -> Area:
        township = regions.parent_of(village) or ""
        return cls(short(regions.parent_of(township) or ""), short(township), short(village))

    @property
    def place(self) -> str:
        """Where its people and enterprises are registered: the village, else the township."""
        return self.village or self.township

    @property
    def name(self) -> str:
        return regions.name_of(self.county)


class QuietCountiesTaken(LookupError):
    pass


class Places:
    """The named places of the list, and its quiet counties, each handed to one module."""

    def __init__(self) -> None:
        cities = listed("city")
        self.city = short(programme_city())
        self.province = short(regions.parent_of(self.city) or "")
        self.other_city = next(city for city in cities if city != self.city
                               and regions.within(self.province, city) and listed("county", city))
        home, other = Area.around(HOME_VILLAGE), Area.around(OTHER_VILLAGE)
        areas = [home, other] + [Area.of(county) for county in listed("county", self.city)
                                 if county not in (home.county, other.county)]
        self.home, self.other = home, other
        self.county, self.township, self.village = home.county, home.township, home.village
        self.neighbour_township = [t for t in listed("township", self.county) if t != self.township][-1]
        self.other_county, self.other_township, self.other_village = other.county, other.township, other.village
        self.quiet_areas = [area for area in areas if area not in (home, other)]
        self.holders: dict[Area, str] = {}

    def quiet(self, owner: str, *, village: bool = False) -> Area:
        """A county nobody else writes in, for `owner` alone (one with a village if it needs one).

        A county without villages is given first to whoever needs none, so that those with a
        village stay for the modules that do.
        """
        free = [area for area in self.quiet_areas if area not in self.holders and (area.village or not village)]
        if not free:
            raise QuietCountiesTaken(f"{owner}: every quiet county of the list is taken: {self.holders}")
        area = min(free, key=lambda area: (area.village is not None, area.county))
        self.holders[area] = owner
        return area


PLACES = Places()
