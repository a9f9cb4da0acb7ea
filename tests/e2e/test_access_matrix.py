"""Proof of who may do what: every operation of the OpenAPI document × every role × own or other.

One table, `TABLE`, holds the expected status of each operation for each caller: anonymous, Alice
(the entrepreneur who owns the record) and Bob (another), officials of the village, township,
county and city over Alice's record and the same levels elsewhere (Bob's county; 成都, the list's first other city, for the city),
a township unit head, NJRCB's liaison (Alice's bank) and PSBC's, NJRCB's second liaison (checker)
and the administrator. The walk answers every row against a module-wide world (tests/access_world):
refusals act on shared records and must change nothing; a row that succeeds on a command gets a
record of its own. A record out of reach must answer exactly as one that does not exist. Every
command that takes an Idempotency-Key is also replayed by every refused caller with the owner's
(guessable) key and body: the answer must be the one a first call gets, never the owner's result.
An operation of the OpenAPI document without rows fails the test, and so does a row without one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pytest

from tests.access_world import (
    APPROVAL,
    COUNTY,
    PERSONAS,
    PHOTO,
    VILLAGE,
    Target,
    World,
    department_data,
    document_form,
    meeting_data,
    project_data,
    promotion_data,
    resolution_data,
)
from tests.borrowers import loan_request
from tests.e2e.test_policies_api import lpr_proposal
from tests.factories import (
    account_number,
    bank_card,
    credit_code,
    enterprise_data,
    entrepreneur_data,
    mobile,
    roll_csv,
)
from tests.places import PLACES
from tests.stack import PASSWORD

COLUMNS = ("anon", "alice", "bob", "vil", "vil_x", "twp", "twp_x", "head", "head_x", "cty", "cty_x", "city",
           "city_x", "bank", "bank_x", "chk", "admin", "prov")
TABLE = """
                                                                          anon alice bob vil vil_x twp twp_x head head_x cty cty_x city city_x bank bank_x chk admin  prov
POST  /api/v1/auth/login                                                   200   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
POST  /api/v1/auth/logout                                                  401   204 204 204   204 204   204  204    204 204   204  204    204  204    204 204   204   204
POST  /api/v1/auth/signup                                                  201   201 201 201   201 201   201  201    201 201   201  201    201  201    201 201   201   201
GET   /api/v1/me                                                           401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/todo                                                         401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/notifications                                                401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
POST  /api/v1/notifications/read                                           401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/notifications/settings                                       401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
PUT   /api/v1/notifications/settings                                       401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   403   200
POST  /api/v1/notifications/reminders                                      401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   200   403
POST  /api/v1/users                                                        401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   201   403
GET   /api/v1/users                                                        401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
POST  /api/v1/entrepreneurs                                                401   409 409 201   403 201   403  201    403 201   403  201    403  403    403 403   403   403
GET   /api/v1/entrepreneurs                                                401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/entrepreneurs/{entrepreneur_id}                              401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/entrepreneurs/{entrepreneur_id}/verify                       401   403 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/entrepreneurs/{entrepreneur_id}/return                       401   403 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
PATCH /api/v1/entrepreneurs/{entrepreneur_id}                              401   409 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
PUT   /api/v1/entrepreneurs/{entrepreneur_id}/payee-account                401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/entrepreneurs/{entrepreneur_id}/attachments                  401   201 404 201   404 201   404  201    404 201   404  201    404  404    404 404   404   403
GET   /api/v1/entrepreneurs/{entrepreneur_id}/attachments/{attachment_id}  401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/entrepreneurs/claim/code                                     401   200 409 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
POST  /api/v1/entrepreneurs/claim                                          401   202 409 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/entrepreneur-claims                                          401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
POST  /api/v1/entrepreneur-claims/{claim_id}/approve                       401   404 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/entrepreneur-claims/{claim_id}/reject                        401   404 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/enterprises                                                  401   201 201 201   404 201   404  201    404 201   404  201    404  403    403 403   403   403
GET   /api/v1/enterprises                                                  401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/enterprises/{enterprise_id}                                  401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
GET   /api/v1/enterprises/{enterprise_id}/contact                          401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/enterprises/{enterprise_id}/verify                           401   403 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/enterprises/{enterprise_id}/headcount                        401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
PUT   /api/v1/enterprises/{enterprise_id}/liaisons                         401   403 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/enterprises/{enterprise_id}/return                           401   403 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
PATCH /api/v1/enterprises/{enterprise_id}                                  401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
PUT   /api/v1/enterprises/{enterprise_id}/payee-account                    401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/enterprises/{enterprise_id}/attachments                      401   201 404 201   404 201   404  201    404 201   404  201    404  404    404 404   404   403
GET   /api/v1/enterprises/{enterprise_id}/attachments/{attachment_id}      401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/imports                                                      401   403 403 201   201 201   201  201    201 201   201  201    201  403    403 403   403   403
GET   /api/v1/imports                                                      401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/imports/template.xlsx                                        401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   403   200
GET   /api/v1/imports/{import_id}                                          401   404 404 404   404 200   404  200    404 200   404  200    404  404    404 404   404   200
GET   /api/v1/imports/{import_id}/errors.csv                               401   404 404 404   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/imports/{import_id}/start                                    401   404 404 404   404 200   404  200    404 200   404  200    404  404    404 404   404   403
GET   /api/v1/openapi.json                                                 200   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/asyncapi.json                                                200   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/regions                                                      200   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/banks                                                        401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
PUT   /api/v1/banks/{bank_code}                                            401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
PUT   /api/v1/banks/{bank_code}/cities/{city}                              401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
GET   /api/v1/policies                                                     401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
GET   /api/v1/policies/proposals                                           401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
POST  /api/v1/policies/proposals                                           401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   201   403
POST  /api/v1/policies/proposals/{proposal_id}/approve                     401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
POST  /api/v1/policies/proposals/{proposal_id}/reject                      401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
POST  /api/v1/loans                                                        401   201 422 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
POST  /api/v1/loans/check                                                  401   200 422 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/loans/limits                                                 401   200 200 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/loans                                                        401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/loans/{loan_id}                                              401   200 404 200   404 200   404  200    404 200   404  200    404  200    404 200   404   200
GET   /api/v1/loans/{loan_id}/borrower                                     401   200 404 200   404 200   404  200    404 200   404  200    404  200    404 200   404   200
POST  /api/v1/loans/{loan_id}/approve                                      401   403 404 403   404 403   404  403    404 403   404  403    404  200    404 200   404   403
POST  /api/v1/loans/{loan_id}/confirm                                      401   403 404 403   404 403   404  403    404 403   404  403    404  403    404 200   404   403
POST  /api/v1/loans/{loan_id}/reject                                       401   403 404 403   404 403   404  403    404 403   404  403    404  200    404 200   404   403
POST  /api/v1/loans/{loan_id}/withdraw                                     401   200 404 403   404 403   404  403    404 403   404  403    404  403    404 403   404   403
POST  /api/v1/loans/{loan_id}/disburse                                     401   403 404 403   404 403   404  403    404 403   404  403    404  200    404 200   404   403
POST  /api/v1/loans/{loan_id}/repayments                                   401   403 404 403   404 403   404  403    404 403   404  403    404  201    404 201   404   403
POST  /api/v1/loans/{loan_id}/attachments                                  401   403 404 403   404 403   404  403    404 403   404  403    404  201    404 201   404   403
GET   /api/v1/loans/{loan_id}/attachments/{attachment_id}                  401   200 404 200   404 200   404  200    404 200   404  200    404  200    404 200   404   200
POST  /api/v1/loans/overdue-sweep                                          401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   200   403
GET   /api/v1/fund                                                         401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   200   422
POST  /api/v1/fund/contributions                                           401   403 403 403   403 403   403  403    403 403   403  201    201  403    403 403   403   403
PUT   /api/v1/fund/repayment-rate                                          401   403 403 403   403 403   403  403    403 403   403  200    200  403    403 403   403   403
GET   /api/v1/ledger/trial-balance                                         401   403 403 403   403 403   403  403    403 403   403  200    200  403    403 403   200   422
POST  /api/v1/subsidy-claims                                               401   201 201 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
POST  /api/v1/subsidy-claims/check                                         401   200 200 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/subsidy-claims                                               401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/subsidy-claims/{claim_id}                                    401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/subsidy-claims/{claim_id}/review                             401   403 403 200   404 200   404  200    404 200   404  200    404  403    403 403   403   403
POST  /api/v1/subsidy-batches                                              401   403 403 403   403 403   403  403    403 201   409  201    409  403    403 403   403   403
GET   /api/v1/subsidy-batches                                              401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/subsidy-batches/{batch_id}                                   401   404 404 404   404 404   404  404    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/subsidy-batches/{batch_id}/approve                           401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/subsidy-batches/{batch_id}/pay                               401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
GET   /api/v1/subsidy-batches/{batch_id}/payment-file                      401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/subsidy-batches/{batch_id}/bank-return                       401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/subsidy-batches/{batch_id}/payment-lines                     401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/subsidy-batches/{batch_id}/cancellations                     401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/interest-subsidies                                           401   403 403 403   403 403   403  403    403 403   403  201    201  403    403 403   403   403
GET   /api/v1/interest-subsidies/{quarter}                                 401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   422
POST  /api/v1/interest-subsidies/{quarter}/pay                             401   403 403 403   403 403   403  403    403 403   403  200    404  403    403 403   403   403
GET   /api/v1/interest-subsidies/{quarter}/payment-file                    401   403 403 403   403 403   403  403    403 403   403  409    404  403    403 403   403   403
POST  /api/v1/interest-subsidies/{quarter}/bank-return                     401   403 403 403   403 403   403  403    403 403   403  200    404  403    403 403   403   403
POST  /api/v1/interest-subsidies/{quarter}/payment-lines                   401   403 403 403   403 403   403  403    403 403   403  200    404  403    403 403   403   403
POST  /api/v1/quarters                                                     401   403 403 403   403 403   403  403    403 403   403  201    404  403    403 403   403   403
GET   /api/v1/quarters/{quarter}                                           401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
GET   /api/v1/quarters/{quarter}/roster                                    401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
POST  /api/v1/quarters/{quarter}/roster                                    401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
POST  /api/v1/quarters/{quarter}/roster/remove                             401   403 403 403   403 403   403  403    403 200   404  200    404  403    403 403   403   403
GET   /api/v1/quarters/{quarter}/agenda                                    401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
POST  /api/v1/quarters/{quarter}/agenda/{item_id}/refer                    401   403 403 403   404 403   404  403    404 200   404  403    404  403    403 403   403   403
PUT   /api/v1/quarters/{quarter}/meeting                                   401   403 403 403   403 403   403  403    403 403   403  200    404  403    403 403   403   403
GET   /api/v1/quarters/{quarter}/meeting                                   401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
POST  /api/v1/quarters/{quarter}/resolutions                               401   403 403 403   403 403   403  403    403 403   403  201    404  403    403 403   403   403
GET   /api/v1/quarters/{quarter}/resolutions                               401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
POST  /api/v1/resolutions/{resolution_id}/progress                         401   404 404 403   404 403   404  403    404 200   404  200    404  404    404 404   404   403
POST  /api/v1/resolutions/overdue-sweep                                    401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   403   403
POST  /api/v1/quarters/{quarter}/close                                     401   403 403 403   403 403   403  403    403 403   403  200    404  403    403 403   403   403
GET   /api/v1/bulletins                                                    401   403 403 403   403 200   200  200    200 200   200  200    200  403    403 403   403   200
GET   /api/v1/bulletins.xlsx                                               401   403 403 403   403 200   200  200    200 200   200  200    200  403    403 403   403   200
GET   /api/v1/quarters/{quarter}/bulletin                                  401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
GET   /api/v1/quarters/{quarter}/bulletin.xlsx                             401   403 403 200   200 200   200  200    200 200   200  200    404  403    403 403   403   200
GET   /api/v1/enterprises/{enterprise_id}/timeline                         401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
GET   /api/v1/dashboard                                                    401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   403   200
POST  /api/v1/consultation/rebuild                                         401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   200   403
GET   /api/v1/departments                                                  401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   200   200
POST  /api/v1/departments                                                  401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   201   403
PATCH /api/v1/departments/{code}                                           401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
POST  /api/v1/difficulties                                                 401   201 422 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/difficulties                                                 401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/difficulties/stats                                           401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   403   200
GET   /api/v1/difficulties/public/{reference}                              200   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
POST  /api/v1/difficulties/sweep                                           401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   200   403
GET   /api/v1/difficulties/{difficulty_id}                                 401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/difficulties/{difficulty_id}/attachments                     401   201 404 403   404 403   404  403    404 403   404  403    404  404    404 404   404   403
GET   /api/v1/difficulties/{difficulty_id}/attachments/{attachment_id}     401   200 404 200   404 200   404  200    404 200   404  200    404  404    404 404   404   200
PUT   /api/v1/calendar/{year}                                              401   403 403 403   403 403   403  403    403 403   403  403    403  403    403 403   200   403
PUT   /api/v1/calendar/{year}/cities/{city}                                401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   200   403
POST  /api/v1/difficulties/{difficulty_id}/contact                         401   403 404 403   404 200   404  200    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/difficulties/{difficulty_id}/escalate                        401   403 404 403   404 200   404  200    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/difficulties/{difficulty_id}/resolve                         401   403 404 403   404 200   404  200    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/difficulties/{difficulty_id}/accept                          401   200 404 403   404 403   404  403    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/difficulties/{difficulty_id}/reject                          401   200 404 403   404 403   404  403    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/difficulties/{difficulty_id}/sign-off                        401   403 404 403   404 403   404  200    404 403   404  403    404  404    404 404   404   403
POST  /api/v1/projects                                                     401   403 403 403   403 403   403  403    403 201   403  403    403  403    403 403   403   403
GET   /api/v1/projects                                                     401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/projects/for-me                                              401   200 200 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/projects/{project_id}                                        401   404 404 404   404 404   404  404    404 200   404  200    404  404    404 404   404   200
POST  /api/v1/projects/{project_id}/recommend                              401   403 403 403   403 403   403  403    403 200   403  403    403  403    403 403   403   403
POST  /api/v1/projects/{project_id}/recommendation                         401   403 403 403   403 403   403  403    403 403   403  200    403  403    403 403   403   403
POST  /api/v1/projects/{project_id}/interest                               401   200 200 403   403 403   403  403    403 403   403  403    403  403    403 403   403   403
GET   /api/v1/projects/{project_id}/interests                              401   200 200 403   403 403   403  403    403 200   403  403    403  403    403 403   403   403
GET   /api/v1/projects/{project_id}/matches                                401   403 403 200   200 200   200  200    200 200   200  200    200  403    403 403   403   200
POST  /api/v1/promotion-events                                             401   403 403 403   403 403   403  403    403 201   422  201    422  403    403 403   403   201
GET   /api/v1/promotion-events                                             401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
GET   /api/v1/promotion-events/{event_id}                                  401   200 200 200   200 200   200  200    200 200   200  200    200  200    200 200   200   200
POST  /api/v1/promotion-events/{event_id}/signings                         401   403 403 403   403 403   403  403    403 201   403  403    403  403    403 403   403   403
POST  /api/v1/projects/{project_id}/review                                 401   404 404 404   404 404   404  404    404 200   404  403    404  404    404 404   404   403
POST  /api/v1/projects/{project_id}/list                                   401   404 404 404   404 404   404  404    404 200   404  403    404  404    404 404   404   403
POST  /api/v1/projects/{project_id}/launch                                 401   403 403 403   403 403   403  403    403 200   403  403    403  403    403 403   403   403
POST  /api/v1/projects/{project_id}/withdraw                               401   404 404 404   404 404   404  404    404 200   404  403    404  404    404 404   404   403
"""


def parse_table(text: str) -> dict:
    """{(method, path): {(role, scope): status}} from the table's lines."""
    header, *lines = text.strip("\n").splitlines()
    assert tuple(header.split()) == COLUMNS, header
    matrix = {}
    for line in lines:
        method, path, *codes = line.split()
        assert len(codes) == len(COLUMNS), line
        matrix[(method, path)] = {PERSONAS[p]: int(c) for p, c in zip(COLUMNS, codes, strict=True)}
    return matrix


MATRIX = parse_table(TABLE)
PERSONA_OF = {column: persona for persona, column in PERSONAS.items()}
A = "/api/v1"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: object = None
    files: dict | None = None
    params: dict | None = None
    money: bool = False  # the command requires an Idempotency-Key: each send carries a new one

    def mentions(self, text: str) -> bool:
        return text in self.path or text in json.dumps(self.json, ensure_ascii=False)

    def with_id(self, old: str, new: str) -> Call:
        body = json.loads(json.dumps(self.json, ensure_ascii=False).replace(old, new))
        return replace(self, path=self.path.replace(old, new), json=body)


def send(client, call: Call, key: str | None = None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4())} if key or call.money else {}
    files = {name: (filename, data, kind) for name, (filename, data, kind) in (call.files or {}).items()}
    return client.http.request(call.method, client.base_url + call.path, json=call.json if not files else None,
                               files=files or None, params=call.params, headers=headers, timeout=30)


def error_code(response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "(not the API's error shape)"


@dataclass
class Spec:
    call: Callable[[World, Target | None], Call]
    target: Callable[[World], Target] | None = None  # the shared record the refused rows act on
    fresh: Callable[[World], Target] | None = None  # a record of its own for each row that succeeds
    seen: tuple[str, str] | None = None  # the GET that says who may see the target
    secret: Callable[[World], tuple[str, tuple[str, str]]] | None = None  # (id, its GET) never shown to those it refuses
    new_session: bool = False  # the call ends the caller's session: each row logs in afresh


def shared(name: str, factory: str, *args) -> Callable[[World], Target]:
    return lambda w: w.once(name, lambda: getattr(w, factory)(*args))


def fresh(factory: str, *args) -> Callable[[World], Target]:
    return lambda w: getattr(w, factory)(*args)


def post(path, body=None, **kw):
    return Call("POST", A + path, body, **kw)


def get(path, **kw):
    return Call("GET", A + path, **kw)


def put(path, body=None, **kw):
    return Call("PUT", A + path, body, **kw)


def patch(path, body=None):
    return Call("PATCH", A + path, body)


ENTREPRENEUR = ("GET", "/api/v1/entrepreneurs/{entrepreneur_id}")
ENTERPRISE = ("GET", "/api/v1/enterprises/{enterprise_id}")
LOAN = ("GET", "/api/v1/loans/{loan_id}")
CLAIM = ("GET", "/api/v1/subsidy-claims/{claim_id}")
BATCH = ("GET", "/api/v1/subsidy-batches/{batch_id}")
DIFFICULTY = ("GET", "/api/v1/difficulties/{difficulty_id}")
PROJECT = ("GET", "/api/v1/projects/{project_id}")
HEADCOUNT = {"headcount": 20, "poverty_hires": 1, "new_hires": 3}  # as make_borrower reported
LIAISONS = {"liaisons": [{"kind": "finance", "name": "周金融", "phone": "13900000001", "organisation": "农商银行",
                          "level": "county"}]}
PAGE = {"per_page": 100}
PAYEE_CARD = {"kind": "bank_card", "bank_code": "NJRCB", "account_number": bank_card()}
PAYEE_BASIC = {"bank_code": "NJRCB", "account_number": account_number(20)}
PAYEE_REASON = "本人到窗口办理"


def alice_firm(w):
    return w.alice_firm


def policy_proposal(w) -> Target:
    """A new LPR proposed by another administrator: the matrix's may decide it (four eyes)."""
    proposer = w.once("policy proposer", lambda: w.stack.client(w.stack.create_user("admin")))
    made = proposer.post("/api/v1/policies/proposals", json=lpr_proposal())
    assert made.status_code == 201, answer(made)
    return Target(made.json()["id"])


def shared_proposal(w) -> Target:
    return w.once("policy proposal", lambda: policy_proposal(w))


def quarter(w):
    return w.consultation()["quarter"]


def calm(w):
    return w.consultation()["calm"]


def firm_is_secret(w):
    return w.alice_firm.id, ENTERPRISE


def difficulty_step(action: str, body: dict, target: str = "difficulty", status: str = "assigned") -> Spec:
    return Spec(lambda w, t: post(f"/difficulties/{t.id}/{action}", body), shared(target, "difficulty", status),
                fresh("difficulty", status), DIFFICULTY)


def loan_step(action: str, body: dict | None, target: Callable, status: str = "under_bank_review",
              money: bool = False) -> Spec:
    return Spec(lambda w, t: post(f"/loans/{t.id}/{action}", body, money=money), target,
                fresh("loan", status), LOAN)


def project_step(action: str, status: str, body: dict | None = None) -> Spec:
    """A step of the library; a draft is seen by its library's officials, a listed project by everyone."""
    return Spec(lambda w, t: post(f"/projects/{t.id}/{action}", body), shared(f"{status} project", "project", status),
                fresh("project", status), PROJECT if status in ("collected", "reviewed") else None)


# the programme city's round, named: another city's official asks for it as for one never opened
CITY_ROUND = {"region": PLACES.city}
COUNTY_ROUND = {"region": COUNTY}


def quarter_read(suffix: str) -> Spec:
    return Spec(lambda w, t: get(f"/quarters/{t.id}{suffix}", params=CITY_ROUND), quarter, secret=firm_is_secret)


SPECS: dict[tuple[str, str], Spec] = {
    # ---- accounts -----------------------------------------------------------------------------
    ("POST", "/api/v1/auth/login"): Spec(lambda w, t: post("/auth/login", {"username": w.login_user,
                                                                           "password": PASSWORD})),
    ("POST", "/api/v1/auth/logout"): Spec(lambda w, t: post("/auth/logout"), new_session=True),
    ("POST", "/api/v1/auth/signup"): Spec(lambda w, t: post("/auth/signup", {
        "phone": mobile(), "display_name": "返乡创业者", "password": "long-enough-pw-1"})),
    ("GET", "/api/v1/me"): Spec(lambda w, t: get("/me")),
    ("GET", "/api/v1/todo"): Spec(lambda w, t: get("/todo")),
    ("GET", "/api/v1/notifications"): Spec(lambda w, t: get("/notifications")),
    ("POST", "/api/v1/notifications/read"): Spec(lambda w, t: post("/notifications/read", {"all": True})),
    ("GET", "/api/v1/notifications/settings"): Spec(lambda w, t: get("/notifications/settings")),
    ("PUT", "/api/v1/notifications/settings"): Spec(lambda w, t: put("/notifications/settings", {"sms": False})),
    ("POST", "/api/v1/notifications/reminders"): Spec(lambda w, t: post("/notifications/reminders")),
    ("POST", "/api/v1/users"): Spec(lambda w, t: post("/users", {
        "username": f"matrix_{uuid.uuid4().hex[:10]}", "password": "long-enough-pw-1", "role": "official",
        "display_name": "新同事", "region_code": COUNTY, "level": "county"})),
    ("GET", "/api/v1/users"): Spec(lambda w, t: get("/users")),
    # ---- registry -----------------------------------------------------------------------------
    ("POST", "/api/v1/entrepreneurs"): Spec(lambda w, t: post("/entrepreneurs", entrepreneur_data(region_code=VILLAGE))),
    ("GET", "/api/v1/entrepreneurs"): Spec(lambda w, t: get("/entrepreneurs", params=PAGE), lambda w: w.alice,
                                            seen=ENTREPRENEUR),
    ENTREPRENEUR: Spec(lambda w, t: get(f"/entrepreneurs/{t.id}"), lambda w: w.alice, seen=ENTREPRENEUR),
    ("POST", "/api/v1/entrepreneurs/{entrepreneur_id}/verify"): Spec(
        lambda w, t: post(f"/entrepreneurs/{t.id}/verify"), lambda w: w.alice, fresh("entrepreneur"), ENTREPRENEUR),
    ("POST", "/api/v1/entrepreneurs/{entrepreneur_id}/return"): Spec(
        lambda w, t: post(f"/entrepreneurs/{t.id}/return", {"reason": "请写明外出务工地点"}), lambda w: w.alice,
        fresh("entrepreneur"), ENTREPRENEUR),
    ("PATCH", "/api/v1/entrepreneurs/{entrepreneur_id}"): Spec(
        lambda w, t: patch(f"/entrepreneurs/{t.id}", {"previous_occupation": "电子厂班组长"}), lambda w: w.alice,
        fresh("entrepreneur"), ENTREPRENEUR),
    # the same account by each caller allowed: the first sets it, the others find it set (no change)
    ("PUT", "/api/v1/entrepreneurs/{entrepreneur_id}/payee-account"): Spec(
        lambda w, t: put(f"/entrepreneurs/{t.id}/payee-account", {**PAYEE_CARD, "reason": PAYEE_REASON}),
        lambda w: w.alice, seen=ENTREPRENEUR),
    ("POST", "/api/v1/entrepreneurs/{entrepreneur_id}/attachments"): Spec(
        lambda w, t: post(f"/entrepreneurs/{t.id}/attachments", files=document_form("id_card_back")),
        lambda w: w.alice, seen=ENTREPRENEUR),
    ("GET", "/api/v1/entrepreneurs/{entrepreneur_id}/attachments/{attachment_id}"): Spec(
        lambda w, t: get(f"/entrepreneurs/{t.id}/attachments/{t['attachment_id']}"),
        shared("person document", "document", "entrepreneurs"), seen=ENTREPRENEUR),
    ("POST", "/api/v1/entrepreneurs/claim/code"): Spec(
        lambda w, t: post("/entrepreneurs/claim/code", {"id_number": t["id_number"]}), shared("claimable", "claimable"),
        fresh("claimable")),
    ("POST", "/api/v1/entrepreneurs/claim"): Spec(
        lambda w, t: post("/entrepreneurs/claim", {"id_number": t["id_number"], "in_person": True}),
        shared("claimable", "claimable"), fresh("claimable")),
    ("GET", "/api/v1/entrepreneur-claims"): Spec(lambda w, t: get("/entrepreneur-claims", params=PAGE)),
    ("POST", "/api/v1/entrepreneur-claims/{claim_id}/approve"): Spec(
        lambda w, t: post(f"/entrepreneur-claims/{t.id}/approve", {"note": "已核对身份证原件"}),
        shared("claim request", "claim_request"), fresh("claim_request")),
    ("POST", "/api/v1/entrepreneur-claims/{claim_id}/reject"): Spec(
        lambda w, t: post(f"/entrepreneur-claims/{t.id}/reject", {"note": "本人未到场"}),
        shared("claim request", "claim_request"), fresh("claim_request")),
    ("POST", "/api/v1/enterprises"): Spec(lambda w, t: post("/enterprises", enterprise_data(
        owner_entrepreneur_id=t.id, region_code=VILLAGE, credit_code=credit_code(COUNTY))), lambda w: w.alice,
        seen=ENTREPRENEUR),
    ("GET", "/api/v1/enterprises"): Spec(lambda w, t: get("/enterprises", params=PAGE), alice_firm, seen=ENTERPRISE),
    ENTERPRISE: Spec(lambda w, t: get(f"/enterprises/{t.id}"), alice_firm, seen=ENTERPRISE),
    ("GET", "/api/v1/enterprises/{enterprise_id}/contact"): Spec(lambda w, t: get(f"/enterprises/{t.id}/contact"),
                                                                 alice_firm, seen=ENTERPRISE),
    ("POST", "/api/v1/enterprises/{enterprise_id}/verify"): Spec(
        lambda w, t: post(f"/enterprises/{t.id}/verify"), alice_firm, fresh("enterprise"), ENTERPRISE),
    ("POST", "/api/v1/enterprises/{enterprise_id}/headcount"): Spec(
        lambda w, t: post(f"/enterprises/{t.id}/headcount", {**HEADCOUNT, "quarter": w.reported.code}), alice_firm,
        seen=ENTERPRISE),
    ("PUT", "/api/v1/enterprises/{enterprise_id}/liaisons"): Spec(
        lambda w, t: put(f"/enterprises/{t.id}/liaisons", LIAISONS), alice_firm, fresh("enterprise"), ENTERPRISE),
    ("POST", "/api/v1/enterprises/{enterprise_id}/return"): Spec(
        lambda w, t: post(f"/enterprises/{t.id}/return", {"reason": "请核对从业人数"}), alice_firm, fresh("enterprise"),
        ENTERPRISE),
    ("PATCH", "/api/v1/enterprises/{enterprise_id}"): Spec(
        lambda w, t: patch(f"/enterprises/{t.id}", {"industry": "农产品初加工"}), alice_firm, fresh("enterprise"),
        ENTERPRISE),
    ("PUT", "/api/v1/enterprises/{enterprise_id}/payee-account"): Spec(
        lambda w, t: put(f"/enterprises/{t.id}/payee-account", {**PAYEE_BASIC, "reason": PAYEE_REASON}), alice_firm,
        seen=ENTERPRISE),
    ("POST", "/api/v1/enterprises/{enterprise_id}/attachments"): Spec(
        lambda w, t: post(f"/enterprises/{t.id}/attachments", files=document_form("lease_contract")), alice_firm,
        seen=ENTERPRISE),
    ("GET", "/api/v1/enterprises/{enterprise_id}/attachments/{attachment_id}"): Spec(
        lambda w, t: get(f"/enterprises/{t.id}/attachments/{t['attachment_id']}"),
        shared("enterprise document", "document", "enterprises"), seen=ENTERPRISE),
    ("POST", "/api/v1/imports"): Spec(lambda w, t: Call("POST", A + "/imports", files={"file": (
        "台账.csv", roll_csv([(entrepreneur_data(region_code=VILLAGE), None)]), "text/csv")})),
    ("GET", "/api/v1/imports"): Spec(lambda w, t: get("/imports")),
    ("GET", "/api/v1/imports/template.xlsx"): Spec(lambda w, t: get("/imports/template.xlsx")),
    ("GET", "/api/v1/imports/{import_id}"): Spec(lambda w, t: get(f"/imports/{t.id}"),
                                                  shared("roll import", "roll_import")),
    ("GET", "/api/v1/imports/{import_id}/errors.csv"): Spec(lambda w, t: get(f"/imports/{t.id}/errors.csv"),
                                                             shared("roll import", "roll_import")),
    ("POST", "/api/v1/imports/{import_id}/start"): Spec(lambda w, t: post(f"/imports/{t.id}/start"),
                                                         shared("roll import", "roll_import"), fresh("roll_import")),
    ("GET", "/api/v1/openapi.json"): Spec(lambda w, t: get("/openapi.json")),
    ("GET", "/api/v1/asyncapi.json"): Spec(lambda w, t: get("/asyncapi.json")),
    ("GET", "/api/v1/regions"): Spec(lambda w, t: get("/regions", params={"parent": COUNTY})),
    # ---- loans, fund and ledger ---------------------------------------------------------------
    ("GET", "/api/v1/banks"): Spec(lambda w, t: get("/banks")),
    ("PUT", "/api/v1/banks/{bank_code}"): Spec(lambda w, t: put(f"/banks/{t.id}", {
        "confirmation_threshold_yuan": "1000000.00"}), lambda w: Target("ABC", unknown="XYZ")),  # ABC's own amount
    ("PUT", "/api/v1/banks/{bank_code}/cities/{city}"): Spec(lambda w, t: put(
        f"/banks/{t.id}/cities/{PLACES.city}", {"partner": True}), lambda w: Target("ABC", unknown="XYZ")),
    ("GET", "/api/v1/policies"): Spec(lambda w, t: get("/policies", params={"domain": "lpr"})),
    ("GET", "/api/v1/policies/proposals"): Spec(lambda w, t: get("/policies/proposals")),
    ("POST", "/api/v1/policies/proposals"): Spec(lambda w, t: post("/policies/proposals", lpr_proposal())),
    ("POST", "/api/v1/policies/proposals/{proposal_id}/approve"): Spec(
        lambda w, t: post(f"/policies/proposals/{t.id}/approve"), shared_proposal, policy_proposal),
    ("POST", "/api/v1/policies/proposals/{proposal_id}/reject"): Spec(
        lambda w, t: post(f"/policies/proposals/{t.id}/reject", {"reason": "文号有误，请核对后重新提出"}),
        shared_proposal, policy_proposal),
    ("POST", "/api/v1/loans"): Spec(lambda w, t: post("/loans", loan_request(
        borrower_kind="enterprise", enterprise_id=t.id, amount_yuan="100000.00")), alice_firm, seen=ENTERPRISE),
    ("POST", "/api/v1/loans/check"): Spec(lambda w, t: post("/loans/check", loan_request(
        borrower_kind="enterprise", enterprise_id=t.id, amount_yuan="100000.00")), alice_firm, seen=ENTERPRISE),
    ("GET", "/api/v1/loans/limits"): Spec(lambda w, t: get("/loans/limits")),
    ("GET", "/api/v1/loans"): Spec(lambda w, t: get("/loans", params=PAGE), lambda w: w.alice_loan, seen=LOAN),
    LOAN: Spec(lambda w, t: get(f"/loans/{t.id}"), lambda w: w.alice_loan, seen=LOAN),
    ("GET", "/api/v1/loans/{loan_id}/borrower"): Spec(lambda w, t: get(f"/loans/{t.id}/borrower"),
                                                      lambda w: w.alice_loan, seen=LOAN),
    ("POST", "/api/v1/loans/{loan_id}/approve"): loan_step("approve", APPROVAL, lambda w: w.alice_loan),
    ("POST", "/api/v1/loans/{loan_id}/confirm"): loan_step(
        "confirm", {}, shared("awaiting loan", "loan", "awaiting_confirmation"), "awaiting_confirmation"),
    ("POST", "/api/v1/loans/{loan_id}/reject"): loan_step("reject", {"reason": "资料不全，请补充经营流水"},
                                                          lambda w: w.alice_loan),
    ("POST", "/api/v1/loans/{loan_id}/withdraw"): loan_step("withdraw", None, lambda w: w.alice_loan),
    ("POST", "/api/v1/loans/{loan_id}/disburse"): loan_step(
        "disburse", {}, shared("approved loan", "loan", "approved"), "approved", money=True),
    ("POST", "/api/v1/loans/{loan_id}/repayments"): loan_step(
        "repayments", {"amount_yuan": "100.00"}, shared("disbursed loan", "loan", "disbursed"), "disbursed", money=True),
    ("POST", "/api/v1/loans/{loan_id}/attachments"): Spec(
        lambda w, t: post(f"/loans/{t.id}/attachments", files=document_form("loan_contract")),
        shared("approved loan", "loan", "approved"), seen=LOAN),
    ("GET", "/api/v1/loans/{loan_id}/attachments/{attachment_id}"): Spec(
        lambda w, t: get(f"/loans/{t.id}/attachments/{t['attachment_id']}"), shared("loan document", "document", "loans"),
        seen=LOAN),
    ("POST", "/api/v1/loans/overdue-sweep"): Spec(lambda w, t: post("/loans/overdue-sweep")),
    ("GET", "/api/v1/fund"): Spec(lambda w, t: get("/fund")),
    ("POST", "/api/v1/fund/contributions"): Spec(lambda w, t: post("/fund/contributions", {
        "account": "fund:guarantee", "amount_yuan": "1.00"}, money=True)),
    ("PUT", "/api/v1/fund/repayment-rate"): Spec(lambda w, t: put("/fund/repayment-rate", {
        "year": 2015, "repayment_rate_percent": "95.00", "reason": "按市财政局核定"})),
    ("GET", "/api/v1/ledger/trial-balance"): Spec(lambda w, t: get("/ledger/trial-balance")),
    # ---- subsidies ----------------------------------------------------------------------------
    ("POST", "/api/v1/subsidy-claims"): Spec(lambda w, t: post("/subsidy-claims", w.skill_claim())),
    ("POST", "/api/v1/subsidy-claims/check"): Spec(lambda w, t: post("/subsidy-claims/check", w.skill_claim())),
    ("GET", "/api/v1/subsidy-claims"): Spec(lambda w, t: get("/subsidy-claims", params=PAGE),
                                             shared("claim", "claim"), seen=CLAIM),
    CLAIM: Spec(lambda w, t: get(f"/subsidy-claims/{t.id}"), shared("claim", "claim"), seen=CLAIM),
    ("POST", "/api/v1/subsidy-claims/{claim_id}/review"): Spec(
        lambda w, t: post(f"/subsidy-claims/{t.id}/review", {"decision": "approve"}), shared("claim", "claim"),
        fresh("claim"), CLAIM),
    ("POST", "/api/v1/subsidy-batches"): Spec(lambda w, t: post("/subsidy-batches", {"claim_ids": [t.id]}),
                                              shared("approved claim", "claim", "approved"), fresh("claim", "approved"),
                                              CLAIM),
    ("GET", "/api/v1/subsidy-batches"): Spec(lambda w, t: get("/subsidy-batches"), shared("batch", "batch"),
                                             seen=BATCH),
    BATCH: Spec(lambda w, t: get(f"/subsidy-batches/{t.id}"), shared("batch", "batch"), seen=BATCH),
    ("POST", "/api/v1/subsidy-batches/{batch_id}/approve"): Spec(
        lambda w, t: post(f"/subsidy-batches/{t.id}/approve"), shared("batch", "batch"), fresh("batch"), BATCH),
    ("GET", "/api/v1/subsidy-batches/{batch_id}/payment-file"): Spec(
        lambda w, t: get(f"/subsidy-batches/{t.id}/payment-file"), shared("approved batch", "batch", "approved"),
        seen=BATCH),
    ("POST", "/api/v1/subsidy-batches/{batch_id}/bank-return"): Spec(
        lambda w, t: post(f"/subsidy-batches/{t.id}/bank-return", {"lines": [
            {"reference": t.extra["reference"], "result": "paid"}]}, money=True),
        shared("approved batch", "batch", "approved"), fresh("batch", "approved"), BATCH),
    ("POST", "/api/v1/subsidy-batches/{batch_id}/payment-lines"): Spec(
        lambda w, t: post(f"/subsidy-batches/{t.id}/payment-lines"), shared("approved batch", "batch", "approved"),
        fresh("batch", "approved"), BATCH),
    ("POST", "/api/v1/subsidy-batches/{batch_id}/cancellations"): Spec(
        lambda w, t: post(f"/subsidy-batches/{t.id}/cancellations", {"claim_id": t.extra["claim_id"],
                                                                      "reason": "申领人已迁出本市"}),
        shared("failed batch", "batch", "failed"), fresh("batch", "failed"), BATCH),
    ("POST", "/api/v1/subsidy-batches/{batch_id}/pay"): Spec(
        lambda w, t: post(f"/subsidy-batches/{t.id}/pay", money=True), shared("approved batch", "batch", "approved"),
        fresh("batch", "approved"), BATCH),
    # a quarter of its own: another city's official computes their own city's, which the rows below must not find
    ("POST", "/api/v1/interest-subsidies"): Spec(lambda w, t: post("/interest-subsidies", {"quarter": t.id}),
                                                 shared("interest computed", "interest_quarter")),
    ("GET", "/api/v1/interest-subsidies/{quarter}"): Spec(lambda w, t: get(f"/interest-subsidies/{t.id}"),
                                                          shared("interest", "interest_quarter")),
    ("POST", "/api/v1/interest-subsidies/{quarter}/pay"): Spec(
        lambda w, t: post(f"/interest-subsidies/{t.id}/pay", money=True), shared("interest", "interest_quarter"),
        fresh("interest_quarter")),
    # the quarter the rows share has no interest paid in it: the city's own official is told there is nothing to pay
    ("GET", "/api/v1/interest-subsidies/{quarter}/payment-file"): Spec(
        lambda w, t: get(f"/interest-subsidies/{t.id}/payment-file"), shared("interest", "interest_quarter")),
    # a quarter in which a loan paid interest: its bank's line returned paid (a repeat changes nothing)
    ("POST", "/api/v1/interest-subsidies/{quarter}/bank-return"): Spec(
        lambda w, t: post(f"/interest-subsidies/{t.id}/bank-return", {"lines": [
            {"reference": t.extra["reference"], "result": "paid"}]}, money=True), lambda w: w.shared["paid interest"]),
    ("POST", "/api/v1/interest-subsidies/{quarter}/payment-lines"): Spec(
        lambda w, t: post(f"/interest-subsidies/{t.id}/payment-lines"), shared("interest", "interest_quarter")),
    # ---- the quarterly consultation -----------------------------------------------------------
    ("POST", "/api/v1/quarters"): Spec(lambda w, t: post("/quarters", {"quarter": t.id, **CITY_ROUND}), quarter,
                                       secret=firm_is_secret),
    ("GET", "/api/v1/quarters/{quarter}"): quarter_read(""),
    ("GET", "/api/v1/quarters/{quarter}/roster"): quarter_read("/roster"),
    ("POST", "/api/v1/quarters/{quarter}/roster"): Spec(lambda w, t: post(f"/quarters/{w.quarter}/roster", {
        "enterprise_id": t.id, "reason": "订单骤减，资金链紧张"}, params=CITY_ROUND), calm, fresh("calm_enterprise"),
        ENTERPRISE),
    ("POST", "/api/v1/quarters/{quarter}/roster/remove"): Spec(lambda w, t: post(
        f"/quarters/{w.quarter}/roster/remove", {"enterprise_id": t.id, "reason": "经核实经营已恢复正常"},
        params=CITY_ROUND), calm, fresh("calm_enterprise"), ENTERPRISE),
    ("GET", "/api/v1/quarters/{quarter}/agenda"): quarter_read("/agenda"),
    ("POST", "/api/v1/quarters/{quarter}/agenda/{item_id}/refer"): Spec(
        lambda w, t: post(f"/quarters/{w.quarter}/agenda/{t.id}/refer", {"note": "本县无法协调，请市级研究"},
                          params=COUNTY_ROUND), shared("county item", "county_item")),
    ("PUT", "/api/v1/quarters/{quarter}/meeting"): Spec(lambda w, t: put(f"/quarters/{t.id}/meeting",
                                                                         meeting_data(w.quarter), params=CITY_ROUND),
                                                        quarter),
    ("GET", "/api/v1/quarters/{quarter}/meeting"): quarter_read("/meeting"),
    ("POST", "/api/v1/quarters/{quarter}/resolutions"): Spec(
        lambda w, t: post(f"/quarters/{w.quarter}/resolutions", resolution_data(t.id), params=CITY_ROUND),
        shared("item", "agenda_item"),
        fresh("agenda_item"), secret=firm_is_secret),
    ("GET", "/api/v1/quarters/{quarter}/resolutions"): quarter_read("/resolutions"),
    ("POST", "/api/v1/resolutions/{resolution_id}/progress"): Spec(
        lambda w, t: post(f"/resolutions/{t.id}/progress", {"progress": 40, "note": "已组织两场定向招聘会"}),
        lambda w: w.consultation()["resolution"], secret=firm_is_secret),
    ("POST", "/api/v1/resolutions/overdue-sweep"): Spec(lambda w, t: post("/resolutions/overdue-sweep")),
    ("POST", "/api/v1/quarters/{quarter}/close"): Spec(lambda w, t: post(f"/quarters/{t.id}/close", params=CITY_ROUND),
                                                       shared("closable quarter", "closable_quarter"),
                                                       fresh("closable_quarter")),
    ("GET", "/api/v1/bulletins"): Spec(lambda w, t: get("/bulletins")),
    ("GET", "/api/v1/bulletins.xlsx"): Spec(lambda w, t: get("/bulletins.xlsx")),
    ("GET", "/api/v1/quarters/{quarter}/bulletin"): quarter_read("/bulletin"),
    ("GET", "/api/v1/quarters/{quarter}/bulletin.xlsx"): quarter_read("/bulletin.xlsx"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/timeline"): Spec(lambda w, t: get(f"/enterprises/{t.id}/timeline"),
                                                                  alice_firm, seen=ENTERPRISE),
    ("GET", "/api/v1/dashboard"): Spec(lambda w, t: get("/dashboard")),
    ("POST", "/api/v1/consultation/rebuild"): Spec(lambda w, t: post("/consultation/rebuild")),
    ("GET", "/api/v1/departments"): Spec(lambda w, t: get("/departments")),
    ("POST", "/api/v1/departments"): Spec(lambda w, t: post("/departments", department_data())),
    ("PATCH", "/api/v1/departments/{code}"): Spec(
        lambda w, t: patch(f"/departments/{t.id}", {"aliases": [f"测试别名{uuid.uuid4().hex[:8]}"]}),
        shared("department", "department"), fresh("department")),
    # ---- difficulties -------------------------------------------------------------------------
    ("POST", "/api/v1/difficulties"): Spec(lambda w, t: post("/difficulties", {
        "enterprise_id": t.id, "category": "labour", "description": "缺少熟练工人二十名，急需帮助"}), alice_firm,
        seen=ENTERPRISE),
    ("GET", "/api/v1/difficulties"): Spec(lambda w, t: get("/difficulties", params=PAGE),
                                          shared("difficulty", "difficulty"), seen=DIFFICULTY),
    ("GET", "/api/v1/difficulties/stats"): Spec(lambda w, t: get("/difficulties/stats")),
    ("GET", "/api/v1/difficulties/public/{reference}"): Spec(
        lambda w, t: get(f"/difficulties/public/{t.id}"),
        lambda w: Target(w.once("difficulty", w.difficulty)["reference"], unknown="KN1999-99999")),
    ("POST", "/api/v1/difficulties/sweep"): Spec(lambda w, t: post("/difficulties/sweep")),
    DIFFICULTY: Spec(lambda w, t: get(f"/difficulties/{t.id}"), shared("difficulty", "difficulty"), seen=DIFFICULTY),
    ("POST", "/api/v1/difficulties/{difficulty_id}/attachments"): Spec(
        lambda w, t: post(f"/difficulties/{t.id}/attachments", files={"file": ("photo.png", PHOTO, "image/png")}),
        shared("difficulty", "difficulty"), fresh("difficulty"), DIFFICULTY),
    ("GET", "/api/v1/difficulties/{difficulty_id}/attachments/{attachment_id}"): Spec(
        lambda w, t: get(f"/difficulties/{t.id}/attachments/{t['attachment_id']}"), shared("attachment", "attachment"),
        seen=DIFFICULTY),
    ("PUT", "/api/v1/calendar/{year}"): Spec(lambda w, t: put("/calendar/2028", {"holidays": ["2028-01-01"], "workdays": []})),
    ("PUT", "/api/v1/calendar/{year}/cities/{city}"): Spec(lambda w, t: put(
        f"/calendar/2028/cities/{PLACES.city}", {"name": "地方假日", "holidays": [], "workdays": []})),
    ("POST", "/api/v1/difficulties/{difficulty_id}/contact"): difficulty_step("contact", {}),
    ("POST", "/api/v1/difficulties/{difficulty_id}/escalate"): difficulty_step("escalate", {"reason": "需要上级协调"}),
    ("POST", "/api/v1/difficulties/{difficulty_id}/resolve"): difficulty_step(
        "resolve", {"resolution": "已经协调镇劳务站解决用工"}),
    ("POST", "/api/v1/difficulties/{difficulty_id}/accept"): difficulty_step(
        "accept", {}, "resolved difficulty", "resolved"),
    ("POST", "/api/v1/difficulties/{difficulty_id}/reject"): difficulty_step(
        "reject", {"reason": "没有解决"}, "resolved difficulty", "resolved"),
    ("POST", "/api/v1/difficulties/{difficulty_id}/sign-off"): difficulty_step(
        "sign-off", {}, "accepted difficulty", "accepted"),
    # ---- projects -----------------------------------------------------------------------------
    ("POST", "/api/v1/projects"): Spec(lambda w, t: post("/projects", project_data(w.n()))),
    ("GET", "/api/v1/projects"): Spec(lambda w, t: get("/projects", params={"status": "collected", **PAGE}),
                                      shared("collected project", "project", "collected"), seen=PROJECT),
    ("GET", "/api/v1/projects/for-me"): Spec(lambda w, t: get("/projects/for-me")),
    PROJECT: Spec(lambda w, t: get(f"/projects/{t.id}"), shared("collected project", "project", "collected"),
                  seen=PROJECT),
    ("POST", "/api/v1/projects/{project_id}/recommend"): project_step("recommend", "listed"),
    ("POST", "/api/v1/projects/{project_id}/recommendation"): project_step("recommendation", "recommended",
                                                                           {"accept": True}),
    ("POST", "/api/v1/projects/{project_id}/interest"): Spec(
        lambda w, t: post(f"/projects/{t.id}/interest", {"note": "有意向参与投资"}),
        shared("listed project", "project", "listed")),
    ("GET", "/api/v1/projects/{project_id}/interests"): Spec(
        lambda w, t: get(f"/projects/{t.id}/interests"), shared("listed project", "project", "listed")),
    ("GET", "/api/v1/projects/{project_id}/matches"): Spec(
        lambda w, t: get(f"/projects/{t.id}/matches"), shared("listed project", "project", "listed")),
    ("POST", "/api/v1/promotion-events"): Spec(lambda w, t: post("/promotion-events", promotion_data([t.id])),
                                               shared("listed project", "project", "listed"),
                                               fresh("project", "listed")),
    ("GET", "/api/v1/promotion-events"): Spec(lambda w, t: get("/promotion-events")),
    ("GET", "/api/v1/promotion-events/{event_id}"): Spec(lambda w, t: get(f"/promotion-events/{t.id}"),
                                                         shared("event", "promotion_event")),
    ("POST", "/api/v1/promotion-events/{event_id}/signings"): Spec(
        lambda w, t: post(f"/promotion-events/{t.id}/signings", {"project_id": t["project_id"],
                                                                 "entrepreneur_id": w.alice.id}),
        shared("event", "promotion_event"), fresh("promotion_event")),
    ("POST", "/api/v1/projects/{project_id}/review"): project_step("review", "collected"),
    ("POST", "/api/v1/projects/{project_id}/list"): project_step("list", "reviewed"),
    ("POST", "/api/v1/projects/{project_id}/launch"): project_step("launch", "signed"),
    ("POST", "/api/v1/projects/{project_id}/withdraw"): project_step("withdraw", "collected", {"note": "资金未落实，暂缓"}),
}

# operation -> the persona who makes the first call with a guessable key (every refused caller replays it)
REPLAYS = {
    ("POST", "/api/v1/entrepreneurs"): "twp",
    ("POST", "/api/v1/enterprises"): "alice",
    ("POST", "/api/v1/enterprises/{enterprise_id}/headcount"): "alice",
    ("POST", "/api/v1/loans"): "alice",
    ("POST", "/api/v1/loans/{loan_id}/approve"): "bank",
    ("POST", "/api/v1/loans/{loan_id}/confirm"): "chk",
    ("POST", "/api/v1/loans/{loan_id}/reject"): "bank",
    ("POST", "/api/v1/loans/{loan_id}/disburse"): "bank",
    ("POST", "/api/v1/loans/{loan_id}/repayments"): "bank",
    ("POST", "/api/v1/fund/contributions"): "city",
    ("POST", "/api/v1/policies/proposals"): "admin",
    ("POST", "/api/v1/policies/proposals/{proposal_id}/approve"): "admin",
    ("POST", "/api/v1/policies/proposals/{proposal_id}/reject"): "admin",
    ("POST", "/api/v1/subsidy-claims"): "alice",
    ("POST", "/api/v1/subsidy-batches"): "cty",
    ("POST", "/api/v1/subsidy-batches/{batch_id}/approve"): "cty",
    ("POST", "/api/v1/subsidy-batches/{batch_id}/pay"): "cty",
    ("POST", "/api/v1/subsidy-batches/{batch_id}/bank-return"): "cty",
    ("POST", "/api/v1/subsidy-batches/{batch_id}/payment-lines"): "cty",
    ("POST", "/api/v1/subsidy-batches/{batch_id}/cancellations"): "cty",
    ("POST", "/api/v1/interest-subsidies/{quarter}/pay"): "city",
    ("POST", "/api/v1/interest-subsidies/{quarter}/payment-lines"): "city",
    ("POST", "/api/v1/interest-subsidies/{quarter}/bank-return"): "city",
    ("POST", "/api/v1/quarters/{quarter}/resolutions"): "city",
    ("POST", "/api/v1/resolutions/{resolution_id}/progress"): "cty",
    ("POST", "/api/v1/difficulties"): "alice",
    ("POST", "/api/v1/projects"): "cty",
    ("POST", "/api/v1/promotion-events"): "cty",
}
WALKED: Counter = Counter()
CONCURRENT = 6  # requests in flight at once
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def world(stack, quarters):
    made = World(stack, quarters)
    yield made
    made.close()


def ok_status(status: int) -> bool:
    return 200 <= status < 300


def expected_rows(operation) -> dict[str, int]:
    return {PERSONA_OF[column]: status for column, status in MATRIX[operation].items()}


def describe(operation, persona: str) -> str:
    role, scope = PERSONAS[persona]
    return f"{operation[0]} {operation[1]} as {role}/{scope}"


def answer(response) -> str:
    """Status and error code, never the body (it may hold personal data)."""
    return f"{response.status_code} {error_code(response) or ''}".strip()


class Walk:
    """One operation's rows: the refusals together on the shared record, then the successes together,
    each command that succeeds on a record of its own."""

    def __init__(self, world: World, operation):
        self.w, self.operation, self.spec = world, operation, SPECS[operation]
        self.rows = expected_rows(operation)
        self.problems: list[str] = []
        self.shared = self.spec.target(world) if self.spec.target else None

    def run(self) -> list[str]:
        refusals = [p for p, status in self.rows.items() if not ok_status(status)]
        with ThreadPoolExecutor(CONCURRENT) as pool:  # each batch at once: no row depends on another
            for batch in (refusals, [p for p in self.rows if p not in refusals]):
                list(pool.map(lambda p: self.row(p, self.rows[p]), batch))
        WALKED["rows"] += len(self.rows)
        return sorted(self.problems)

    def target_for(self, expected: int) -> Target | None:
        changes = self.operation[0] != "GET" and ok_status(expected) and self.spec.fresh is not None
        return self.spec.fresh(self.w) if changes else self.shared

    def row(self, persona: str, expected: int) -> None:
        target = self.target_for(expected)
        client = self.w.new_session(persona) if self.spec.new_session else self.w.caller(persona, target)
        call = self.spec.call(self.w, target)
        response = send(client, call)
        where = describe(self.operation, persona)
        if response.status_code != expected:
            self.problems.append(f"{where}: expected {expected}, got {answer(response)}")
            return
        if ok_status(expected):
            self.check_secret(persona, target, response, where)
        elif target is not None and call.mentions(target.id) and (
                expected == 404 or (expected != 401 and self.blind(persona))):
            unknown = send(client, call.with_id(target.id, target.unknown or str(uuid.uuid4())))
            if answer(unknown) != answer(response):
                self.problems.append(f"{where}: answers {answer(response)}, but {answer(unknown)} for a record "
                                     "that does not exist")

    def blind(self, persona: str) -> bool:
        """The persona may not see the target (its GET answers 404)."""
        return self.spec.seen is not None and expected_rows(self.spec.seen)[persona] == 404

    def check_secret(self, persona: str, target: Target | None, response, where: str) -> None:
        if self.spec.secret:
            secret, seen = self.spec.secret(self.w)
        elif target is not None and self.spec.seen:
            secret, seen = target.id, self.spec.seen
        else:
            return
        if expected_rows(seen)[persona] == 404 and secret in response.text:
            self.problems.append(f"{where}: the answer shows {secret}, which its GET refuses this caller")


def test_every_operation_of_the_openapi_document_has_rows(stack):
    document = stack.client().get("/api/v1/openapi.json").json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    unlisted = sorted(operations - set(MATRIX))
    gone = sorted(set(MATRIX) - operations)
    assert not unlisted and not gone, f"operations without rows: {unlisted}; rows without an operation: {gone}"
    assert set(SPECS) == set(MATRIX), sorted(set(SPECS) ^ set(MATRIX))
    keyed = {(method.upper(), path) for path, item in document["paths"].items() for method, op in item.items()
             if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))}
    assert keyed <= set(REPLAYS), f"operations that take a key without replay rows: {sorted(keyed - set(REPLAYS))}"


@pytest.mark.parametrize("operation", list(SPECS), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_role_gets_the_expected_answer(world, operation):
    problems = Walk(world, operation).run()
    WALKED["operations"] += 1
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", list(REPLAYS), ids=lambda op: f"{op[0]} {op[1]}")
def test_a_replayed_key_answers_as_a_first_call_and_shows_nothing_of_the_owners(world, operation):
    spec, rows, owner = SPECS[operation], expected_rows(operation), REPLAYS[operation]
    target = spec.fresh(world) if spec.fresh else (spec.target(world) if spec.target else None)
    call = spec.call(world, target)
    # guessable: the action and its record (or the day)
    first_key = f"{operation[1].rstrip('/').split('/')[-1]}-{target.id if target else world.days_ago(0)}"
    first = send(world.caller(owner, target), call, first_key)
    assert ok_status(first.status_code), answer(first)
    owners = {found for found in re.findall(UUID, first.text) if not call.mentions(found)}
    problems: list[str] = []

    def replay(persona: str) -> None:
        client = world.caller(persona, target)
        replayed, first_call = send(client, call, first_key), send(client, call)
        where = describe(operation, persona)
        if answer(replayed) != answer(first_call):
            problems.append(f"{where}: the owner's key answers {answer(replayed)}, a first call {answer(first_call)}")
        if owners & set(re.findall(UUID, replayed.text)):
            problems.append(f"{where}: the replay shows the owner's result")

    refused = [p for p, status in rows.items() if not ok_status(status)]
    with ThreadPoolExecutor(CONCURRENT) as pool:
        list(pool.map(replay, refused))
    WALKED["replays"] += len(refused)
    assert not problems, "\n".join(sorted(problems))


def test_rows_walked(record_property, capsys):
    record_property("matrix_rows_walked", WALKED["rows"])
    record_property("replay_rows_walked", WALKED["replays"])
    with capsys.disabled():
        print(f"\naccess matrix: {len(MATRIX)} operations × {len(COLUMNS)} callers; rows walked: {WALKED['rows']} "
              f"(operations {WALKED['operations']}), replay rows walked: {WALKED['replays']}")
