"""Turn what a model says into a well-formed commit message.

Chat models wrap answers in preambles ("Here is a commit message:"), labels
("Subject:"), markdown, code fences and quotes. `clean_message` strips all of
that and returns a subject of at most 72 characters, and a body whose
paragraphs and bullet items are wrapped at 72 columns; lines git would take
for comments lose their `#`. It returns None when nothing usable is left, so
the caller can fall back to a plain description of the change.
"""

from __future__ import annotations

import re
import textwrap

SUBJECT_LIMIT = 72
BODY_WIDTH = 72
MAX_BODY_LINES = 24
_PREAMBLE = re.compile(
    r"^(sure|certainly|of course|okay|ok|here(?:'s| is| are)|below is|the following)\b.*", re.I)
_CHATTER = re.compile(r"^(i hope|let me know|feel free|this commit message|note:)", re.I)
_LABEL = re.compile(
    r"^(commit message|commit|subject|title|summary|subject line|body|description|message)\s*:\s*", re.I)
_BULLET = re.compile(r"^(\s*)([-*+•]|\d+[.)])\s+")
_QUOTES = [('"', '"'), ("'", "'"), ("`", "`"), ("\u201c", "\u201d"), ("\u2018", "\u2019")]
_VERBS = ("add", "fix", "update", "remove", "change", "refactor", "implement", "improve", "rename",
          "move", "create", "delete", "introduce", "replace", "use", "fetch", "support", "handle",
          "allow", "avoid", "bump", "clean", "document", "enable", "disable", "extract", "simplify",
          "test", "return", "make", "set", "drop", "correct", "adjust", "upgrade", "convert", "merge")
_IMPERATIVE = {form: verb for verb in _VERBS for form in (
    verb + "s", verb + "es", verb + "ed", verb + "d", verb + "ing",
    (verb[:-1] if verb.endswith("e") else verb) + "ing", verb + verb[-1] + "ed", verb + verb[-1] + "ing")}
_IMPERATIVE.update({"made": "make", "set": "set", "sets": "set", "setting": "set"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]")


def clean_message(raw: str) -> tuple[str, str] | None:
    """(subject, body) from model text, or None when it holds no usable subject."""
    lines = [_clean_line(line) for line in _CONTROL.sub("", raw.replace("\r\n", "\n")).split("\n")]
    lines = _without_repeats([line for line in lines if line is not None])
    while lines and (not lines[0].strip() or _PREAMBLE.match(lines[0].strip())):
        lines.pop(0)
    if not lines:
        return None
    subject, rest = _subject(lines[0])
    if sum(ch.isalpha() for ch in subject) < 2:
        return None
    body_lines = rest + [line for line in lines[1:] if not _CHATTER.match(line.strip())]
    return subject, _wrap_body(body_lines)


def _without_repeats(lines: list[str]) -> list[str]:
    """Drop lines that repeat an earlier one: small models loop on greedy decoding."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = line.strip().lower()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return kept


def format_message(subject: str, body: str) -> str:
    return f"{subject}\n\n{body}" if body else subject


def _clean_line(line: str) -> str | None:
    """One line without markdown decoration; None for lines to drop entirely (fences)."""
    stripped = line.strip()
    if stripped.startswith("```") or stripped in ("---", "***"):
        return None
    stripped = re.sub(r"^#+\s*", "", stripped)  # headings; git would also eat them as comments
    stripped = stripped.replace("**", "").replace("__", "")
    stripped = _LABEL.sub("", stripped)
    stripped = _unquote(stripped)
    indent = line[: len(line) - len(line.lstrip())] if _BULLET.match(line) else ""
    return indent + stripped if stripped else ""


def _unquote(text: str) -> str:
    """Without surrounding quotes, matched or dangling (a reply cut mid-quote)."""
    for opening, closing in _QUOTES:
        if text.startswith(opening) and (text.endswith(closing) or closing not in text[1:]):
            text = text[1:]
            return (text[:-1] if text.endswith(closing) else text).strip()
    return text


def _subject(line: str) -> tuple[str, list[str]]:
    """The first line as a subject; a longer first line spills its later sentences to the body."""
    text = " ".join(_BULLET.sub("", line).split()).rstrip()
    rest: list[str] = []
    if len(text) > SUBJECT_LIMIT:
        end = text.find(". ", 0, SUBJECT_LIMIT)
        if end > 10:
            text, rest = text[:end], [text[end + 2:], ""]
        else:
            cut = text[: SUBJECT_LIMIT + 1].rsplit(" ", 1)[0] if " " in text[:SUBJECT_LIMIT + 1] else ""
            text = (cut or text[:SUBJECT_LIMIT]).rstrip(" ,;:-")
    return imperative(text.rstrip(".").strip())[:SUBJECT_LIMIT], rest


def imperative(subject: str) -> str:
    """"Added x" / "Adds x" / "Adding x" -> "Add x", for the verbs commit subjects start with most."""
    first, _, rest = subject.partition(" ")
    base = _IMPERATIVE.get(first.lower())
    if base is None:
        return subject
    base = base.capitalize() if first[:1].isupper() else base
    return f"{base} {rest}".strip()


def _wrap_body(lines: list[str]) -> str:
    """Paragraphs and bullet items re-wrapped at BODY_WIDTH; runs of blank lines collapsed."""
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(_wrap(" ".join(paragraph), "", ""))
            paragraph.clear()

    for line in lines:
        stripped = line.strip()
        bullet = _BULLET.match(line)
        if not stripped:
            flush()
            blocks.append("")
        elif bullet:
            flush()
            marker = "-" if bullet.group(2) in "*+•" else bullet.group(2)
            text = _BULLET.sub("", line).strip()
            blocks.append(_wrap(text, f"{marker} ", " " * (len(marker) + 1)))
        else:
            paragraph.append(stripped)
    flush()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(blocks)).strip("\n")
    body = text.split("\n")[:MAX_BODY_LINES]
    return "\n".join(body).strip()


def _wrap(text: str, first_indent: str, next_indent: str) -> str:
    return textwrap.fill(text, width=BODY_WIDTH, initial_indent=first_indent,
                         subsequent_indent=next_indent, break_on_hyphens=False)
