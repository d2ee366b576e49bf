"""bot/services/naming.channel_name: Slack-legal, readable, and low on disclosure."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.naming import channel_name

LEGAL = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_first_name_last_initial_and_role() -> None:
    assert channel_name("Ada Lovelace", "ML Engineer") == "hire-ada-l-ml-engineer"


def test_the_full_last_name_never_appears() -> None:
    name = channel_name("Grace Brewster Hopper", "Machine Learning Engineer")
    assert name == "hire-grace-h-machine-learning-engineer"
    assert "hopper" not in name
    assert "brewster" not in name  # middle names are dropped too


def test_lowercase_and_only_legal_characters() -> None:
    name = channel_name("O'Neil MCDONALD-Smith", "Sr. ML/Infra Engineer (EU)")
    assert LEGAL.match(name), name
    assert name == name.lower()
    assert name.startswith("hire-o-neil-m-")
    assert "mcdonald" not in name


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("José García", "hire-jose-g-mle"),
        ("Zoë Saldaña", "hire-zoe-s-mle"),
        ("Ñandú Çelik", "hire-nandu-c-mle"),
        ("Ａｄａ Ｌｏｖｅｌａｃｅ", "hire-ada-l-mle"),
    ],
)
def test_accents_are_folded(candidate: str, expected: str) -> None:
    assert channel_name(candidate, "MLE") == expected


def test_letters_without_a_decomposition_are_transliterated_not_dropped() -> None:
    assert channel_name("Łukasz Ødegård", "MLE") == "hire-lukasz-o-mle"


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("Иван Петров", "hire-ivan-p-mle"),
        ("Ἀλέξανδρος Παπαδόπουλος", "hire-alexandros-p-mle"),
        ("محمد علي", "hire-mhmd-l-mle"),
        # Written without spaces: one syllable keeps its spelling, the last only its initial.
        ("王伟", "hire-wang-w-mle"),
        ("王小明", "hire-wang-m-mle"),
        ("김민준", "hire-gim-j-mle"),
        ("Nguyễn Thị Minh", "hire-nguyen-m-mle"),
    ],
)
def test_non_latin_names_are_transliterated_not_dropped(candidate: str, expected: str) -> None:
    assert channel_name(candidate, "MLE") == expected


def test_one_word_names() -> None:
    assert channel_name("Madonna", "MLE") == "hire-madonna-mle"


@pytest.mark.parametrize("candidate", ["🦄🦄", "!!! ???", "   ", "", "★ ☺"])
def test_names_with_nothing_to_spell_fall_back(candidate: str) -> None:
    assert channel_name(candidate, "ML Engineer") == "hire-candidate-ml-engineer"


def test_retries_get_numbered_suffixes() -> None:
    assert channel_name("Ada Lovelace", "MLE", attempt=0) == "hire-ada-l-mle"
    assert channel_name("Ada Lovelace", "MLE", attempt=1) == "hire-ada-l-mle-2"
    assert channel_name("Ada Lovelace", "MLE", attempt=2) == "hire-ada-l-mle-3"


def test_very_long_names_fit_in_80_characters_with_the_suffix_kept() -> None:
    long_first = "a" * 300
    name = channel_name(f"{long_first} Lovelace", "Machine Learning Engineer", attempt=11)
    assert len(name) <= 80
    assert LEGAL.match(name)
    assert name.startswith("hire-aaaa")
    assert name.endswith("-12")
    assert "--" not in name


def test_truncation_does_not_leave_a_dangling_hyphen() -> None:
    # Cut at exactly the hyphen before the role: the name must not end with "-" (or "--2").
    first = "b" * (80 - len("hire-") - 2)
    plain = channel_name(first, "MLE")
    assert not plain.endswith("-") and len(plain) <= 80
    retried = channel_name(first, "MLE", attempt=1)
    assert "--" not in retried and retried.endswith("-2") and len(retried) <= 80


def test_the_same_input_gives_the_same_name() -> None:
    assert channel_name("Ada Lovelace", "MLE") == channel_name("Ada  Lovelace ", "MLE")


@settings(max_examples=200, deadline=None)
@given(candidate=st.text(max_size=400), role=st.text(max_size=200), attempt=st.integers(min_value=0, max_value=999))
def test_any_input_gives_a_legal_channel_name(candidate: str, role: str, attempt: int) -> None:
    name = channel_name(candidate, role, attempt)
    assert LEGAL.match(name), repr(name)
    assert name.startswith("hire-")
    if attempt:
        assert name.endswith(f"-{attempt + 1}")


@settings(max_examples=200, deadline=None)
@given(
    first=st.from_regex(r"[A-Z][a-z]{1,15}", fullmatch=True),
    last=st.from_regex(r"[A-Z][a-z]{3,15}", fullmatch=True),
)
def test_any_plain_name_discloses_only_the_last_initial(first: str, last: str) -> None:
    name = channel_name(f"{first} {last}", "mle")
    assert name == f"hire-{first.lower()}-{last[0].lower()}-mle"
