"""Secret values never reach a model: the one redaction applied to all prompt text.

Only high-confidence shapes are matched, so code is never mangled by a
guess: private key blocks (PEM, OpenSSH, PGP), AWS access key ids, GitHub,
Slack, OpenAI/Anthropic, Google API and Stripe live keys, and JWTs. Each is
replaced by `[redacted]`. Every pattern is linear in the text (see
`_token`), and a substring test skips a pattern whose marker is absent, so
this runs on every keystroke's prompt. Applied where prompts are laid out:
`prompts.build_prompt` (FIM), `chat.message_dicts` (chat: explain, fix,
commit messages, local and remote).
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_TOKEN_CHARS = "A-Za-z0-9_-"


def _token(literal: str, body: str) -> tuple[tuple[str, ...], re.Pattern]:
    """A token that starts with `literal` where no token character comes before it.

    The literal comes first so the search skips ahead to it; the look-behind after it
    rejects a literal inside a longer run at once; possessive repeats never backtrack.
    So each character is looked at a bounded number of times: linear in the text."""
    escaped = re.escape(literal)
    return (literal,), re.compile(f"{escaped}(?<![{_TOKEN_CHARS}]{escaped}){body}")


_PATTERNS = (  # (substrings, at least one of which is in any match; the pattern)
    (("PRIVATE KEY",), re.compile(
        r"-----BEGIN (?:[A-Z0-9]++ ){0,3}PRIVATE KEY(?: BLOCK)?-----[^-]*+(?:-(?!----)[^-]*+)*+"
        r"(?:-----END (?:[A-Z0-9]++ ){0,3}PRIVATE KEY(?: BLOCK)?-----)?")),
    _token("AKIA", r"[0-9A-Z]{16}(?![0-9A-Za-z])"),
    _token("ASIA", r"[0-9A-Z]{16}(?![0-9A-Za-z])"),
    _token("gh", r"[pousr]_[A-Za-z0-9]{36,}+"),
    _token("github_pat_", r"[A-Za-z0-9_]{22,}+"),
    _token("xox", r"[abposr]-[A-Za-z0-9-]{10,}+"),
    _token("sk-", r"[A-Za-z0-9_-]{20,}+"),  # OpenAI (sk-proj-...), Anthropic (sk-ant-...)
    _token("AIza", r"[0-9A-Za-z_-]{30,}+"),
    _token("sk_live_", r"[0-9A-Za-z]{16,}+"),
    _token("rk_live_", r"[0-9A-Za-z]{16,}+"),
    _token("eyJ", r"[A-Za-z0-9_-]{8,}+\.eyJ[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]{8,}+"),  # a JWT
)


def redact(text: str) -> str:
    """`text` with every high-confidence secret value replaced by `[redacted]`."""
    for markers, pattern in _PATTERNS:
        if any(marker in text for marker in markers):
            text = pattern.sub(REDACTED, text)
    return text
