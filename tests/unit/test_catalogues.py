"""The page's catalogues (web/i18n/<lang>.json): every language has every key, with the same
placeholders, and English's Python part comes from backproplab.messages."""

import json
import re
from pathlib import Path

import pytest

from backproplab.messages import catalogue

I18N = Path(__file__).resolve().parents[2] / "web" / "i18n"
LANGUAGES = sorted(p.stem for p in I18N.glob("*.json"))
FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def load(code: str) -> dict:
    return json.loads((I18N / f"{code}.json").read_text())


def english() -> dict:
    """English as the build writes it: the page's words plus Python's as py.*."""
    return {**load("en"), **{f"py.{k}": v for k, v in catalogue().items()}}


def fields(value) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in FIELD.findall(text)}


def test_english_and_french_exist():
    assert {"en", "fr"} <= set(LANGUAGES)


def test_python_words_are_not_written_twice():
    assert not [k for k in load("en") if k.startswith("py.")]


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_has_exactly_the_english_keys(code):
    words = load(code) if code != "en" else english()
    assert isinstance(words["_language"]["name"], str) and words["_language"]["name"]
    missing = sorted(english().keys() - words.keys())
    extra = sorted(words.keys() - english().keys())
    assert not missing, f"{code}.json lacks {len(missing)} keys, e.g. {missing[:8]}"
    assert not extra, f"{code}.json has keys English does not: {extra[:8]}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_placeholders_match_english(code):
    words, reference = (load(code) if code != "en" else english()), english()
    wrong = [k for k in reference if k != "_language" and k in words
             and fields(words[k]) != fields(reference[k])]
    assert not wrong, f"{code}.json: other placeholders than English in {wrong[:8]}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_keys_are_sorted_and_texts_are_text(code):
    words = load(code)
    keys = [k for k in words if k != "_language"]
    assert keys == sorted(keys), f"{code}.json: keep the keys sorted (merges stay clean)"
    for key in keys:
        value = words[key]
        if isinstance(value, dict):  # plural forms
            assert "other" in value and all(isinstance(v, str) and v for v in value.values()), key
        else:
            assert isinstance(value, str) and value.strip(), key
