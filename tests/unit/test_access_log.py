"""The gateway's access log keeps a request's path and query names, never the query's values."""

import logging

from services.gateway.http import QueryNamesOnlyLog, query_names_only


def test_query_values_are_left_out_and_their_names_kept():
    line = ('127.0.0.1 - - [03/Dec/2026 19:57:12] "GET /api/v1/entrepreneurs?q=13800001111&status=registered'
            '&flag HTTP/1.1" 200 639 0.001586')
    assert query_names_only(line) == ('127.0.0.1 - - [03/Dec/2026 19:57:12] "GET /api/v1/entrepreneurs'
                                      '?q=…&status=…&flag HTTP/1.1" 200 639 0.001586')
    assert query_names_only('"GET /api/v1/me HTTP/1.1" 200') == '"GET /api/v1/me HTTP/1.1" 200'


def test_the_log_writes_redacted_lines_and_passes_everything_else_through(caplog):
    log = QueryNamesOnlyLog(logging.getLogger("access-test"))
    with caplog.at_level(logging.INFO, logger="access-test"):
        log.info('"GET /status?reference=KN2026-000123 HTTP/1.1" 200')
        log.error("broken pipe")
    assert [r.getMessage() for r in caplog.records] == ['"GET /status?reference=… HTTP/1.1" 200', "broken pipe"]
