"""Value checkers for the settings schema in `lsp_server.config`.

Each checker returns the parsed value or raises ValueError (the caller keeps
the default and names the key), and carries `.schema`: the JSON-schema facts
(type, enum, bounds) that the editor manifests must repeat, read by
`config.schema()`.
"""

from __future__ import annotations

from typing import Any, Callable


def _typed(check: Callable[[Any], Any], **facts: Any) -> Callable[[Any], Any]:
    check.schema = facts  # type: ignore[attr-defined]
    return check


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("expected true or false")


def whole_number(low: int, high: int, *, optional: bool = False) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if optional and value is None:
            return None  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ValueError("expected a whole number")
        if not low <= value <= high:
            raise ValueError(f"expected {low}..{high}")
        return int(value)

    return _typed(check, type=["integer", "null"] if optional else "integer", minimum=low, maximum=high)


def optional_whole_number(low: int, high: int) -> Callable[[Any], int | None]:
    return whole_number(low, high, optional=True)


def string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("expected a string")


def choice(*names: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value in names:
            return value
        raise ValueError(f"expected one of {', '.join(names)}")

    return _typed(check, type="string", enum=list(names))


def string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("expected a list of strings")


def language_map(value: Any) -> tuple[tuple[str, bool], ...]:
    if isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()):
        return tuple(sorted(value.items()))
    raise ValueError("expected an object of languageId: true/false")


def seconds(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 3600:
        return float(value)
    raise ValueError("expected seconds (0..3600]")


def minutes(value: Any) -> float:
    """Minutes, fractions allowed (a test's keep-alive is a second or so); 0 = never."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10_080:
        return float(value)
    raise ValueError("expected minutes 0..10080")


_typed(boolean, type="boolean")
_typed(string, type="string")
_typed(string_list, type="array")
_typed(language_map, type="object")
_typed(seconds, type="number", maximum=3600)
_typed(minutes, type="number", minimum=0, maximum=10_080)
