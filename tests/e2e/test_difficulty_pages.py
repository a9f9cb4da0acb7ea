"""The difficulty pages through plain HTTP: each role's view, the queue, the counts, the public status."""

import pytest

from tests.e2e.test_difficulties_api import enterprise_with_liaisons, report
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import Browser


@pytest.fixture(scope="module")
def people(stack, places):
    return {"township": stack.client(stack.create_user("official", region_code=places.township, level="township")),
            "county": stack.client(stack.create_user("official", region_code=places.county, level="county")),
            "county_head": stack.client(stack.create_user("official", region_code=places.county, level="county",
                                                          unit_head=True)),
            "other": stack.create_user("official", region_code=places.other_county, level="county")}


def test_the_enterprise_reports_on_the_form_and_follows_its_difficulty(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    page = browser_for(stack, borrower.username)
    form = page.get("/difficulties/new")
    assert form.status_code == 200 and "反映困难问题" in form.text and "用地/场地" in form.text
    short = page.submit("/difficulties/new", {"enterprise_id": borrower.enterprise_id, "category": "labour",
                                              "urgency": "normal", "description": "太短"})
    assert short.status_code == 422 and "问题描述" in short.text and "内容过短" in short.text
    made = page.submit("/difficulties/new", {"enterprise_id": borrower.enterprise_id, "category": "labour",
                                             "urgency": "urgent", "description": "招不到熟练的分拣工人，订单交付困难"})
    assert made.status_code == 303, made.text
    detail = page.get(made.headers["Location"]).text
    assert "已受理" in detail and "周政务" in detail and "办理记录" in detail and "请记下编号" in detail
    assert "我的困难问题" in page.get("/difficulties").text


def test_officials_see_their_levels_queue_by_due_date_and_the_counts(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    record = report(borrower)
    township = browser_for(stack, people["township"].username)
    queue = township.get("/difficulties").text
    assert "本级待办困难问题" in queue and record["reference"] in queue and "按类别和层级统计" in queue
    assert record["reference"] not in browser_for(stack, people["county"].username).get("/difficulties").text
    assert record["reference"] in browser_for(stack, people["county"].username).get("/difficulties?all=1").text
    detail = township.get(f"/difficulties/{record['id']}").text
    assert "已与企业联系" in detail and "提交书面答复" in detail and "上报上一级" in detail
    assert browser_for(stack, people["other"]).get(f"/difficulties/{record['id']}").status_code == 404


def test_anyone_checks_progress_by_reference_without_seeing_the_enterprise(stack, people):
    record = report(enterprise_with_liaisons(stack, people))
    anonymous = Browser(stack.base_url)
    found = anonymous.get(f"/status?reference={record['reference']}")
    assert found.status_code == 200 and "乡镇级办理中，待联系企业" in found.text
    assert record["enterprise_name"] not in found.text and "分拣" not in found.text
    assert anonymous.get("/status?reference=KN2026-999999").status_code == 404
    typed = anonymous.get("/status", params={"reference": record["reference"].lower().replace("-", "")})
    assert typed.status_code == 200 and record["reference"] in typed.text
    home = anonymous.get("/")  # the page is found from the home page and every page's footer
    assert home.text.count('href="/status"') >= 2
