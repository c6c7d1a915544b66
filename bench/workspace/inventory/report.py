"""Stock reports for one warehouse: totals, reorder lists and printable tables."""

from __future__ import annotations

from inventory.models import StockLine, Warehouse
from inventory.pricing import apply_discount, format_cents, tax_cents


def reorder_list(warehouse: Warehouse) -> list[StockLine]:
    return [line for line in warehouse.items() if line.needs_reorder()]


def print_report(warehouse: Warehouse) -> None:
    totals = summarize_stock(warehouse, discount_percent=0)
    print(f"{warehouse.name} ({warehouse.region})")
    for category, value in sorted(totals.items()):
        print(f"  {category:<12} {format_cents(value)}")
    for line in reorder_list(warehouse):
        print(f"  reorder {line.item.sku}: {line.quantity} left")
