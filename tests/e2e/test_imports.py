"""An office's roll imported (issue 15): checked first (every bad cell with its line, column and rule,
the people already registered counted), then imported with the usual events, once: the same file
again creates nothing twice."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.borrowers import finance_knows
from tests.factories import (
    credit_code,
    enterprise_data,
    entrepreneur_data,
    roll_csv,
    wrong_checksum,
)
from tests.stack import PASSWORD
from tests.support.waiting import eventually


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


@pytest.fixture(scope="module")
def office(stack, places):
    def official(region, level):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    return {"township": official(places.township, "township"), "county": official(places.county, "county"),
            "other_county": official(places.other_county, "county"),
            "entrepreneur": stack.client(stack.create_user("entrepreneur")),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "admin": stack.client(stack.create_user("admin"))}


def upload(client, data: bytes, name: str = "台账.csv", dry_run: bool = True):
    return client.post("/api/v1/imports", files={"file": (name, data, "text/csv")},
                       data={"dry_run": "true" if dry_run else "false"})


def finished(client, import_id: str) -> dict:
    eventually(lambda: client.get(f"/api/v1/imports/{import_id}").json()["status"] == "done", timeout=60,
               message=f"import {import_id} done")
    return client.get(f"/api/v1/imports/{import_id}").json()


def test_a_roll_is_checked_then_imported_once_with_its_events(stack, office, places):
    township = office["township"]
    known = entrepreneur_data(region_code=places.village)
    assert township.post("/api/v1/entrepreneurs", json=known).status_code == 201
    good = [(entrepreneur_data(region_code=places.village), enterprise_data(
        region_code=places.village, credit_code=credit_code(places.village))) for _ in range(2)]
    alone = entrepreneur_data(region_code=places.village)
    bad_id = entrepreneur_data(region_code=places.village)
    bad_id["id_number"] = wrong_checksum(bad_id["id_number"])
    outside = entrepreneur_data(region_code=places.other_village)
    twin = dict(good[0][0])
    outside_firm = enterprise_data(region_code=places.other_village, credit_code=credit_code(places.other_village))
    data = roll_csv([*good, (alone, None), (bad_id, None), (outside, outside_firm), (known, None), (twin, None)])

    checked = upload(township, data)
    assert checked.status_code == 201, checked.text
    report = checked.json()
    assert report["status"] == "checked"
    assert (report["total_rows"], report["invalid_rows"], report["already_registered"]) == (7, 3, 1)
    by_line = {(e["line"], e["column"], e["code"]) for e in report["errors"]}
    # the title row is line 1 and the header line 2: the roll's people start on line 3
    assert (6, "身份证号码", "id_number_checksum") in by_line
    assert (7, "所在乡镇", "region_outside_jurisdiction") in by_line
    assert len([e for e in report["errors"] if e["line"] == 7]) == 1  # the person's place, and so the firm's, once
    assert (9, "身份证号码", "id_number_repeated") in by_line
    sheet = township.get(f"/api/v1/imports/{report['id']}/errors.csv")
    assert sheet.status_code == 200 and "身份证号码校验位错误" in sheet.content.decode("utf-8-sig")

    started = township.post(f"/api/v1/imports/{report['id']}/start")
    assert started.status_code == 200 and started.json()["status"] in ("importing", "done")
    done = finished(township, report["id"])
    assert (done["created_people"], done["created_firms"], done["processed_rows"]) == (3, 2, 4)
    person = township.get("/api/v1/entrepreneurs", params={"q": good[0][0]["id_number"]}).json()["items"][0]
    assert person["name"] == good[0][0]["name"] and person["status"] == "registered" and not person["claimed"]
    finance_knows(stack, "known_entrepreneurs", person["id"])  # published as a registration is

    # the same file again, imported at once: nothing twice
    again = upload(township, data, dry_run=False)
    assert again.status_code == 201
    repeat = finished(township, again.json()["id"])
    assert repeat["already_registered"] == 4 and (repeat["created_people"], repeat["created_firms"]) == (0, 0)


def test_a_file_the_roll_reader_cannot_take_says_why(office):
    township = office["township"]
    assert code(upload(township, "姓名,年龄\n张三,40\n".encode(), "名单.csv")) == (422, "header_not_found")
    assert code(upload(township, b"PK\x03\x04 not really", "台账.xlsx")) == (422, "file_unreadable")
    assert code(upload(township, b"x", "台账.pdf")) == (422, "file_type")


def test_importing_is_for_officials(office):
    data = roll_csv([(entrepreneur_data(), None)])
    for who in ("entrepreneur", "bank", "admin"):
        assert code(upload(office[who], data)) == (403, "role_not_allowed"), who
        assert office[who].get("/api/v1/imports/template.xlsx").status_code == 403, who
    template = office["county"].get("/api/v1/imports/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_an_import_is_seen_and_started_only_in_its_region(office, places):
    made = upload(office["township"], roll_csv([(entrepreneur_data(region_code=places.village), None)])).json()
    path = f"/api/v1/imports/{made['id']}"
    for who in ("other_county", "entrepreneur", "bank", "admin"):
        assert code(office[who].get(path)) == (404, "import_not_found"), who
        assert code(office[who].get(f"{path}/errors.csv")) == (404, "import_not_found"), who
        assert code(office[who].post(f"{path}/start")) == (404, "import_not_found"), who
        assert made["id"] not in {item["id"] for item in office[who].get("/api/v1/imports").json()["items"]}, who
    assert made["id"] in {item["id"] for item in office["county"].get("/api/v1/imports").json()["items"]}
    assert office["county"].post(f"{path}/start").status_code == 200


def test_guiyan_import_checks_and_imports_a_file_as_the_page_does(stack, places, tmp_path):
    username = stack.create_user("official", region_code=places.township, level="township")
    people = [entrepreneur_data(region_code=places.village) for _ in range(2)]
    roll = tmp_path / "台账.csv"
    roll.write_bytes(roll_csv([(person, None) for person in people]))
    command = [sys.executable, "-m", "guiyan.cli", "import", str(roll), "--user", username, "--url", stack.base_url]
    environment = {**stack.env, "GUIYAN_PASSWORD": PASSWORD}
    checked = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert "共 2 行，有误 0 行" in checked.stdout and "未导入" in checked.stdout
    imported = subprocess.run([*command, "--start"], env=environment, capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert "导入完成：新登记 2 人" in imported.stdout
    found = stack.client(username).get("/api/v1/entrepreneurs", params={"q": people[1]["id_number"]}).json()
    assert found["total"] == 1


IMPORTS_ACCESS_CASES = {
    ("POST", "/api/v1/imports"): "test_importing_is_for_officials",
    ("GET", "/api/v1/imports"): "test_an_import_is_seen_and_started_only_in_its_region",
    ("GET", "/api/v1/imports/template.xlsx"): "test_importing_is_for_officials",
    ("GET", "/api/v1/imports/<string:import_id>"): "test_an_import_is_seen_and_started_only_in_its_region",
    ("GET", "/api/v1/imports/<string:import_id>/errors.csv"): "test_an_import_is_seen_and_started_only_in_its_region",
    ("POST", "/api/v1/imports/<string:import_id>/start"): "test_an_import_is_seen_and_started_only_in_its_region",
}
