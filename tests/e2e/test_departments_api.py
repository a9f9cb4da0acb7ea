"""The department list (部门名录) through the HTTP API and the administrator's page: officials read it,
the administrator adds, renames and retires; the meeting's departments are taken from it, by code or by
any of their names."""

import uuid

import pytest

from tests.e2e.test_finance_pages import browser_for

DEPARTMENTS_ACCESS_CASES = {
    ("GET", "/api/v1/departments"): "test_officials_read_the_list_and_only_the_administrator_changes_it",
    ("POST", "/api/v1/departments"): "test_officials_read_the_list_and_only_the_administrator_changes_it",
    ("PATCH", "/api/v1/departments/<string:code>"): "test_officials_read_the_list_and_only_the_administrator_changes_it",
}
MINUTES = "会议逐户听取了困难企业的诉求，研究确定了各事项的牵头单位、配合单位和完成时限。"


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def error(response) -> tuple[int, str, str | None]:
    found = response.json()["error"]
    return response.status_code, found["code"], found["field"]


@pytest.fixture(scope="module")
def people(stack, places):
    return {"admin": stack.client(stack.create_user("admin")),
            "city": stack.client(stack.create_user("official", region_code=places.city, level="city")),
            "township": stack.client(stack.create_user("official", region_code=places.township, level="township")),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "entrepreneur": stack.client(stack.create_user("entrepreneur"))}


def listed(client) -> dict:
    return {d["code"]: d for d in ok(client.get("/api/v1/departments"))["items"]}


def test_officials_read_the_list_and_only_the_administrator_changes_it(people):
    seeded = listed(people["township"])
    assert seeded["511000-hrss"]["name"] == "内江市人力资源和社会保障局" and seeded["511000-hrss"]["active"] is True
    assert {"511000-finance", "511000-ndrc", "511000-pbc", "511000-tax", "511000-acfic", "511011-gov"} <= set(seeded)
    for who in ("entrepreneur", "bank"):
        assert people[who].get("/api/v1/departments").status_code == 403
    mark = uuid.uuid4().hex[:6]
    new = {"name": f"内江市返乡入乡创业服务中心{mark}", "short_name": f"市创业中心{mark}", "level": "city",
           "region_code": "511000", "code": f"511000-t{mark}"}
    assert error(people["city"].post("/api/v1/departments", json=new)) == (403, "role_not_allowed", None)
    made = ok(people["admin"].post("/api/v1/departments", json=new), 201)
    assert (made["code"], made["active"], made["aliases"]) == (new["code"], True, [])
    again = people["admin"].post("/api/v1/departments", json={**new, "code": None, "short_name": "市人社局"})
    assert error(again)[:2] == (409, "department_name_taken")
    assert error(people["admin"].post("/api/v1/departments", json={**new, "code": "市人社局"}))[0] == 422
    path = f"/api/v1/departments/{made['code']}"
    assert error(people["city"].patch(path, json={"active": False})) == (403, "role_not_allowed", None)
    assert error(people["admin"].patch("/api/v1/departments/511000-none", json={"active": False}))[:2] == (
        404, "department_not_found")
    renamed = ok(people["admin"].patch(path, json={"name": f"内江市返乡创业服务中心{mark}"}))
    assert renamed["aliases"] == [new["name"]]  # the old name stays: old records spell it
    retired = ok(people["admin"].patch(path, json={"active": False}))
    assert retired["active"] is False
    assert listed(people["city"])[made["code"]]["name"] == renamed["name"]  # kept, never deleted


def test_the_meeting_takes_departments_by_code_or_name_and_refuses_others_naming_the_field(stack, people, quarters):
    code = quarters.spare(__name__).code
    city = people["city"]
    ok(city.post("/api/v1/quarters", json={"quarter": code}), 201)
    meeting = f"/api/v1/quarters/{code}/meeting"
    held_on = f"{code[:4]}-{int(code[-1]) * 3:02d}-20"
    body = {"held_on": held_on, "chair": "市政府分管副市长", "minutes": MINUTES}
    unknown = city.put(meeting, json={**body, "departments": ["市人社局", "市某某局"]})
    assert error(unknown) == (422, "department_unknown", "departments") and "市某某局" in unknown.text
    mark = uuid.uuid4().hex[:6]
    gone = ok(people["admin"].post("/api/v1/departments", json={
        "name": f"内江市已撤并测试局{mark}", "short_name": f"撤并局{mark}", "level": "city", "region_code": "511000",
        "active": False}), 201)
    assert error(city.put(meeting, json={**body, "departments": [gone["short_name"]]})) == (
        422, "department_retired", "departments")
    recorded = ok(city.put(meeting, json={**body, "departments": [
        "市人社局", "内江市人力资源和社会保障局", "511000-finance", "人行内江市中心支行"]}))
    assert recorded["departments"] == ["内江市人力资源和社会保障局", "内江市财政局", "中国人民银行内江市分行"]
    assert recorded["department_codes"] == ["511000-hrss", "511000-finance", "511000-pbc"]


def test_the_administrator_adds_renames_and_retires_on_the_list_page(stack, places):
    admin = browser_for(stack, stack.create_user("admin"))
    shown = admin.get("/admin/departments")
    assert shown.status_code == 200 and "内江市人力资源和社会保障局" in shown.text and "市人社局" in shown.text
    mark = uuid.uuid4().hex[:6]
    form = {"name": f"内江市返乡创业孵化基地{mark}", "short_name": f"市孵化基地{mark}", "level": "county",
            "region_code": "511011", "aliases": f"东兴区孵化基地{mark}\n孵化基地{mark}"}
    added = admin.submit("/admin/departments", form)
    assert added.status_code == 303 and added.headers["Location"] == "/admin/departments?notice=department_created"
    code = next(d["code"] for d in listed(stack.client(stack.create_user("admin"))).values()
                if d["name"] == form["name"])
    assert code.startswith("511011-")
    again = admin.submit("/admin/departments", {**form, "aliases": ""})
    assert again.status_code == 409 and f"“{form['name']}”已是部门名录中" in again.text
    assert f'value="{form["short_name"]}"' in again.text  # what was typed stays in the form
    renamed = admin.submit("/admin/departments", {**form, "name": f"内江市东兴区返乡创业孵化基地{mark}"},
                           action=f"/admin/departments/{code}")
    assert renamed.status_code == 303
    retired = admin.submit("/admin/departments", {"active": "no"}, action=f"/admin/departments/{code}/active")
    assert retired.headers["Location"] == "/admin/departments?notice=department_retired"
    page = admin.get("/admin/departments").text
    block = page[page.index(f'id="d-{code}"'):]
    assert "已停用" in block[:600] and form["name"] in block[:1200]  # the old name kept among the aliases
    official = browser_for(stack, stack.create_user("official", region_code=places.city, level="city"))
    assert official.get("/admin/departments").status_code == 403
