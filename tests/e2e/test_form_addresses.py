"""A form on a detail page that is refused shows the page again under the page's own address (issue
15, item 1): the page names its address and the browser's address bar returns to it (site.js), so
that reloading or sharing shows the page rather than an address that only takes posts."""

from __future__ import annotations

import re

from tests.borrowers import key, loan_request, make_borrower
from tests.e2e.test_difficulties_api import report
from tests.e2e.test_finance_pages import browser_for

ADDRESS = re.compile(r'<meta name="page-address" content="([^"]+)">')


def address_of(html: str) -> str | None:
    found = ADDRESS.search(html)
    return found.group(1) if found else None


def test_refused_forms_on_detail_pages_name_the_page_they_belong_to(stack, places):
    township_name = stack.create_user("official", region_code=places.township, level="township")
    township = stack.client(township_name)
    borrower = make_borrower(stack, township, enterprise=True)
    loan = borrower.client.post("/api/v1/loans", json=loan_request(), headers=key()).json()
    bank = browser_for(stack, stack.create_user("bank_liaison", bank_code="NJRCB"))
    refused = bank.submit(f"/loans/{loan['id']}", {"reason": "", "expected_version": str(loan["version"])},
                          action=f"/loans/{loan['id']}/reject")
    assert refused.status_code == 422 and address_of(refused.text) == f"/loans/{loan['id']}"

    difficulty = report(borrower)
    official = browser_for(stack, township_name)
    refused = official.submit(f"/difficulties/{difficulty['id']}", {"reason": "", "expected_version": "1"},
                              action=f"/difficulties/{difficulty['id']}/escalate")
    assert refused.status_code == 422 and address_of(refused.text) == f"/difficulties/{difficulty['id']}"

    # a page shown at its own address names none
    assert address_of(official.get(f"/difficulties/{difficulty['id']}").text) is None
