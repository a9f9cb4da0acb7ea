"""Policy data changed without a migration: a new version is checked by its domain's rules, never
dated before today nor beside another version of the same day, and approved by a second
administrator (四眼原则). Plain Python: services/finance/domain/policy_rules.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.finance.domain import policy_rules as rules
from services.finance.domain.policy import LoanPolicy
from services.finance.domain.policy_data import LOAN_POLICIES, SUBSIDY_POLICIES
from shared.errors import Forbidden, InvalidInput, InvalidState

TODAY = dt.date(2026, 12, 5)
NEIJIANG = "511000000000"
SOURCE = "内江市人力资源和社会保障局关于跨省务工交通补助标准的通知"


def refused(domain: str, params: dict) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        rules.check_params(domain, params)
    return caught.value


def loan_params(**changes) -> dict:
    """川办规〔2025〕6号's figures, as the policy table keeps them."""
    params = {k: v for k, v in dataclasses.asdict(LOAN_POLICIES[-1]).items() if k not in ("code", "effective_from")}
    return {**params, "enterprise_kinds": list(params["enterprise_kinds"]), **changes}


def travel_params(**changes) -> dict:
    return {"city_code": "511000", "categories": ["lifted_out_of_poverty"], "trips_per_year": 1, "home_province": "51",
            "per_trip_by_county": {"511011": {"amount_fen": 30000, "source": SOURCE},
                                   "511083": {"amount_fen": 45000, "source": SOURCE}}, **changes}


# ---- the LPR --------------------------------------------------------------------------------


def test_a_new_lpr_is_a_rate_in_basis_points_above_zero_and_at_most_twenty_percent():
    assert rules.check_params("lpr", {"rate_bp": 290}) == {"rate_bp": 290}
    assert rules.check_params("lpr", {"rate_bp": 2000}) == {"rate_bp": 2000}
    for rate in (0, -5, 2001, 2.9, "290", True):
        problem = refused("lpr", {"rate_bp": rate})
        assert (problem.code, problem.field) == ("param_out_of_range", "params.rate_bp")
    assert "基点" in refused("lpr", {"rate_bp": 0}).message


def test_a_rate_without_a_document_number_is_known_by_its_day_as_the_published_rates_are():
    assert rules.code_of("lpr", None, dt.date(2027, 1, 20)) == "2027-01-20"
    assert rules.code_of("lpr", "2027年1月LPR公告", dt.date(2027, 1, 20)) == "2027年1月LPR公告"
    with pytest.raises(InvalidInput) as missing:
        rules.code_of("loan", None, dt.date(2027, 1, 1))
    assert (missing.value.field, missing.value.message) == ("code", "请填写政策文件的文号，如 川办规〔2025〕6号")


def test_an_unknown_or_missing_figure_is_refused_naming_it():
    assert (refused("lpr", {"rate": 290}).code, refused("lpr", {"rate": 290}).field) == ("param_unknown", "params.rate")
    assert (refused("lpr", {}).code, refused("lpr", {}).field) == ("param_required", "params.rate_bp")
    assert refused("lpr", ["rate_bp", 290]).code == "params_not_object"


# ---- a loan policy --------------------------------------------------------------------------


def test_a_loan_policy_carries_every_figure_the_rules_read_and_is_read_back_whole():
    params = rules.check_params("loan", loan_params(individual_cap_fen=60_000_000))
    policy = LoanPolicy(code="川办规〔2027〕1号", effective_from=dt.date(2027, 1, 1),
                        **{**params, "enterprise_kinds": tuple(params["enterprise_kinds"])})
    assert (policy.individual_cap_fen, policy.subsidy_share_bp, policy.partnership_cap_bp) == (60_000_000, 5000, 11000)


def test_figures_with_a_default_in_the_policy_take_it_when_left_out():
    given = {k: v for k, v in loan_params().items()
             if k not in ("enterprise_kinds", "partnership_cap_bp", "subsidy_principal_cap_individual_fen",
                          "subsidy_principal_cap_enterprise_fen", "borrower_lpr_minus_bp")}
    params = rules.check_params("loan", given)
    assert params["enterprise_kinds"] == ["small_micro", "cooperative"] and params["partnership_cap_bp"] == 11000
    assert params["subsidy_principal_cap_individual_fen"] is None and params["borrower_lpr_minus_bp"] == 0


@pytest.mark.parametrize(("field", "value"), [
    ("individual_cap_fen", 0), ("enterprise_cap_fen", -1), ("individual_term_months", 0),
    ("enterprise_term_months", 121), ("hiring_share_bp", 10_001), ("hiring_share_large_bp", -1),
    ("lifetime_loans", 0), ("subsidy_share_bp", 0), ("partnership_cap_bp", 9_999)])
def test_caps_are_positive_terms_one_to_120_months_and_shares_up_to_10000_basis_points(field, value):
    problem = refused("loan", loan_params(**{field: value}))
    assert (problem.code, problem.field) == ("param_out_of_range", f"params.{field}")


def test_the_interest_subsidy_method_comes_with_its_own_figure_and_not_the_others():
    lpr_minus = loan_params(subsidy_method="lpr_minus", borrower_lpr_minus_bp=150, subsidy_share_bp=0)
    assert rules.check_params("loan", lpr_minus)["borrower_lpr_minus_bp"] == 150
    missing = refused("loan", {k: v for k, v in lpr_minus.items() if k != "borrower_lpr_minus_bp"})
    assert (missing.code, missing.field) == ("param_required", "params.borrower_lpr_minus_bp")
    both = refused("loan", {**lpr_minus, "subsidy_share_bp": 5000})
    assert (both.code, both.field) == ("param_not_for_method", "params.subsidy_share_bp")
    unknown = refused("loan", loan_params(subsidy_method="half"))
    assert (unknown.code, unknown.field) == ("param_not_allowed", "params.subsidy_method")
    assert "lpr_minus" in unknown.message and "share_of_rate" in unknown.message


def test_the_subsidised_principal_is_never_above_the_loan_cap():
    problem = refused("loan", loan_params(subsidy_principal_cap_individual_fen=60_000_000))
    assert (problem.code, problem.field) == ("param_cap_above_loan_cap", "params.subsidy_principal_cap_individual_fen")


def test_only_the_registrys_kinds_of_enterprise_borrow_as_enterprises():
    problem = refused("loan", loan_params(enterprise_kinds=["small_micro", "state_owned"]))
    assert (problem.code, problem.field) == ("param_not_allowed", "params.enterprise_kinds.1")
    assert refused("loan", loan_params(enterprise_kinds=[])).code == "param_list_required"


# ---- subsidies ------------------------------------------------------------------------------


def test_a_citys_travel_subsidy_is_an_amount_and_its_source_for_each_current_county_of_the_city():
    params = rules.check_params("subsidy:travel", travel_params())
    assert params["city_code"] == NEIJIANG
    assert params["per_trip_by_county"] == {"511011": {"amount_fen": 30000, "source": SOURCE},
                                            "511083": {"amount_fen": 45000, "source": SOURCE}}
    twelve = rules.check_params("subsidy:travel", travel_params(per_trip_by_county={
        "511025000000": {"amount_fen": 40000, "source": SOURCE}}))
    assert list(twelve["per_trip_by_county"]) == ["511025"]


@pytest.mark.parametrize(("county", "code"), [
    ("511028", "county_code_not_current"),  # 隆昌县, 隆昌市 (511083) since 2017
    ("510104", "county_outside_city"),  # 成都's 锦江区
    ("511011101", "county_code_format"),  # a township
    ("5110", "county_code_format")])
def test_a_county_amount_names_a_current_county_of_the_city(county, code):
    problem = refused("subsidy:travel", travel_params(per_trip_by_county={county: {"amount_fen": 30000,
                                                                                   "source": SOURCE}}))
    assert (problem.code, problem.field) == (code, f"params.per_trip_by_county.{county}")


def test_each_county_amount_is_positive_and_says_where_it_is_published():
    no_amount = refused("subsidy:travel", travel_params(per_trip_by_county={"511011": {"amount_fen": 0,
                                                                                       "source": SOURCE}}))
    assert (no_amount.code, no_amount.field) == ("param_out_of_range", "params.per_trip_by_county.511011.amount_fen")
    no_source = refused("subsidy:travel", travel_params(per_trip_by_county={"511011": {"amount_fen": 30000}}))
    assert (no_source.code, no_source.field) == ("param_required", "params.per_trip_by_county.511011.source")
    assert refused("subsidy:travel", travel_params(per_trip_by_county={})).code == "param_counties_required"


def test_a_travel_subsidy_is_a_citys_own():
    problem = refused("subsidy:travel", {k: v for k, v in travel_params().items() if k != "city_code"})
    assert (problem.code, problem.field) == ("param_required", "params.city_code")
    county = refused("subsidy:travel", travel_params(city_code="511011"))
    assert (county.code, county.field) == ("city_level", "params.city_code")


def test_every_seeded_subsidy_version_passes_the_checks_a_new_one_faces():
    written = {"skill": {"insured_months_min": 12, "local_household": True}}  # migration 0010's words
    for policy in SUBSIDY_POLICIES:
        if policy.kind != "travel":
            assert rules.check_params(f"subsidy:{policy.kind}", {**policy.params, **written.get(policy.kind, {})})


def test_a_skill_subsidy_pays_an_amount_for_the_levels_the_registry_records():
    params = {"amount_by_level_fen": {"junior": 100_000, "technician": 300_000}, "claim_within_months": 12,
              "insured_months_min": 12, "local_household": True}
    assert rules.check_params("subsidy:skill", params)["amount_by_level_fen"]["technician"] == 300_000
    problem = refused("subsidy:skill", {**params, "amount_by_level_fen": {"master": 100_000}})
    assert (problem.code, problem.field) == ("param_not_allowed", "params.amount_by_level_fen.master")


# ---- never the past; four eyes --------------------------------------------------------------


def test_a_new_version_takes_effect_today_or_later_never_before():
    rules.check_effective_date(TODAY, TODAY)
    rules.check_effective_date(TODAY + dt.timedelta(days=1), TODAY)
    with pytest.raises(InvalidInput) as past:
        rules.check_effective_date(TODAY - dt.timedelta(days=1), TODAY)
    assert (past.value.code, past.value.field) == ("effective_date_past", "effective_from")
    with pytest.raises(InvalidInput) as far:
        rules.check_effective_date(TODAY.replace(year=TODAY.year + 6), TODAY)
    assert far.value.code == "effective_date_too_far"


def test_a_proposal_approved_after_its_day_has_passed_is_refused_with_the_reason():
    rules.check_approval_date(TODAY, TODAY)
    with pytest.raises(InvalidState) as late:
        rules.check_approval_date(TODAY - dt.timedelta(days=1), TODAY)
    assert late.value.code == "effective_date_passed" and "已过" in late.value.message


def test_the_administrator_who_proposed_a_version_never_approves_it():
    rules.check_checker("admin_a", "admin_b")
    with pytest.raises(Forbidden) as own:
        rules.check_checker("admin_a", "admin_a")
    assert own.value.code == "four_eyes" and "另一位管理员" in own.value.message


def test_a_document_number_is_used_once_in_its_domain():
    seeded = [rules.Dated("loan", "川办规〔2025〕6号", dt.date(2025, 5, 1))]
    with pytest.raises(InvalidInput) as taken:
        rules.check_new(rules.Dated("loan", "川办规〔2025〕6号", dt.date(2027, 1, 1)), seeded)
    assert (taken.value.code, taken.value.field) == ("policy_code_taken", "code")
    rules.check_new(rules.Dated("subsidy:startup", "川办规〔2025〕6号", dt.date(2027, 1, 1)), seeded)


def test_one_day_holds_one_version_of_a_domain_and_city_whether_approved_or_waiting():
    day = dt.date(2027, 1, 1)
    province = [rules.Dated("subsidy:travel", "四川省标准", day)]
    waiting = [rules.Dated("lpr", "2027-01-01", day)]
    with pytest.raises(InvalidInput) as same_day:
        rules.check_new(rules.Dated("lpr", "2027年1月公告", day), [], waiting)
    assert (same_day.value.code, same_day.value.field) == ("policy_date_taken", "effective_from")
    assert "待审批" in same_day.value.message
    # a city's own version beside the province's general one on the same day
    rules.check_new(rules.Dated("subsidy:travel", "内江市标准", day, NEIJIANG), province)
    with pytest.raises(InvalidInput):
        rules.check_new(rules.Dated("subsidy:travel", "内江市新标准", day, NEIJIANG),
                        [rules.Dated("subsidy:travel", "内江市标准", day, NEIJIANG)])
