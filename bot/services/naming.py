"""Channel names for candidates: readable to the team, low on disclosure to everyone else.

Private channel names still show up in admin tools and exports, so the name carries only
a first name and a last initial.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80
FALLBACK = "candidate"


# Letters that Unicode does not decompose into an ASCII base letter plus accents.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_LETTERS)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def channel_name(candidate_name: str, role: str, attempt: int = 0) -> str:
    """`hire-<first>-<last initial>-<role>`, then `-2`, `-3`... for each retry after name_taken."""
    words = [w for w in (_slug(part) for part in candidate_name.split()) if w]
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
