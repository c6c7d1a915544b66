"""Secret values never reach a model: the one redaction applied to all prompt text.

Only high-confidence shapes are matched, so code is never mangled by a
guess: private key blocks (PEM, OpenSSH, PGP), AWS access key ids, GitHub,
Slack, OpenAI/Anthropic, Google API and Stripe live keys, and JWTs. Each is
replaced by `[redacted]`. Every pattern is linear in the text (bounded
repeats over classes that cannot overlap what follows), and a cheap
substring test skips the regular expressions when no marker is present, so
this runs on every keystroke's prompt. Applied where prompts are laid out:
`prompts.build_prompt` (FIM), `chat.message_dicts` (chat: explain, fix,
commit messages, local and remote).
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_TAIL = r"(?![A-Za-z0-9_-])"
_PATTERNS = (  # (substrings, at least one of which is in any match; the pattern)
    (("PRIVATE KEY",), re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){0,65536}"
        r"(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)?")),
    (("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})" + _TAIL)),
    (("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,250}" + _TAIL)),
    (("sk-",), re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,250}" + _TAIL)),
    (("AIza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}" + _TAIL)),
    (("_live_",), re.compile(r"\b(?:sk|rk|pk)_live_[0-9A-Za-z]{16,250}" + _TAIL)),
    (("eyJ",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,8192}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,8192}")),
)


def redact(text: str) -> str:
    """`text` with every high-confidence secret value replaced by `[redacted]`."""
    for markers, pattern in _PATTERNS:
        if any(marker in text for marker in markers):
            text = pattern.sub(REDACTED, text)
    return text
