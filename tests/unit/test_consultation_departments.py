"""The department list (部门名录): every spelling of a department comes to its one code, and the
resolution rate by department counts by that code."""

import datetime as dt

import pytest

from services.consultation.domain.department_data import DEPARTMENTS
from services.consultation.domain.departments import (
    Department,
    Directory,
    name_key,
    next_code,
    renamed,
)
from services.consultation.domain.reports import bulletin, in_scope
from services.consultation.handlers.departments import as_read
from shared.errors import Conflict, InvalidInput

SEEDED = Directory(list(DEPARTMENTS))
HRSS = "511000-hrss"


def test_the_two_spellings_of_the_city_hr_bureau_are_one_department():
    for spelled in ("市人社局", "内江市人力资源和社会保障局", "市人力资源和社会保障局", "内江市人社局", HRSS,
                    " 市 人社局 ", "511000-HRSS"):
        assert SEEDED.match(spelled).code == HRSS, spelled


def test_the_departments_the_seeds_name_are_on_the_list():
    for name in ("市财政局", "市发改委", "市农业农村局", "市自然资源和规划局", "市市场监管局", "人民银行内江市分行",
                 "人行内江市中心支行", "市税务局", "市商务局", "市乡村振兴局", "市工商联", "市经信局",
                 "市经济和信息化局", "东兴区人社局", "资中县人民政府", "隆昌市人民政府", "市中区人民政府"):
        assert SEEDED.match(name) is not None, name


def test_every_seeded_name_belongs_to_one_department_and_every_code_is_well_formed():
    names = [name_key(n) for d in DEPARTMENTS for n in d.names]
    assert len(names) == len(set(names))
    assert len({d.code for d in DEPARTMENTS}) == len(DEPARTMENTS)
    assert all(d.level in ("city", "county") and len(d.region_code) == 6 for d in DEPARTMENTS)


def test_full_width_brackets_and_spaces_do_not_make_another_department():
    clinic = Department("511000-x1", "内江市某中心（站）", "市某站", "city", "511000")
    assert Directory([clinic]).match("内江市某中心(站)") == clinic


def test_an_unknown_department_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        SEEDED.pick("市某某局", "lead_department")
    assert (refused.value.code, refused.value.field) == ("department_unknown", "lead_department")
    assert "市某某局" in refused.value.message


def test_a_retired_department_is_refused_for_new_decisions_but_still_names_old_ones():
    retired = Department("511000-rural", "内江市乡村振兴局", "市乡村振兴局", "city", "511000", active=False)
    known = Directory([retired])
    with pytest.raises(InvalidInput) as refused:
        known.pick("市乡村振兴局", "co_departments")
    assert (refused.value.code, refused.value.field) == ("department_retired", "co_departments")
    assert known.name_of(None, "市乡村振兴局") == "内江市乡村振兴局"
    assert known.active() == []


def test_each_co_operating_department_once_and_never_the_lead():
    lead = SEEDED.pick("市人社局", "lead_department")
    helping = SEEDED.pick_all(["市财政局", "内江市财政局", "市人力资源和社会保障局", "东兴区人社局"], "co_departments",
                              leaving_out=lead)
    assert [d.code for d in helping] == ["511000-finance", "511011-hrss"]


def test_a_rename_keeps_the_old_name_as_an_alias():
    bank = SEEDED.get("511000-pbc")
    again = renamed(bank, name="中国人民银行内江分行", short_name="人行内江分行")
    assert again.name == "中国人民银行内江分行" and again.code == bank.code
    assert {"中国人民银行内江市分行", "人民银行内江市分行", *bank.aliases} <= set(again.aliases)
    assert Directory([again]).match("人民银行内江市分行").code == "511000-pbc"
    back = renamed(again, name="中国人民银行内江市分行")
    assert "中国人民银行内江市分行" not in back.aliases and "中国人民银行内江分行" in back.aliases


def test_a_name_another_department_goes_by_is_refused():
    taken = Department("511000-x2", "内江市人力资源服务中心", "市人社局", "city", "511000")
    with pytest.raises(Conflict) as refused:
        SEEDED.require_names_free(taken)
    assert (refused.value.code, refused.value.field, refused.value.details) == (
        "department_name_taken", "short_name", {"code": HRSS})
    SEEDED.require_names_free(SEEDED.get(HRSS))  # its own names are its own


def test_a_department_added_without_a_code_gets_the_regions_next_number():
    assert next_code("511011", ["511011-gov", "511011-01"]) == "511011-02"


def test_stored_departments_read_by_their_list_name_and_old_free_text_finds_its_code():
    names, codes = as_read(SEEDED, [None, "511000-finance"], ["市人力资源和社会保障局", "市财政局（旧写法）"])
    assert names == ["内江市人力资源和社会保障局", "内江市财政局"] and codes == [HRSS, "511000-finance"]
    assert as_read(SEEDED, [], ["某某协会"]) == (["某某协会"], [None])


def _item(difficulty: str, code: str | None, name: str, closed: bool) -> dict:
    return {"difficulty_id": difficulty, "region_code": "511011101201", "status": "closed" if closed else "open",
            "closed_on": dt.date(2025, 6, 20) if closed else None, "lead_department": name,
            "lead_department_code": code, "quarter": "2025Q2"}


def test_the_rate_by_department_counts_by_code_whatever_the_spelling():
    items = [_item("d1", HRSS, "内江市人力资源和社会保障局", True), _item("d2", HRSS, "市人社局", False),
             _item("d3", None, "某某协会", True)]
    figures = bulletin([], "2025Q2", "511000", in_scope("511000"), items, None, dt.date(2025, 7, 1), True)
    assert figures["resolutions"]["by_department"] == [
        {"department": "内江市人力资源和社会保障局", "department_code": HRSS, "total": 2, "closed": 1, "rate": "50.0"},
        {"department": "某某协会", "department_code": None, "total": 1, "closed": 1, "rate": "100.0"}]
