"""What another service adds to a page (`aside`): every outcome can be tested by the pages'
templates, whose undefined is strict. A loan's page asked for its borrower while the registry had
not yet heard of the loan answered 500 (`{% if borrower.found %}` on a dict without the key)."""

import pytest

from services.gateway.web.render import _environment
from services.gateway.web.support import aside
from shared.errors import NotFound, unavailable

SECTION = "{% if b.found %}{{ b.found.name }}{% elif b.unavailable %}稍后刷新{% else %}正在同步{% endif %}"


def refused(error):
    def ask():
        raise error
    return ask


@pytest.mark.parametrize(("ask", "shown"), [
    (lambda: {"name": "张三"}, "张三"),
    (refused(NotFound("loan_not_found", None, "没有这笔贷款")), "正在同步"),
    (refused(unavailable("registry")), "稍后刷新"),
])
def test_a_page_shows_what_another_service_added_or_why_not_whatever_it_answered(ask, shown):
    found = aside(ask)
    assert set(found) == {"found", "missing", "unavailable"}
    assert _environment().from_string(SECTION).render(b=found) == shown
