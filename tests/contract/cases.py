"""Who the generated cases run as, and how many ran for each."""

from collections import Counter

ROLES = ["anonymous", "entrepreneur", "township", "county", "city", "bank", "admin"]
BOUNDARY_ROLES = ["entrepreneur"]
CASES: Counter[str] = Counter()
