"""台账导入 on pages (issue 15): upload, the check's report with each bad cell, start, progress, done."""

from __future__ import annotations

from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import CSRF
from tests.factories import entrepreneur_data, roll_csv, wrong_checksum
from tests.support.waiting import eventually


def test_an_official_uploads_the_roll_reads_the_check_and_imports_it(stack, places):
    desk = browser_for(stack, stack.create_user("official", region_code=places.township, level="township"))
    page = desk.get("/records/imports")
    assert page.status_code == 200 and 'href="/records/imports/template.xlsx"' in page.text
    assert desk.get("/records/imports/template.xlsx").content[:2] == b"PK"
    wrong = entrepreneur_data(region_code=places.village)
    wrong["id_number"] = wrong_checksum(wrong["id_number"])
    good = entrepreneur_data(region_code=places.village)
    token = CSRF.search(page.text).group(1)

    refused = desk.http.post(desk.base_url + "/records/imports", data={"csrf_token": token}, allow_redirects=False,
                             files={"file": ("名单.pdf", b"%PDF", "application/pdf")}, timeout=30)
    assert refused.status_code == 422 and "只能导入.xlsx或.csv文件" in refused.text

    uploaded = desk.http.post(desk.base_url + "/records/imports", data={"csrf_token": token}, allow_redirects=False,
                              files={"file": ("双才镇台账.csv", roll_csv([(good, None), (wrong, None)]), "text/csv")},
                              timeout=30)
    assert uploaded.status_code == 303, uploaded.text
    report_path = uploaded.headers["Location"]
    report = desk.get(report_path).text
    assert "双才镇台账.csv" in report and "已核对，待导入" in report
    errors = report[report.index('id="errors"'):]
    assert ">4<" in errors and "身份证号码" in errors and "校验位错误" in errors
    sheet = desk.get(f"{report_path}/errors.csv").content.decode("utf-8-sig")
    assert sheet.splitlines()[1].startswith("4,身份证号码,id_number_checksum")

    started = desk.submit(report_path, {}, f"{report_path}/start")
    assert started.status_code == 303
    eventually(lambda: "已完成" in desk.get(report_path).text, timeout=60, message="import done")
    done = desk.get(report_path).text
    assert "1 人，0 个经营主体" in done and 'http-equiv="refresh"' not in done
