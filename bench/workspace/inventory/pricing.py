"""Prices: discounts and regional sales tax, all in integer cents."""

from __future__ import annotations

TAX_RATES = {"eu": 0.21, "us": 0.07, "uk": 0.20}


def apply_discount(price_cents: int, percent: float) -> int:
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(price_cents * (100 - percent) / 100)


def tax_cents(region: str, amount_cents: int) -> int:
    return round(amount_cents * TAX_RATES.get(region, 0.0))


def format_cents(amount_cents: int, currency: str = "EUR") -> str:
    return f"{amount_cents / 100:,.2f} {currency}"
