"""Reading an office's roll (shared/roll.py): the usual mess taken, what is really wrong refused with
its line, its column as the file names it, and the rule."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from shared import roll
from shared.errors import InvalidInput
from tests.factories import credit_code, resident_id, wrong_checksum
from tests.places import PLACES

HEADER = ["序号", "姓名", "身份证号", "手机号", "所在乡镇", "返乡时间", "学历", "人员类型", "企业名称", "统一社会信用代码",
          "主体类型", "行业", "成立时间", "投资额（万元）", "带动就业人数", "金融联络员", "金融联络员电话"]


def workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["东兴区双才镇返乡创业人员台账"])
    sheet.merge_cells("A1:Q1")  # the title row above the header, as offices keep it
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_roll_with_a_title_row_dates_as_dates_and_full_width_digits():
    number, code = resident_id(), credit_code(PLACES.county)
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = workbook([1, " 陈 秀英 ", wide, "138 0000 1234", "东兴区双才镇", dt.datetime(2024, 3, 1), "中专", "返乡农民工、脱贫户",
                     "秀英柑橘合作社", code.lower(), "合作社", "种植业", "2024年6月18日", 50.0, 12.0, "周金融", "13900000001"])
    headers, (row,) = roll.read("台账.xlsx", data)
    assert row.errors == [] and row.line == 3
    person, firm = row.entrepreneur, row.enterprise
    assert (person["name"], person["id_number"], person["phone"]) == ("陈秀英", number, "13800001234")
    assert person["region_code"] == "511011107000" and person["return_date"] == "2024-03-01"
    assert person["education"] == "vocational"
    assert person["categories"] == ["returnee_migrant_worker", "lifted_out_of_poverty"]
    assert (firm["credit_code"], firm["kind"], firm["founded_on"]) == (code, "cooperative", "2024-06-18")
    assert firm["investment_yuan"] == "500000" and firm["headcount"] == 12
    assert row.liaisons["liaisons"][0]["name"] == "周金融"
    assert headers["id_number"] == "身份证号"


def test_what_is_really_wrong_is_refused_by_line_and_the_files_own_column():
    good = resident_id()
    rows = [[1, "张三", wrong_checksum(resident_id()), "13800000001", "双才镇"],
            [2, "李四", good, "1380000", "不知道镇"],
            [3, "王五", good, "13800000003", "双才镇", "2024-13-40"]]
    _, checked = roll.read("台账.xlsx", workbook(*rows))
    found = {(e["line"], e["column"], e["code"]) for row in checked for e in row.errors}
    assert (3, "身份证号", "id_number_checksum") in found
    assert (4, "手机号", "phone_format") in found and (4, "所在乡镇", "region_unknown") in found
    assert (5, "返乡时间", "date_invalid") in found
    assert all(row.entrepreneur is None for row in checked)


def test_a_csv_saved_by_excel_in_china_is_gbk_and_a_person_on_two_lines_is_refused_the_second_time():
    number = resident_id()
    text = f"姓名,身份证号码,联系电话,所在乡镇\n张三,{number},13800000001,双才镇\n张三,{number},13800000001,双才镇\n"
    _, (first, second) = roll.read("台账.csv", text.encode("gb18030"))
    assert first.errors == [] and first.entrepreneur["region_code"] == "511011107000"
    assert [e["code"] for e in second.errors] == ["id_number_repeated"] and "第2行" in second.errors[0]["message"]


def test_a_file_without_the_header_or_of_another_kind_says_so():
    with pytest.raises(InvalidInput) as missing:
        roll.read("台账.csv", "名字,年龄\n张三,40\n".encode())
    assert missing.value.code == "header_not_found" and "身份证号码" in missing.value.message
    with pytest.raises(InvalidInput) as kind:
        roll.read("台账.doc", b"x")
    assert kind.value.code == "file_type"


def test_places_are_found_by_their_names_at_any_depth():
    assert roll.place_code("双才镇") == "511011107000"
    assert roll.place_code("内江市东兴区郭北镇景坡楼村") == "511011101201"
    assert roll.place_code("双才镇二八村") == "511011107201"
    assert roll.place_code("东兴区") == "511011000000"
    assert roll.place_code("火星镇") is None


def test_places_in_words_are_looked_for_in_the_importing_offices_city():
    assert roll.place_code("游仙区石马镇石锣村") is None  # 绵阳's: not a place of 内江, the default
    assert roll.place_code("游仙区石马镇石锣村", "510700") == "510704101201"
    assert roll.place_code("双才镇", "510700") is None
    row = roll.check(2, {"name": "李建国", "id_number": "x", "phone": "1", "region": "石马镇石锣村"}, {}, "510700000000")
    assert row.entrepreneur is None and "region_unknown" not in {error["code"] for error in row.errors}


def test_the_template_example_is_a_good_row():
    data = "\n".join(",".join(line) for line in (roll.TEMPLATE, roll.TEMPLATE_EXAMPLE)).encode()
    _, (row,) = roll.read("模板.csv", data)
    assert row.errors == [] and row.enterprise["credit_code"] == "93511011MA6CQ8R50B" and row.liaisons
