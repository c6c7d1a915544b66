"""Items, stock levels and warehouses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    price_cents: int
    category: str = "general"


@dataclass
class StockLine:
    item: Item
    quantity: int
    reorder_level: int = 5

    def needs_reorder(self) -> bool:
        return self.quantity <= self.reorder_level

    def value_cents(self) -> int:
        return self.item.price_cents * self.quantity


@dataclass
class Warehouse:
    name: str
    region: str
    lines: dict[str, StockLine] = field(default_factory=dict)

    def add(self, item: Item, quantity: int, reorder_level: int = 5) -> StockLine:
        line = self.lines.get(item.sku)
        if line is None:
            line = StockLine(item, 0, reorder_level)
            self.lines[item.sku] = line
        line.quantity += quantity
        return line

    def remove(self, sku: str, quantity: int) -> StockLine:
        line = self.lines[sku]
        if quantity > line.quantity:
            raise ValueError(f"only {line.quantity} of {sku} left")
        line.quantity -= quantity
        return line

    def items(self) -> list[StockLine]:
        return sorted(self.lines.values(), key=lambda line: line.item.sku)
