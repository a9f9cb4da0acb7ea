"""Paging: the cursor, the capped total and the registry's choice of columns for a search fragment."""

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy.dialects import postgresql

from services.registry import readmodel
from shared import paging
from shared.actors import as_actor
from shared.contracts.registry import ListQuery
from shared.errors import InvalidInput
from shared.validation import parse

MOMENT = dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)
ID = "0b7f3a1e-5c1d-4e43-9d61-3f0c2a7b8e90"


def row(n: int):
    return SimpleNamespace(created_at=MOMENT - dt.timedelta(seconds=n), id=f"id-{n}")


def test_a_cursor_gives_back_the_instant_to_the_microsecond_and_the_id():
    assert paging.decode_cursor(paging.encode_cursor(MOMENT, ID)) == (MOMENT, ID)


@pytest.mark.parametrize("cursor", ["", "not base64!", "bm90aGluZw", paging.encode_cursor(MOMENT, "")[:-2],
                                    "MjAyNi0wMy0wMVQxMjozMDoxNXxhYmM"])  # a moment without its zone
def test_a_cursor_that_was_not_made_here_is_refused_naming_the_field(cursor):
    with pytest.raises(InvalidInput) as caught:
        paging.decode_cursor(cursor)
    assert (caught.value.code, caught.value.field) == ("cursor_invalid", "after")


def test_the_list_query_refuses_a_bad_cursor_and_keeps_a_good_one():
    good = paging.encode_cursor(MOMENT, ID)
    assert parse(ListQuery, {"after": good}).after == good
    assert parse(ListQuery, {"after": ""}).after is None
    with pytest.raises(InvalidInput) as caught:
        parse(ListQuery, {"after": "x" * 10})
    assert (caught.value.code, caught.value.field) == ("cursor_invalid", "after")


def test_a_page_with_a_row_to_spare_points_to_the_next_after_its_last_row():
    answer = paging.page_answer([row(n) for n in range(4)], 3, 4, lambda r: r.id)
    assert answer["items"] == ["id-0", "id-1", "id-2"]
    assert paging.decode_cursor(answer["next"]) == (row(2).created_at, "id-2")
    assert (answer["total"], answer["total_capped"]) == (4, False)


def test_the_last_page_has_no_next_and_a_total_past_the_cap_says_so():
    answer = paging.page_answer([row(0)], 3, paging.TOTAL_CAP + 1, lambda r: r.id)
    assert answer["next"] is None
    assert (answer["total"], answer["total_capped"]) == (paging.TOTAL_CAP, True)


def sql(condition) -> str:
    return str(condition.compile(dialect=postgresql.dialect()))


def test_a_chinese_fragment_searches_names_only_and_digits_also_the_id_number_and_phone():
    assert "registry_grams(entrepreneurs.name)" in sql(readmodel.person_search("张伟"))
    assert "id_number" not in sql(readmodel.person_search("张伟"))
    digits = sql(readmodel.person_search("209188"))  # four digits or more: by four-digit pieces
    assert "registry_code_grams(entrepreneurs.id_number)" in digits
    assert "registry_code_grams(entrepreneurs.phone)" in digits
    with_x = sql(readmodel.person_search("20918x"))
    assert "registry_code_grams(entrepreneurs.id_number)" in with_x and "phone" not in with_x
    short = sql(readmodel.person_search("209"))  # fewer: by trigrams
    assert "entrepreneurs.id_number ILIKE" in short and "entrepreneurs.phone ILIKE" in short


def test_an_enterprise_fragment_searches_its_name_and_industry_and_the_credit_code_when_it_can_be_one():
    assert "credit_code" not in sql(readmodel.enterprise_search("养殖"))
    code = sql(readmodel.enterprise_search("92511024MA6"))
    assert "enterprises.credit_code ILIKE" in code and "registry_grams(enterprises.industry)" in code


def test_percent_and_underscore_are_searched_for_not_wildcards():
    condition = readmodel.person_search("张_%")
    compiled = condition.compile(dialect=postgresql.dialect())
    assert "%张\\_\\%%" in compiled.params.values()


def test_an_entrepreneurs_enterprise_list_goes_through_the_owner_and_an_officials_does_not():
    mine = readmodel.enterprises_query(as_actor({"user_id": "u-1", "username": "13800000000",
                                                 "role": "entrepreneur"}), ListQuery())
    assert "JOIN entrepreneurs ON entrepreneurs.id = enterprises.owner_entrepreneur_id" in sql(mine)
    assert "entrepreneurs.account_id = " in sql(mine)
    region = readmodel.enterprises_query(as_actor({"user_id": "u-2", "username": "township", "role": "official",
                                                   "region_code": "511024101", "level": "township"}), ListQuery())
    assert "entrepreneurs" not in sql(region).split("WHERE")[0].replace("FROM enterprises", "")
