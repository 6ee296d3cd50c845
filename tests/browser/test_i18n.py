"""French and English: the language follows the link, the header's picker and what was picked
last time, and sets <html lang>; a walk through every view in French finds no text, aria-label,
alt, title or placeholder that is English UI text; numbers in French prose use French separators.

"English UI text" is any value of the built English catalogue (dist/site/i18n/en.json, Python's
py.* messages included) that French says differently: a value with placeholders is matched as a
pattern ("Predicted in {ms} ms…" catches "Predicted in 97 ms…"). Values the two languages share
(Python, NumPy, k-NN, 28×28), numbers, formulas, the student's own class names and data are
never in that list, so they are never flagged.

Names and descriptions of ours sit inside other sentences ("Réseau de neurones : {description}",
"2 → 8 → 1 · {activation} · {loss}", "exemple n° 0 ({name})"), so they are also looked for
inside every text outside formulas and code: a model's description, a toy set's class name, an
activation, loss, dataset or feature name in English is flagged.
"""

from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from conftest import READY_TIMEOUT_MS, SITE, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")
TAG = re.compile(r"<[^>]+>")
STORE_KEY = "backproplab.lang"
TRAIN_TIMEOUT_MS = 120_000


def catalogue(code: str) -> dict:
    return json.loads((SITE / "i18n" / f"{code}.json").read_text())


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub("", text)).strip()


def forms(value) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


#: Placeholders that always hold a number: they match digits, not any text.
NUMERIC = {"n", "index", "count", "total", "number", "step", "epoch", "k"}


def pattern_of(text: str) -> str:
    """A regular expression for ``text``: literal parts escaped, placeholders as groups."""
    out, at = [], 0
    for m in FIELD.finditer(text):
        out += [re.escape(text[at:m.start()]), r"([\d\s.,\u202f\u2212-]+?)" if m[1] in NUMERIC else "(.+?)"]
        at = m.end()
    return "".join(out + [re.escape(text[at:])])


@functools.cache
def english_only() -> list[tuple[str, re.Pattern]]:
    """(key, pattern) for every English text French does not share; placeholders match anything.
    A value whose words are all placeholders ("{label}: {p:.1%}") would match French too: skipped."""
    en, fr = catalogue("en"), catalogue("fr")
    found = []
    for key, value in en.items():
        if key == "_language":
            continue
        french = {normalise(f) for f in forms(fr[key])} if key in fr else set()
        for form in forms(value):
            text = normalise(form)
            if text in french or not re.search(r"[A-Za-z]{2,}", FIELD.sub("", text)):
                continue
            words = set(re.findall(r"[A-Za-z]{2,}", FIELD.sub(" ", text)))
            if any(words <= set(re.findall(r"\w{2,}", FIELD.sub(" ", f))) for f in french):
                continue  # every English word is also in the French ("Image {index}: {reason}")
            found.append((key, re.compile("^" + pattern_of(text) + "$", re.S)))
    return found


# Every text node a person can see (or hear: visually hidden text counts), the text of elements
# filled with catalogue markup, and the attributes a person reads or hears.
COLLECT = """() => {
    const tidy = (s) => s.replace(/\\s+/g, " ").trim();
    const seen = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        const text = tidy(node.nodeValue);
        if (text && parent && !parent.closest("script, style") && parent.checkVisibility()) seen.push(text);
    }
    for (const el of document.querySelectorAll("[data-i18n-html]")) {
        if (el.checkVisibility()) seen.push(tidy(el.textContent));
    }
    for (const el of document.body.querySelectorAll("[aria-label], [alt], [title], [placeholder]")) {
        if (!el.checkVisibility()) continue;
        for (const name of ["aria-label", "alt", "title", "placeholder"]) {
            const value = tidy(el.getAttribute(name) || "");
            if (value) seen.push(value);
        }
    }
    seen.push(tidy(document.title));
    return seen;
}"""


#: The keys of names and descriptions that Python puts inside other sentences.
INSIDE = re.compile(r"^py\.(activation\.|loss\.name\.|dataset\.\w+\.label$|data\.(toy-class|"
                    r"at-risk|not-at-risk)$|stepper\.(feature|loss)-|in-use\.(mlp|knn|votes|where|"
                    r"epochs))")


@functools.cache
def english_inside() -> list[tuple[str, re.Pattern]]:
    """(key, pattern) of each name or description of ours whose English French does not share,
    found anywhere inside a text (word-bounded; placeholders match anything)."""
    en, fr = catalogue("en"), catalogue("fr")
    found = []
    for key, value in en.items():
        if not INSIDE.match(key) or value in forms(fr[key]):
            continue
        body = pattern_of(value)
        found.append((key, re.compile(("\\b" if value[0].isalnum() else "") + body
                                      + ("\\b" if value[-1].isalnum() else ""))))
    return found


# Visible texts outside formulas and code (where a name may be a function's: "def sigmoid").
COLLECT_PROSE = """() => {
    const seen = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest("script, style, .katex, code, pre, kbd, .cm-editor, [translate=no]")) continue;
        if (parent.checkVisibility()) seen.push(node.nodeValue.replace(/\\s+/g, " ").trim());
    }
    for (const el of document.querySelectorAll("option, [title], [aria-label]")) {
        if (el.closest(".katex, code, pre, .cm-editor")) continue;
        seen.push(el.tagName === "OPTION" ? el.textContent : el.title || el.getAttribute("aria-label"));
    }
    return seen.filter(Boolean);
}"""


def english_on(page: Page) -> list[str]:
    """What `page` shows that is English UI text: "text  <- key" lines."""
    found = []
    for text in sorted(set(page.evaluate(COLLECT))):
        keys = [key for key, pattern in english_only() if pattern.match(text)]
        if keys:
            found.append(f"{text[:120]!r}  <- {', '.join(keys[:3])}")
    for text in sorted(set(page.evaluate(COLLECT_PROSE))):
        keys = [key for key, pattern in english_inside() if pattern.search(text)]
        if keys:
            found.append(f"{text[:120]!r}  <- inside: {', '.join(keys[:3])}")
    return found


def open_in_french(page: Page, base_url: str, hash_: str = "") -> None:
    page.goto(f"{base_url}#lang=fr{hash_}")
    wait_ready(page)
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def png_of_a_one() -> bytes:
    img = Image.new("RGB", (200, 200), (245, 242, 235))
    ImageDraw.Draw(img).line([(96, 30), (100, 100), (104, 170)], fill=(20, 20, 60), width=18)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# ---- the language: link, picker, kept --------------------------------------------------------


def reopen(page: Page, url: str) -> None:
    """Load `url` afresh (a goto that changes only the hash would not reload the page)."""
    page.goto("about:blank")
    page.goto(url)
    wait_ready(page)


def test_the_link_the_picker_and_the_last_choice_set_the_language(page: Page, base_url):
    fr, en = catalogue("fr"), catalogue("en")
    open_in_french(page, base_url)
    expect(page.locator("#tab-train")).to_have_text(fr["tabs.train"])
    expect(page.locator("#lang-select")).to_have_value("fr")
    assert page.title() == fr["app.title"]

    # the picker switches (the page reloads in the other language) and keeps the choice
    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    wait_ready(page)
    expect(page.locator("#tab-train")).to_have_text(en["tabs.train"])
    page.select_option("#lang-select", "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    wait_ready(page)
    expect(page.locator("#tab-train")).to_have_text(fr["tabs.train"])
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") == "fr"

    # a plain link opens in the language kept from last time…
    reopen(page, base_url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#draw-pad")).to_have_attribute("aria-label", fr["draw.pad.label"])
    # …and a link that names a language wins over it
    reopen(page, f"{base_url}#lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#draw-pad")).to_have_attribute("aria-label", en["draw.pad.label"])
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") == "fr"  # a link does not change it


def test_a_link_setting_that_is_refused_is_explained_in_french(page: Page, base_url):
    open_in_french(page, base_url, "&lr=abc")
    notice = catalogue("fr")["state.ignored"].format(
        key="lr", value="abc", reason=catalogue("fr")["state.expected_number"])
    expect(page.locator("#alerts")).to_contain_text(notice)


# ---- every view in French --------------------------------------------------------------------


def walk_draw(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&lr=abc")  # a refused link setting: its notice is shown
    draw_strokes(page, DIGIT_STROKES["7"])
    wait_prediction(page)


def walk_upload(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url)
    (tmp_path / "one.png").write_bytes(png_of_a_one())
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_bytes(b"%PDF-1.4\n" + bytes(64))
    page.set_input_files("#upload-input", [str(tmp_path / n) for n in ("one.png", "empty.png", "notes.png")])
    page.wait_for_function("""() => [...document.querySelectorAll('#upload-results > [data-file]')]
        .every((e) => e.dataset.label || e.dataset.error)""")


def walk_models(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url)
    expect(page.locator("#model-download")).to_be_enabled()
    expect(page.locator("#model-current")).to_contain_text("entraîné à la construction du site")
    expect(page.locator("#model-current-knn")).to_contain_text("chiffres d'entraînement")
    page.set_input_files("#model-file", files=[{"name": "notes.txt", "mimeType": "text/plain",
                                                "buffer": b"not a model"}])
    expect(page.locator("#alerts .alert-error")).to_have_count(1)
    expect(page.locator("#offline-status")).not_to_be_empty()


def walk_train_digits(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=train")
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)


def walk_train_toy(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=train&dataset=circle&epochs=3")
    expect(page.locator("#train-play")).to_be_enabled(timeout=30_000)
    page.click("#train-play")
    expect(page.locator("body")).to_have_attribute("data-training", "done", timeout=TRAIN_TIMEOUT_MS)


def walk_stepper_toy(page: Page, base_url: str, tmp_path: Path) -> None:
    """The stepper on a network just trained on a toy set: its class names, its activation and
    loss, its dataset in the sentences."""
    walk_train_toy(page, base_url, tmp_path)
    page.click("#tab-stepper")
    page.wait_for_selector("#stepper[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    page.click("#stepper-net-trained")
    expect(page.locator(".stepper-sample-desc")).to_contain_text("exemple d'entraînement n° 0 (classe ",
                                                                 timeout=READY_TIMEOUT_MS)
    expect(page.locator("#stepper-net-note")).to_contain_text("tanh, entropie croisée binaire, sur Cercle")
    page.click('.stepper-chip[data-step-name="dA1/dZ1"]')
    expect(page.locator(".stepper-relerr")).to_have_text(re.compile(r"^erreur rel\. \d(,\d+)?E-\d+$"))


def walk_stepper_people(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=stepper&net=seed")
    page.wait_for_selector(".stepper-people", state="attached", timeout=READY_TIMEOUT_MS)
    expect(page.locator(".stepper-people thead")).to_contain_text("poids (lb)")


def walk_train_mine(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=train&dataset=mine")
    expect(page.locator(".class-card").first).to_be_visible(timeout=30_000)


def walk_train_cifar(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=train&dataset=cifar10")
    expect(page.locator("#cifar-panel")).to_be_visible()


def walk_stepper(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=stepper")
    page.wait_for_selector("#stepper[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    page.click("#stepper-next")
    page.wait_for_selector("#stepper[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)


def walk_check(page: Page, base_url: str, tmp_path: Path) -> None:
    open_in_french(page, base_url, "&tab=check")
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    page.click("#check-run")
    page.wait_for_selector("#check-results[data-verdict]", state="attached", timeout=READY_TIMEOUT_MS)


WALKS = {"draw": walk_draw, "upload": walk_upload, "models": walk_models,
         "train-digits": walk_train_digits, "train-toy": walk_train_toy, "train-mine": walk_train_mine,
         "train-cifar": walk_train_cifar, "stepper": walk_stepper, "stepper-toy": walk_stepper_toy,
         "stepper-people": walk_stepper_people, "check": walk_check}


def test_the_walk_knows_english_and_never_takes_french_for_it():
    keys = {key for key, _ in english_only()}
    assert {"draw.pad.title", "draw.status.done", "upload.refused.empty", "models.not_model"} <= keys
    french = {normalise(FIELD.sub("1", f)) for key, value in catalogue("fr").items() if key != "_language"
              for f in forms(value)}
    clashes = [(key, text) for key, pattern in english_only() for text in french if pattern.match(text)]
    assert not clashes, clashes[:8]
    # names and descriptions: the English of each is known, and none is found inside French
    inside = {key for key, _ in english_inside()}
    assert {"py.activation.sigmoid", "py.loss.name.mse", "py.data.toy-class", "py.data.at-risk",
            "py.in-use.mlp-default-accuracy", "py.in-use.knn-default", "py.stepper.feature-weight_lb",
            "py.dataset.circle.label"} <= inside
    french = {normalise(f) for key, value in catalogue("fr").items() if key != "_language"
              for f in forms(value)}
    clashes = [(key, text) for key, pattern in english_inside() for text in french if pattern.search(text)]
    assert not clashes, clashes[:8]


@pytest.mark.parametrize("view", WALKS)
def test_a_french_walk_shows_no_english(page: Page, base_url, tmp_path, view):
    WALKS[view](page, base_url, tmp_path)
    found = english_on(page)
    assert not found, f"English on the {view} view in French:\n  " + "\n  ".join(found)


# ---- numbers in French prose -----------------------------------------------------------------


def test_french_prose_uses_a_decimal_comma_and_a_spaced_percent(page: Page, base_url):
    open_in_french(page, base_url)
    expect(page.locator("#load-text")).to_have_text(re.compile(r"^Prêt en \d+,\d s : "))
    draw_strokes(page, DIGIT_STROKES["7"])
    label = wait_prediction(page)["mlp"]
    percent = r"\d{1,3},\d[\u00a0\u202f]%"
    expect(page.locator("#prediction-confidence")).to_have_text(re.compile(rf"^sûr à {percent}$"))
    values = page.locator("#probabilities .prob-value").all_inner_texts()
    assert len(values) == 10 and all(re.fullmatch(percent, v) for v in values), values
    # the sentence and the chart say the same number
    top = page.locator(f'#probabilities [data-digit="{label}"] .prob-value').inner_text()
    assert page.inner_text("#prediction-confidence") == f"sûr à {top}"

    reopen(page, f"{base_url}#lang=en")
    draw_strokes(page, DIGIT_STROKES["7"])
    wait_prediction(page)
    expect(page.locator("#prediction-confidence")).to_have_text(re.compile(r"^\d{1,3}\.\d% sure$"))
