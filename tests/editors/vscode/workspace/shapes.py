"""Small geometry helpers: the fixture the VS Code end-to-end test types into."""


def area(width: float, height: float) -> float:
    """The area of a width x height rectangle."""
    return width * height


def describe(width: float, height: float) -> str:
    return f"{width} x {height} = {area(width, height)}"
