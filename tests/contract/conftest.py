"""The contract tests' closing line: how many generated cases each role ran."""

from tests.contract.cases import CASES, ROLES


def pytest_terminal_summary(terminalreporter):
    if CASES:
        counts = ", ".join(f"{role} {CASES[role]}" for role in ROLES)
        terminalreporter.write_line(f"schemathesis cases run: {counts}; total {sum(CASES.values())}")
