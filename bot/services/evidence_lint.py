"""Evidence that is only an impression: which rating evidence deserves a nudge, and why.

Ratings backed by notes on what a candidate said or did are more valid than ratings backed
by impressions (Burnett et al. 1998), and vague praise is given unevenly across groups
(Correll & Simard 2016). So the scorecard modal nudges, once, when evidence reads as an
impression; the interviewer may keep their wording, and it is then stored marked.

The rule, kept simple on purpose so an interviewer can predict it:
- Evidence *names behaviour* when it has a behavioural word (said, did, wrote, built,
  explained, chose, asked, ... see BEHAVIOUR_WORDS) or a quotation in double quotes.
- Evidence that names behaviour is never an impression.
- Otherwise it is an impression when it uses one of the pack's vague phrases, or when it is
  shorter than the pack's `min_evidence_words`.
Phrases match whole words, ignoring case and spacing: "smart" matches "Smart!" and not
"smartphone"; "I feel" matches "i  FEEL".

Pure functions of the text and the pack: nothing here refuses a scorecard or changes a word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.fields import evidence_field
from rubrics.models import RubricPack, Stage, VaguePhrase

BEHAVIOUR_WORDS = (
    "said says say told asked asks answered answers replied explained explains described describes "
    "mentioned argued pushed proposed suggested questioned "
    "did does wrote writes built builds coded implemented designed debugged tested fixed refactored "
    "profiled measured traced derived estimated computed sketched drew walked showed "
    "chose chooses picked decided compared noticed spotted caught identified"
).split()
_BEHAVIOUR = re.compile(r"(?<!\w)(?:" + "|".join(BEHAVIOUR_WORDS) + r")(?!\w)", re.IGNORECASE)
_QUOTATION = re.compile(r"[\"“][^\"“”]*\w[^\"“”]*[\"”]")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
SHOWN_PHRASES = 3  # hints beside one field, at most: a nudge, not a lecture


@lru_cache(maxsize=512)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = phrase.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def words(text: str) -> int:
    return len(_WORD.findall(text))


def names_behaviour(text: str) -> bool:
    return bool(_BEHAVIOUR.search(text) or _QUOTATION.search(text))


def vague_phrases(text: str, phrases: list[VaguePhrase]) -> list[VaguePhrase]:
    """The pack's phrases that `text` uses, in the pack's order."""
    return [p for p in phrases if _phrase_pattern(p.phrase).search(text)]


def nudge(text: str, pack: RubricPack) -> str | None:
    """What to say beside one piece of evidence, or None when it is evidence (or empty)."""
    if not text.strip() or names_behaviour(text):
        return None
    found = vague_phrases(text, pack.vague_phrases)
    if found:
        return " ".join(f"“{p.phrase}”: {p.hint}" for p in found[:SHOWN_PHRASES])
    count = words(text)
    if count < pack.min_evidence_words:
        return (
            f"This is short ({count} word{'s' if count != 1 else ''}) and says nothing the candidate said or did: "
            "add what you heard or saw, e.g. “explained …”, “chose … because …”."
        )
    return None


def is_impression(text: str, pack: RubricPack) -> bool:
    return nudge(text, pack) is not None


def lint(evidence: dict[str, str], pack: RubricPack, stage: Stage) -> dict[str, str]:
    """Nudges for the stage's rating evidence, keyed like the modal's fields ("evidence.<key>")."""
    found: dict[str, str] = {}
    for key in stage.competencies:
        said = nudge(evidence.get(key) or "", pack)
        if said is not None:
            found[evidence_field(key)] = said
    return found


def impressions(evidence: dict[str, str], pack: RubricPack, stage: Stage) -> set[str]:
    """The competency keys whose evidence is only an impression."""
    return {field.partition(".")[2] for field in lint(evidence, pack, stage)}
