"""Money: integer fen inside, yuan with two decimals at the edges; never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

BASIS = 10_000  # basis points in one


def yuan_to_fen(amount: Decimal | str | int) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> str:
    if type(fen) is int:  # as stored: whole fen, without a Decimal (a loan's answer shows about 300 amounts)
        whole, cents = divmod(abs(fen), 100)
        return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"
    return f"{Decimal(fen) / 100:.2f}"  # a sum PostgreSQL gives as numeric


def round_fen(value: Decimal) -> int:
    """Round a Decimal amount of fen to whole fen, halves away from zero."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def share(fen: int, basis_points: int) -> int:
    """`basis_points`/10000 of an amount, rounded to the fen."""
    return round_fen(Decimal(fen) * basis_points / BASIS)


def yuan_label(fen: int) -> str:
    """Thousands separators for people: 300,000.00 元."""
    return f"{Decimal(fen) / 100:,.2f}元"


CENT = Decimal("0.01")


def _scaled(fen: int, places: int) -> Decimal:
    # scaleb shifts the decimal point exactly; only the final rounding to the cent is lossy
    return Decimal(fen).scaleb(-places).quantize(CENT, rounding=ROUND_HALF_UP)


def wan(fen: int) -> Decimal:
    """Fen in 万元 to the cent of a 万元, the unit the programme's bulletins and dashboard use."""
    return _scaled(fen, 6)


def wan_yuan(fen: int) -> str:
    """Fen as 万元 with separators and two decimals: 1500000000 -> "1,500.00"."""
    return f"{wan(fen):,.2f}"


def yi_yuan(fen: int) -> str:
    """Fen as 亿元 with two decimals: 275500000000 -> "27.55"."""
    return f"{_scaled(fen, 10):,.2f}"
