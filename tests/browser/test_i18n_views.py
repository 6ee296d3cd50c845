"""The Train, stepper and Check tabs in French: no text, aria-label, title, placeholder or alt
that the page shows is an English catalogue text whose French differs (filled-in templates
included), no catalogue key is missing, and accuracies and losses in sentences are written with
a decimal comma.

The catalogues are the built ones (dist/site/i18n), so Python's English (py.*) is compared as
soon as French has it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import SITE, wait_ready

CORPUS = Path(__file__).resolve().parents[1] / "unit" / "check_corpus"
TIMEOUT_MS = 120_000
FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")

# Every text the page shows inside `root`: visible elements' own text and whole text, <option>
# texts, and the words in aria-label, title, placeholder and alt.
SHOWN_JS = """(root) => {
  const out = new Set();
  const squeeze = (s) => (s || "").replace(/\\s+/g, " ").trim();
  for (const node of [root, ...root.querySelectorAll("*")]) {
    for (const attribute of ["aria-label", "title", "placeholder", "alt"]) {
      if (node.hasAttribute(attribute)) out.add(squeeze(node.getAttribute(attribute)));
    }
    if (node.tagName === "OPTION") { out.add(squeeze(node.textContent)); continue; }
    if (!node.checkVisibility || !node.checkVisibility()) continue;
    // formulas, code and names from code (translate="no") are the same in every language
    if (["SCRIPT", "STYLE"].includes(node.tagName) || node.closest(".katex, code, pre, kbd, [translate=no]")) continue;
    const own = [...node.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent).join("");
    out.add(squeeze(own));
    out.add(squeeze(node.textContent));
  }
  out.delete("");
  return [...out];
}"""


def catalogue(code: str) -> dict:
    return json.loads((SITE / "i18n" / f"{code}.json").read_text())


def forms(value) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def english_only() -> dict[str, re.Pattern]:
    """{key: pattern} of every English text that French writes differently: the text itself,
    or (for a template) the text with any value in each placeholder. A text that is also the
    English of a key French lacks yet is left out: the page shows it as that key's fallback
    (once French has every key, as test_catalogues asks, nothing is left out)."""
    en, fr = catalogue("en"), catalogue("fr")
    fallbacks = {text for key, value in en.items() if key not in fr for text in forms(value)}
    patterns = {}
    for key, value in en.items():
        if key == "_language" or key not in fr:
            continue
        french = set(forms(fr[key]))
        for text in forms(value):
            literal = FIELD.sub(" ", text)
            if text in french or text in fallbacks or not re.search(r"[A-Za-z]{3}", literal):
                continue
            parts = [re.sub(r"\s+", " ", p) for p in FIELD.split(text.strip())[::2]]  # around the placeholders
            body = ".+?".join(map(re.escape, parts))
            patterns[f"{key} = {text!r}"] = re.compile(rf"^{body}$", re.S)
    return patterns


@pytest.fixture(scope="module")
def english():
    patterns = english_only()
    assert len(patterns) > 300, "the catalogues look empty: is dist/site built?"
    return patterns


@pytest.fixture
def french(page: Page) -> Page:
    """A page that reports any text the catalogue lacks (i18n.js warns once per key)."""
    missing = []
    page.on("console", lambda m: missing.append(m.text) if "i18n: no text for" in m.text else None)
    yield page
    assert not missing, missing


def shown(page: Page, selector: str) -> list[str]:
    return page.eval_on_selector(selector, SHOWN_JS)


def assert_french(page: Page, english: dict, selector: str, where: str) -> list[str]:
    texts = shown(page, selector) + shown(page, "#alerts")
    found = [f"{text!r} ({key})" for text in texts for key, pattern in english.items() if pattern.match(text)]
    assert not found, f"English in {where}:\n  " + "\n  ".join(found)
    return texts


def open_fr(page: Page, base_url: str, hash_: str) -> None:
    page.goto(f"{base_url}#lang=fr&{hash_}")
    wait_ready(page)
    assert page.get_attribute("html", "lang") == "fr"


def test_the_train_tab_speaks_french_and_writes_decimal_commas(french: Page, base_url, english):
    page, fr = french, catalogue("fr")
    open_fr(page, base_url, "tab=train&dataset=xor&epochs=20")
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text("Appuyez sur Lancer", timeout=30_000)
    texts = assert_french(page, english, "#view-train", "the Train tab, ready")
    assert fr["train.data.title"] in texts and fr["train.field.lr.label"] in texts  # it reads the page

    page.click("#train-step")  # one step: the batch loss in a sentence
    page.wait_for_selector("body[data-training=paused]", state="attached", timeout=30_000)
    expect(page.locator("#train-message")).to_contain_text("Un pas")
    assert re.search(r"perte du lot \d+,\d+ ", page.inner_text("#train-message")), page.inner_text("#train-message")
    page.click("#train-play")
    page.wait_for_selector("body[data-training=done]", state="attached", timeout=TIMEOUT_MS)
    expect(page.locator("#knn-note")).to_contain_text("Meilleur", timeout=TIMEOUT_MS)
    assert re.search(r"\d+,\d\s%", page.inner_text("#train-message")), page.inner_text("#train-message")
    assert re.search(r"\d+,\d\s%", page.inner_text("#knn-note")), page.inner_text("#knn-note")
    assert re.search(r"\d+,\d\s%", page.inner_text("#test-accuracy"))
    assert_french(page, english, "#view-train", "the Train tab after training a 2-D set")

    page.evaluate("location.hash = 'lang=fr&tab=train&dataset=mine'")
    expect(page.locator(".class-card")).to_have_count(2)
    expect(page.locator("#train-message")).to_contain_text("Ajoutez des images à « Classe 1 » et « Classe 2 »")
    assert_french(page, english, "#view-train", "My classes")

    page.evaluate("location.hash = 'lang=fr&tab=train&dataset=cifar10'")
    expect(page.locator("#cifar-panel")).to_be_visible()
    expect(page.locator("#train-message")).to_contain_text("CIFAR-10", timeout=30_000)
    page.fill("#train-cifar_train", "3")
    page.dispatch_event("#train-cifar_train", "change")
    expect(page.locator("#train-cifar_train-error")).to_contain_text("vous avez saisi « 3 »")
    assert_french(page, english, "#view-train", "the CIFAR-10 panel")


def test_the_stepper_speaks_french(french: Page, base_url, english):
    page = french
    open_fr(page, base_url, "tab=stepper&step=dC%2FdW1")
    page.wait_for_selector("#stepper[data-state=ready]", state="attached", timeout=TIMEOUT_MS)
    expect(page.locator("#stepper-check-badge")).to_contain_text("Vérification réussie")
    # the relative error in prose: a decimal comma ("erreur rel. 9,41E-11"), never 9.41e-11
    expect(page.locator(".stepper-relerr")).to_have_text(re.compile(r"^erreur rel\. \d(,\d+)?E-\d+$"))
    expect(page.locator("#stepper-step .stepper-count")).to_have_text(re.compile(r"^Étape \d+ sur \d+$"))
    assert_french(page, english, "#view-stepper", "the stepper at dC/dW1")
    fr, en = catalogue("fr"), catalogue("en")
    assert step_title(page) == fr["py.step.dw.title"].format(layer=1) == "Gradient des poids, couche 1"
    explanation = page.inner_text("#stepper-step .stepper-explain")
    assert "est linéaire en W" in explanation and "question Q8 du TP" in explanation, explanation
    assert "is linear in W" not in explanation and "summed over" not in explanation
    expect(page.locator(".stepper-check-method")).to_contain_text("différences finies centrées de C par rapport à W")
    expect(page.locator("#stepper-net-lab .stepper-seg-label")).to_have_text(fr["py.stepper.label-lab"])
    expect(page.locator("#stepper-net-note")).to_contain_text("Le réseau du TP : 784 → 16 → 10, sigmoïde")
    page.click(".stepper-mode[data-mode=heat]")
    assert_french(page, english, "#view-stepper", "the stepper's heat map")
    page.click("#stepper-net-seed")
    page.wait_for_selector(".stepper-people", state="attached", timeout=TIMEOUT_MS)
    page.click('.stepper-chip[data-step-name="C"]')
    expect(page.locator("#stepper-step .stepper-step-title")).to_contain_text(fr["py.step.cost.title"])
    assert step_title(page) == "Coût" != en["py.step.cost.title"]
    explanation = page.inner_text("#stepper-step .stepper-explain")
    assert explanation == "Entropie croisée binaire : la log-probabilité que le réseau donne à la vraie " \
                          "classe, moyennée sur les 10 exemples et changée de signe.", explanation
    expect(page.locator(".stepper-sample-desc")).to_contain_text("personnes n° 0 à 9")
    # the names Python gives: activation and loss, the people's features and classes
    expect(page.locator("#stepper-net-seed .stepper-seg-sub")).to_have_text("2 → 3 → 3 → 1 · sigmoïde · BCE")
    expect(page.locator(".stepper-people thead")).to_have_text(re.compile(r"poids \(lb\)\s*taille \(pouces\)"))
    assert page.locator(".stepper-people tbody td[title]").evaluate_all(
        "cells => [...new Set(cells.map((c) => c.title))].sort()") == ["pas à risque", "à risque"]
    assert_french(page, english, "#view-stepper", "the seed network's cost")


def step_title(page: Page) -> str:
    """The shown step's title, without its name in code."""
    return page.eval_on_selector("#stepper-step .stepper-step-title", "h => h.firstChild.textContent")


def test_check_my_code_speaks_french(french: Page, base_url, english, tmp_path):
    page = french
    open_fr(page, base_url, "tab=check")
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=TIMEOUT_MS)
    assert_french(page, english, "#view-check", "Check my code, ready")
    path = tmp_path / "mlp.py"
    path.write_text((CORPUS / "mse_bias_not_summed.py").read_text())
    page.set_input_files("#check-file", str(path))
    page.click("#check-run")
    page.wait_for_selector("#check-results[data-verdict]", state="attached", timeout=TIMEOUT_MS)
    learn = page.locator('[data-function="learn_once_mse"]')
    expect(learn.locator('[data-partial="db2"]')).to_contain_text("attendue (1, 3), obtenue (7, 3)")
    expect(page.locator("#check-status")).to_contain_text("sur")
    assert_french(page, english, "#view-check", "Check my code, after a check")
