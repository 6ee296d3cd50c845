"""Every English text the package shows a person, by message key: the page's translations.

A reply or a report that a person reads carries ``message_key`` and ``params`` beside its
English ``message``; the page looks the key up as ``py.<key>`` in its language's catalogue
(``web/i18n/<lang>.json``) and falls back to ``message``. The build adds ``catalogue()`` to the
English catalogue, so English lives here once and every other language translates these keys.
Placeholders are ``str.format`` fields (``{name}``, ``{rel_error:.1e}``).
"""

from __future__ import annotations


def catalogue() -> dict[str, str]:
    """``{message_key: English text}`` for every key a reply or a schema label can carry."""
    from .check import messages as check
    from .lesson import MESSAGES as LESSON
    from .settings import DATASETS

    texts = dict(check.MESSAGES)
    texts.update({f"explain.{k}": v for k, v in check.EXPLANATIONS.items()})
    texts.update({f"lesson.{k}": v for k, v in LESSON.items()})
    for name, entry in DATASETS.items():
        texts[f"dataset.{name}.label"] = entry["label"]
        texts[f"dataset.{name}.detail"] = entry["detail"]
        for preset, p in entry.get("presets", {}).items():
            texts[f"preset.{preset}.label"] = p["label"]
            texts[f"preset.{preset}.description"] = p["description"]
    return dict(sorted(texts.items()))
