"""Channel names for candidates: readable to the team, low on disclosure to everyone else.

Private channel names still show up in admin tools and exports, so the name carries only
a first name and a last initial.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

MAX_CHANNEL_NAME = 80
FALLBACK = "candidate"


# Unicode categories kept before transliterating: letters, marks, digits, punctuation, spaces. Emoji and
# symbols go, or anyascii would spell them out (":unicorn:") as if they were a name.
_KEPT = ("L", "M", "N", "P", "Z")
# Scripts written without spaces (Chinese, Korean...) come out of anyascii as "WangXiaoMing":
# one capitalised syllable each, split so that only the first keeps more than its initial.
_SYLLABLES = re.compile(r"[A-Z][a-z]*|[a-z]+|[0-9]+")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")


def _words(name: str) -> list[str]:
    kept = "".join(c if unicodedata.category(c)[0] in _KEPT else " " for c in unicodedata.normalize("NFKC", name))
    words: list[str] = []
    for word in kept.split():
        latin = word.isascii() or any(unicodedata.name(c, "").startswith("LATIN") for c in word)
        spelled = anyascii(word)
        parts = [spelled] if latin else _SYLLABLES.findall(spelled) or [spelled]
        words.extend(slug for slug in (_slug(part) for part in parts) if slug)
    return words


def channel_name(candidate_name: str, role: str, attempt: int = 0) -> str:
    """`hire-<first>-<last initial>-<role>`, then `-2`, `-3`... for each retry after name_taken."""
    words = _words(candidate_name)
    if not words:
        person = FALLBACK  # a name made only of emoji or punctuation
    elif len(words) == 1:
        person = words[0]
    else:
        person = f"{words[0]}-{words[-1][0]}"
    suffix = f"-{attempt + 1}" if attempt else ""
    role_slug = _slug(role) or "role"
    base = f"hire-{person}-{role_slug}"
    base = base[: MAX_CHANNEL_NAME - len(suffix)].rstrip("-")
    return base + suffix
