"""The loan, subsidy and fund pages through plain HTTP: each role's pages, forms, refusals, CSRF."""

import csv
import datetime as dt
import io
import re

import pytest

from shared import clock
from tests.borrowers import certify, key, loan_request, make_borrower
from tests.e2e.test_pages import CSRF, KEY, Browser
from tests.factories import bank_card

HTML = "text/html; charset=utf-8"


def browser_for(stack, username) -> Browser:
    browser = Browser(stack.base_url)
    browser.login(username)
    return browser


@pytest.fixture(scope="module")
def desk(stack, places):
    township = stack.client(stack.create_user("official", region_code=places.township, level="township"))
    city_name = stack.create_user("official", region_code=places.city, level="city")
    stack.client(city_name).post("/api/v1/fund/contributions", headers=key(),
                                 json={"account": "fund:guarantee", "amount_yuan": "50000000"})
    return {
        "township": township, "city": city_name,
        "county": stack.create_user("official", region_code=places.county, level="county"),
        "county_checker": stack.create_user("official", region_code=places.county, level="county"),
        "county_payer": stack.create_user("official", region_code=places.county, level="county"),
        "other_county": stack.create_user("official", region_code=places.other_county, level="county"),
        "maker": stack.create_user("bank_liaison", bank_code="NJRCB"),
        "checker": stack.create_user("bank_liaison", bank_code="NJRCB"),
        "psbc": stack.create_user("bank_liaison", bank_code="PSBC"),
    }


def test_an_entrepreneur_applies_on_the_form_and_sees_the_result_with_reasons(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    page = browser_for(stack, borrower.username)
    form = page.get("/loans/new")
    assert form.status_code == 200 and form.headers["Content-Type"] == HTML
    assert "申请创业担保贷款" in form.text and "内江农村商业银行" in form.text
    bad = page.submit("/loans/new", {"idempotency_key": KEY.search(form.text).group(1), "borrower_kind": "individual",
                                     "bank_code": "NJRCB", "amount_yuan": "abc", "term_months": "24",
                                     "purpose": "购置设备", "repayment_method": "equal_instalments"})
    assert bad.status_code == 422 and "应为数字" in bad.text and "申请金额（元）" in bad.text
    # over the cap: said beside the amount before anything is filed (issue 15, item 2)
    over = page.submit("/loans/new", {"idempotency_key": "k-" + borrower.username, "borrower_kind": "individual",
                                      "bank_code": "NJRCB", "amount_yuan": "600000", "term_months": "24",
                                      "purpose": "购置设备", "repayment_method": "equal_instalments"})
    assert over.status_code == 422 and 'id="f-amount_yuan-error">贷款金额超过上限500,000.00元' in over.text
    made = page.submit("/loans/new", {"idempotency_key": "k-" + borrower.username, "borrower_kind": "individual",
                                      "bank_code": "NJRCB", "amount_yuan": "300000", "term_months": "24",
                                      "purpose": "购置设备", "repayment_method": "equal_instalments"})
    assert made.status_code == 303
    loan = page.get(made.headers["Location"])
    assert "银行审核中" in loan.text and "贷款申请已提交" in loan.text
    # the same key posted again finds the first application
    again = page.submit("/loans/new", {"idempotency_key": "k-" + borrower.username, "borrower_kind": "individual",
                                       "bank_code": "NJRCB", "amount_yuan": "300000", "term_months": "24",
                                       "purpose": "购置设备", "repayment_method": "equal_instalments"})
    assert again.headers["Location"] == made.headers["Location"]


def loan_id_of(response) -> str:
    return re.search(r"/loans/([0-9a-f-]{36})", response.headers["Location"]).group(1)


def test_the_liaison_works_the_loan_from_the_queue_to_a_repayment(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="100000", term_months=12)).json()
    maker = browser_for(stack, desk["maker"])
    queue = maker.get("/loans")
    assert "待办贷款" in queue.text and loan["id"] in queue.text
    page = maker.get(f"/loans/{loan['id']}")
    assert "审批" in page.text and "拒绝申请" in page.text
    approved = maker.submit(f"/loans/{loan['id']}", {
        "idempotency_key": "a-" + loan["id"], "amount_yuan": "100000", "term_months": "12", "spread_bp": "50",
        "contract_date": clock.today().isoformat()}, action=f"/loans/{loan['id']}/approve")
    assert approved.status_code == 303, approved.text
    page = maker.get(f"/loans/{loan['id']}")
    assert "已审批" in page.text and "确认放款" in page.text
    lent = maker.submit(f"/loans/{loan['id']}", {"idempotency_key": "d-" + loan["id"]},
                        action=f"/loans/{loan['id']}/disburse")
    assert lent.status_code == 303
    paid = maker.submit(f"/loans/{loan['id']}", {"idempotency_key": "r-" + loan["id"], "amount_yuan": "1000",
                                                 "paid_on": clock.today().isoformat()},
                        action=f"/loans/{loan['id']}/repayments")
    assert paid.status_code == 303
    mine = browser_for(stack, borrower.username).get(f"/loans/{loan['id']}").text
    assert "还款计划" in mine and "还款记录" in mine and "1,000.00" in mine


def test_a_refused_action_is_explained_on_the_page(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="100000")).json()
    maker = browser_for(stack, desk["maker"])
    raised = maker.submit(f"/loans/{loan['id']}", {
        "idempotency_key": "x", "amount_yuan": "200000", "term_months": "24", "spread_bp": "0",
        "contract_date": clock.today().isoformat()}, action=f"/loans/{loan['id']}/approve")
    assert raised.status_code == 422 and "审批金额不能高于申请金额" in raised.text


def test_other_banks_regions_and_roles_are_refused_in_chinese(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request()).json()
    for who in ("psbc", "other_county"):
        page = browser_for(stack, desk[who]).get(f"/loans/{loan['id']}")
        assert page.status_code == 404 and "没有这笔贷款" in page.text
    liaison = browser_for(stack, desk["maker"])
    assert liaison.get("/fund").status_code == 403
    assert liaison.get("/subsidies").status_code == 403
    assert browser_for(stack, borrower.username).get("/batches").status_code == 403
    anonymous = Browser(stack.base_url).get("/loans")
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/login")


def test_a_form_posted_without_its_csrf_token_is_refused(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    page = browser_for(stack, borrower.username)
    refused = page.post("/loans/new", {"borrower_kind": "individual", "bank_code": "NJRCB",
                                       "amount_yuan": "1000", "term_months": "12", "purpose": "购置设备"})
    assert refused.status_code == 403 and "本次提交未被接受" in refused.text


def test_a_skill_subsidy_is_claimed_reviewed_batched_and_paid_on_the_pages(stack, desk):
    stack.client(desk["city"]).post("/api/v1/fund/contributions", headers=key(),
                                    json={"account": "budget:subsidy", "amount_yuan": "100000"})
    borrower = make_borrower(stack, desk["township"])
    page = browser_for(stack, borrower.username)
    assert "技能提升补贴" in page.get("/subsidies/new").text
    assert "电工（中级工，2024-06-01发证）" in page.get("/subsidies/new?kind=skill").text  # as registered
    issued = (clock.today() - dt.timedelta(days=10)).isoformat()
    certify(stack, desk["township"], borrower.entrepreneur_id, {"name": "电工", "level": "senior", "issued_on": issued})
    form = page.get("/subsidies/new?kind=skill")
    assert f"电工（高级工，{issued}发证）" in form.text
    fields = {"csrf_token": CSRF.search(form.text).group(1), "kind": "skill",
              "idempotency_key": KEY.search(form.text).group(1), "certificate": f"电工|senior|{issued}",
              "certificate_no": "A1"}
    unsaid = page.post("/subsidies/new", fields)
    assert unsaid.status_code == 422 and "参加失业保险累计缴费（月）" in unsaid.text
    made = page.post("/subsidies/new", {**fields, "unemployment_insurance_months": "30"})
    assert made.status_code == 303, made.text
    claim_path = made.headers["Location"].split("?")[0]
    assert "待审核" in page.get(claim_path).text and "2,000.00" in page.get(claim_path).text
    county = browser_for(stack, desk["county"])
    assert claim_path.rsplit("/", 1)[1] in county.get("/subsidies").text
    reviewed = county.submit(claim_path, {"decision": "approve", "reason": "材料齐全"}, action=f"{claim_path}/review")
    assert reviewed.status_code == 303
    batches = county.get("/batches")
    assert "补贴资金可用余额" in batches.text
    created = county.submit("/batches", {"claim_ids": claim_path.rsplit("/", 1)[1],
                                         "idempotency_key": KEY.search(batches.text).group(1)})
    assert created.status_code == 303, created.text
    batch_path = created.headers["Location"].split("?")[0]
    batch = county.get(batch_path).text
    assert batch.index("补贴资金可用余额") < batch.index("审批本批次")
    own = county.submit(batch_path, {"idempotency_key": KEY.search(batch).group(1)}, action=f"{batch_path}/approve")
    assert own.status_code == 403 and "须由编制人以外的另一位工作人员审批" in own.text
    card = bank_card()
    assert borrower.client.put(f"/api/v1/entrepreneurs/{borrower.entrepreneur_id}/payee-account", json={
        "kind": "bank_card", "bank_code": "ICBC", "account_number": card}).status_code == 200
    checker = browser_for(stack, desk["county_checker"])
    assert checker.submit(batch_path, {"idempotency_key": KEY.search(checker.get(batch_path).text).group(1)},
                          action=f"{batch_path}/approve").status_code == 303
    # the third official downloads the payment list for the bank and uploads the bank's return
    payer = browser_for(stack, desk["county_payer"])
    shown = payer.get(batch_path).text
    assert "下载代发清单（1 行，CSV）" in shown and card not in shown and card[-4:] in shown
    listing = payer.get(f"{batch_path}/payment-file")
    assert listing.status_code == 200 and "attachment" in listing.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(listing.content.decode("utf-8-sig"))))
    assert rows[1][6].strip() == card and rows[1][8] == "200000"
    rows[0] += ["结果", "失败原因"]
    rows[1] += ["成功", ""]
    returned = io.StringIO()
    csv.writer(returned).writerows(rows)
    token = CSRF.search(shown).group(1)
    posted = payer.http.post(payer.base_url + f"{batch_path}/bank-return", allow_redirects=False, timeout=30,
                             data={"csrf_token": token, "idempotency_key": KEY.search(shown).group(1)},
                             files={"file": ("回盘.csv", returned.getvalue().encode("gb18030"), "text/csv")})
    assert posted.status_code == 303, posted.text
    done = payer.get(batch_path).text
    assert "已到账" in done and "已发放" in done
    assert "已发放" in page.get(claim_path).text
    elsewhere = browser_for(stack, desk["other_county"])
    assert "没有这条补贴申领" in elsewhere.get(claim_path).text
    assert elsewhere.get(batch_path).status_code == 404 and "没有这个发放批次" in elsewhere.get(batch_path).text


def test_the_city_sees_the_fund_and_the_books_and_a_township_sees_only_the_position(stack, desk):
    city = browser_for(stack, desk["city"]).get("/fund")
    assert city.status_code == 200 and "试算平衡" in city.text and "借贷平衡" in city.text
    assert "资金拨入" in city.text and "季度贴息" in city.text
    county = browser_for(stack, desk["county"]).get("/fund")
    assert county.status_code == 200 and "在保余额" in county.text and "试算平衡" not in county.text


def test_each_city_sees_its_own_fund_and_a_province_chooses_whose_books_to_read(stack, places):
    from shared import regions

    home, other = regions.name_of(places.city), regions.name_of(places.other_city)
    elsewhere = browser_for(stack, stack.create_user("official", region_code=places.other_city, level="city"))
    own = elsewhere.get("/fund")
    assert own.status_code == 200 and f"{other}担保基金" in own.text and "资金拨入" in own.text
    assert home not in own.text
    province = browser_for(stack, stack.create_user("official", region_code=places.province, level="province"))
    first = province.get("/fund")
    assert first.status_code == 200 and "查看哪个市（州）" in first.text and "资金拨入" not in first.text
    chosen = province.get(f"/fund?city={places.city}")
    assert f"{home}担保基金" in chosen.text and "试算平衡" in chosen.text and "资金拨入" not in chosen.text
    # a form posted all the same is refused before it reaches finance, as every change a province's official sends
    refused = province.submit("/fund", {"idempotency_key": "p-1", "account": "fund:guarantee", "amount_yuan": "5"},
                              action="/fund/contributions")
    assert refused.status_code == 403 and "省级工作人员可查看全省各市（州）的情况" in refused.text


def test_an_employment_claim_names_the_hire_whose_id_is_wrong_and_pays_two_thousand_per_hire(stack, desk):
    from tests.factories import resident_id, wrong_checksum

    borrower = make_borrower(stack, desk["township"], enterprise=True)
    page = browser_for(stack, borrower.username)
    form = page.get("/subsidies/new?kind=employment")
    assert "吸纳人员（第1人）" in form.text and "再添加一人" in form.text

    def hire(n, number, category="poverty_alleviated"):
        return {f"hires.{n}.name": f"工人{n}", f"hires.{n}.id_number": number, f"hires.{n}.category": category,
                f"hires.{n}.contract_months": "24", f"hires.{n}.hired_on": "2026-03-01",
                f"hires.{n}.social_insurance": "yes"}

    fields = {"csrf_token": CSRF.search(form.text).group(1), "kind": "employment",
              "idempotency_key": KEY.search(form.text).group(1), "enterprise_id": borrower.enterprise_id}
    bad = page.post("/subsidies/new", {**fields, **hire(0, resident_id()),
                                       **hire(1, wrong_checksum(resident_id()), "graduate")})
    assert bad.status_code == 422
    assert 'id="f-hires-1-id_number-error"' in bad.text and "身份证号码校验位错误" in bad.text
    assert "吸纳人员（第2项）身份证号码" in bad.text
    made = page.post("/subsidies/new", {**fields, **hire(0, resident_id()), **hire(1, resident_id(), "graduate")})
    assert made.status_code == 303, made.text
    claim = page.get(made.headers["Location"]).text
    assert "一次性吸纳就业补贴" in claim and "4,000.00" in claim and "待审核" in claim


def test_an_employment_claim_takes_as_many_hires_as_the_enterprise_made(stack, desk):
    """"再添加一人" opens another row and keeps what was typed (the form held two people at most)."""
    from tests.factories import resident_id

    borrower = make_borrower(stack, desk["township"], enterprise=True)
    page = browser_for(stack, borrower.username)
    form = page.get("/subsidies/new?kind=employment")
    fields = {"csrf_token": CSRF.search(form.text).group(1), "kind": "employment",
              "idempotency_key": KEY.search(form.text).group(1), "enterprise_id": borrower.enterprise_id}
    people = {}
    for n in range(4):
        people.update({f"hires.{n}.name": f"工人{n}", f"hires.{n}.id_number": resident_id(),
                       f"hires.{n}.category": "poverty_alleviated", f"hires.{n}.contract_months": "24",
                       f"hires.{n}.hired_on": "2026-03-01", f"hires.{n}.social_insurance": "yes"})
        if n < 3:  # as a browser posts it: the rows so far and the empty row below them
            empty = {f"hires.{n + 1}.{key}": "" for key in ("name", "id_number", "category", "contract_months",
                                                            "hired_on")}
            more = page.post("/subsidies/new", {**fields, **people, **empty, "more_rows": "1"})
            assert more.status_code == 200 and f"吸纳人员（第{n + 2}人）" in more.text, n
            assert f'value="工人{n}"' in more.text and 'name="more_rows"' in more.text
    made = page.post("/subsidies/new", {**fields, **people})
    assert made.status_code == 303, made.text
    claim = page.get(made.headers["Location"]).text
    assert "8,000.00" in claim  # four hires at 2,000 each


def test_lists_past_their_end_say_so_and_lead_back_to_the_first_page(stack, desk):
    official = browser_for(stack, desk["county"])
    for path, empty in (("/loans?all=1&page=400", "暂无贷款"), ("/subsidies?status=paid&page=400", "没有符合条件的申领"),
                        ("/difficulties?all=1&page=400", "暂无困难问题")):
        page = official.get(path)
        assert page.status_code == 200 and empty in page.text and "第 400 页" in page.text, path
        assert "回到第一页" in page.text and 'href="' + path.split("&page")[0] + '"' in page.text, path


def test_the_returnee_lists_their_loans_and_withdraws_one_before_approval(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="50000")).json()
    page = browser_for(stack, borrower.username)
    mine = page.get("/loans").text
    assert "我的贷款" in mine and loan["id"] in mine and "银行审核中" in mine
    assert "撤回申请" in page.get(f"/loans/{loan['id']}").text
    withdrawn = page.submit(f"/loans/{loan['id']}", {}, action=f"/loans/{loan['id']}/withdraw")
    assert withdrawn.status_code == 303
    after = page.get(f"/loans/{loan['id']}").text
    assert "已撤回" in after and "撤回申请" in after  # the timeline names the step
    stranger = browser_for(stack, make_borrower(stack, desk["township"]).username)
    assert stranger.get(f"/loans/{loan['id']}").status_code == 404


def test_a_rejection_needs_a_reason_and_the_returnee_reads_it(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="80000")).json()
    liaison = browser_for(stack, desk["checker"])
    path = f"/loans/{loan['id']}"
    blank = liaison.submit(path, {"idempotency_key": "j-" + loan["id"]}, action=f"{path}/reject")
    assert blank.status_code == 422 and 'id="f-reject-reason-error"' in blank.text and "此项必填" in blank.text
    refused = liaison.submit(path, {"idempotency_key": "j-" + loan["id"], "reason": "经营流水不足，暂不符合本行授信条件"},
                             action=f"{path}/reject")
    assert refused.status_code == 303
    seen = browser_for(stack, borrower.username).get(path).text
    assert "已拒绝" in seen and "银行未批准" in seen and "经营流水不足" in seen


def test_another_bank_or_role_cannot_act_on_a_loan(stack, desk):
    borrower = make_borrower(stack, desk["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="60000")).json()
    path = f"/loans/{loan['id']}"
    terms = {"idempotency_key": "p-" + loan["id"], "amount_yuan": "60000", "term_months": "24",
             "spread_bp": "0", "contract_date": clock.today().isoformat()}
    other_bank = browser_for(stack, desk["psbc"])
    acted = other_bank.submit("/loans", terms, action=f"{path}/approve")
    assert acted.status_code == 404 and "没有这笔贷款" in acted.text
    official = browser_for(stack, desk["county"])
    assert "创业担保贷款" in official.get("/loans").text and loan["id"] in official.get("/loans").text
    assert "审批金额（元）" not in official.get(path).text
    forbidden = official.submit(path, terms, action=f"{path}/approve")
    assert forbidden.status_code == 403 and "无权访问" in forbidden.text
    application = browser_for(stack, desk["maker"]).get("/loans/new")
    assert application.status_code == 403 and "无权访问" in application.text
    assert borrower.client.get(f"/api/v1/loans/{loan['id']}").json()["status"] == "under_bank_review"


def test_a_wrong_contribution_is_explained_beside_its_field(stack, desk, places):
    city = browser_for(stack, desk["city"])
    wrong = city.submit("/fund", {"idempotency_key": "c-wrong", "account": "fund:guarantee", "amount_yuan": "-5"},
                        action="/fund/contributions")
    assert wrong.status_code == 422 and 'id="f-c-amount_yuan-error"' in wrong.text
    assert 'value="-5"' in wrong.text
    township = browser_for(stack, stack.create_user("official", region_code=places.township, level="township"))
    refused = township.submit("/fund", {"idempotency_key": "c-t", "account": "fund:guarantee", "amount_yuan": "5"},
                              action="/fund/contributions")
    assert refused.status_code == 403 and "无权访问" in refused.text


def test_a_partnership_applies_on_the_form_naming_each_partner_and_a_wrong_name_is_said_beside_it(stack, desk):
    lead, other = make_borrower(stack, desk["township"]), make_borrower(stack, desk["township"])
    record = other.client.get(f"/api/v1/entrepreneurs/{other.entrepreneur_id}").json()
    page = browser_for(stack, lead.username)
    form = page.get("/loans/new")
    assert "合伙创业（与其他合伙人共同申请）" in form.text and "个人额度合计的110%" in form.text
    assert f"{clock.today().year}年新招用人数" in form.text
    fields = {"idempotency_key": KEY.search(form.text).group(1), "borrower_kind": "partnership", "bank_code": "NJRCB",
              "amount_yuan": "1100000", "term_months": "36", "purpose": "合伙开办农家乐",
              "repayment_method": "equal_instalments", "partners.0.name": "张冒名",
              "partners.0.id_number": record["id_number"]}
    wrong = page.submit("/loans/new", fields)
    assert wrong.status_code == 422 and "合伙人张冒名的姓名与身份证号码登记的不一致" in wrong.text
    made = page.submit("/loans/new", {**fields, "partners.0.name": record["name"]})
    assert made.status_code == 303, made.text
    loan = page.get(made.headers["Location"])
    assert "合伙创业" in loan.text and record["name"] in loan.text and "银行审核中" in loan.text
    mate = browser_for(stack, other.username).get(made.headers["Location"].split("?")[0])
    assert mate.status_code == 200 and "合伙创业" in mate.text and "撤回申请" not in mate.text


def test_the_liaisons_queue_marks_the_enterprises_served_first_and_the_days_waited(stack, desk):
    coop = make_borrower(stack, desk["township"], enterprise=True, headcount=20, new_hires=5)
    coop.client.post("/api/v1/loans", json=loan_request(borrower_kind="enterprise", enterprise_id=coop.enterprise_id,
                                                        amount_yuan="80000"))
    queue = browser_for(stack, desk["maker"]).get("/loans")
    assert "优先办理" in queue.text and "已等待0天" in queue.text
    assert "小微企业和农民专业合作社的申请排在前面" in queue.text


def test_the_city_sets_last_years_repayment_rate_only_with_a_reason(stack, desk):
    page = browser_for(stack, desk["city"])
    fund = page.get("/fund")
    assert "按账簿计算" in fund.text and "调整上年度贷款回收率" in fund.text
    year = str(clock.today().year - 1)
    missing = page.submit("/fund", {"year": year, "repayment_rate_percent": "95"}, action="/fund/repayment-rate")
    assert missing.status_code == 422 and "此项必填" in missing.text and "调整原因" in missing.text
    saved = page.submit("/fund", {"year": year, "repayment_rate_percent": "95", "reason": "按市财政局核定的回收率"},
                        action="/fund/repayment-rate")
    assert saved.status_code == 303
    shown = page.get(saved.headers["Location"])
    assert "人工调整：按市财政局核定的回收率" in shown.text and "95.0%" in shown.text
    # back to the ledger's figure for the other tests' sake
    page.submit("/fund", {"year": year, "reason": "恢复按账簿计算"}, action="/fund/repayment-rate")
