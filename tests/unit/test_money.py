"""Money at the edges: fen shown as yuan with two decimals, exactly, for whole fen as stored and for
the numeric sums PostgreSQL gives."""

from decimal import Decimal

import pytest

from shared.money import fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize(("fen", "shown"), [
    (0, "0.00"), (1, "0.01"), (5, "0.05"), (99, "0.99"), (100, "1.00"), (30000000, "300000.00"),
    (35000001, "350000.01"), (-1, "-0.01"), (-99, "-0.99"), (-100, "-1.00"), (-123456, "-1234.56"),
    (10**15 + 7, "10000000000000.07"),
])
def test_whole_fen_are_shown_as_yuan_with_two_decimals(fen, shown):
    assert fen_to_yuan(fen) == shown


def test_whole_fen_are_shown_as_the_decimal_reckoning_shows_them():
    for fen in [*range(-2500, 2500), *range(10**9 - 500, 10**9 + 500)]:
        assert fen_to_yuan(fen) == f"{Decimal(fen) / 100:.2f}"


@pytest.mark.parametrize(("fen", "shown"), [(Decimal("12345"), "123.45"), (Decimal("-5"), "-0.05"),
                                            (Decimal("0"), "0.00")])
def test_a_numeric_sum_is_shown_too(fen, shown):
    assert fen_to_yuan(fen) == shown


def test_yuan_and_fen_go_back_and_forth():
    assert all(yuan_to_fen(fen_to_yuan(fen)) == fen for fen in range(-1000, 1000))
