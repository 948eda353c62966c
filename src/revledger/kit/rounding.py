"""Rounding: the one rule, applied here and nowhere else.

**Half away from zero** on the magnitude: 2.5 -> 3, -2.5 -> -3, 2.4999 -> 2. It is done
in exact arithmetic only — integers (a quotient n / d), Fractions and Decimals, never a
float — so every database and every machine gives the same cent.

**A split sums back exactly.** An amount split into shares (recognition over periods,
proration, allocation) rounds every share but the last to the currency's quantum, and
the last share takes the rest (`split_exact`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded half away from zero, in exact integers
    (a Fraction's numerator and denominator, an amount over its scale)."""
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """A Decimal rounded half away from zero to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def split_exact(amount: int, weights: list[int], quantum: int) -> list[int]:
    """Split `amount` in proportion to `weights`: every part but the last is its share
    rounded half-up (away from zero) to a multiple of `quantum`; the last part is the
    rest, so the parts always sum to `amount` exactly. When that would leave the last
    part of the opposite sign, the running total is rounded instead."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    parts = [divide_half_up(amount * weight, total * quantum) * quantum for weight in weights[:-1]]
    parts.append(amount - sum(parts))
    if (parts[-1] < 0 < amount) or (amount < 0 < parts[-1]):
        # Tiny amounts over many periods (7 cents over 12 months): rounding every share
        # up would leave the last one negative. Round the running total instead, so no
        # period gets a share of the wrong sign; the parts still sum to `amount`.
        parts, done, before = [], 0, 0
        for weight in weights:
            done += weight
            upto = divide_half_up(amount * done, total * quantum) * quantum
            if done == total or abs(upto) > abs(amount):  # never past the amount itself
                upto = amount
            parts.append(upto - before)
            before = upto
    return parts
