"""Loans, claims and difficulties are listed 50 at a time with 下一页 and 回到第一页, filters kept."""

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.web.support import numbered_pager, page_number


def request(query: str) -> Request:
    return Request(EnvironBuilder(path="/loans", query_string=query).get_environ())


def test_the_next_page_keeps_the_filter_and_the_first_page_has_no_way_back():
    pager = numbered_pager(request("all=1"), {"page": 1, "per_page": 50, "total": 120}, ("all",))
    assert pager == {"page": 1, "first": None, "next": "/loans?all=1&page=2"}


def test_the_last_page_has_a_way_back_and_no_next():
    pager = numbered_pager(request("status=approved&page=3&x=1"), {"page": 3, "per_page": 50, "total": 120},
                           ("status",))
    assert pager == {"page": 3, "first": "/loans?status=approved", "next": None}


def test_a_page_number_that_is_not_one_is_the_first_page():
    assert [page_number(request(q).args) for q in ("", "page=abc", "page=0", "page=-2", "page=7", "page=99999")] == [
        1, 1, 1, 1, 7, 10000]
