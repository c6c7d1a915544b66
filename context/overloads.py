"""Choosing among several definitions of one name: implementations first, stubs once.

A Python `@overload` set or TypeScript overload signatures define one name
several times in one file; the stubs come first and the implementation, the
one that holds the code, last. Retrieval keeps only the first few definitions
of a name, so without this the budget went to stubs and the implementation
was never offered. A `.pyi` stub next to its `.py` defines the same names
again: the module's own definition is kept and the stub's twin dropped.
"""

from __future__ import annotations

CALLABLE_KINDS = frozenset({"function", "method"})


def implementation_first(found: list) -> list:
    """(file, Definition) pairs with each overloaded name's last (implementing) definition moved first."""
    if len(found) < 2:
        return found
    groups: dict[tuple, list[int]] = {}
    for position, (rel, definition) in enumerate(found):
        if definition.kind in CALLABLE_KINDS:
            groups.setdefault((rel, definition.name, definition.parent), []).append(position)
    moved = [positions for positions in groups.values() if len(positions) > 1]
    if not moved:
        return found
    order = []
    for positions in moved:
        implementation = max(positions, key=lambda p: found[p][1].start_line)
        order.append(implementation)
        order += sorted(p for p in positions if p != implementation)
    taken = set(order)
    return [found[p] for p in order] + [item for p, item in enumerate(found) if p not in taken]


def without_stub_twins(found: list) -> list:
    """Drop a `.pyi` definition when the `.py` beside it defines the same name."""
    sources = {(rel, definition.name) for rel, definition in found if rel.endswith(".py")}
    return [(rel, d) for rel, d in found if not (rel.endswith(".pyi") and (rel[:-1], d.name) in sources)]
