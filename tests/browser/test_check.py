"""The "Check my code" tab: a student's own lab files run in a separate Python, judged function by
function and partial by partial; stopped when they hang; kept across reloads."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import READY_TIMEOUT_MS, wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

CORPUS = Path(__file__).resolve().parents[1] / "unit" / "check_corpus"
CHECK_TIMEOUT_MS = 120_000
LOOP = "def learn_once_mse(w1, b1, w2, b2, data, targets, learning_rate):\n    while True:\n        pass\n"


def open_check(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}#tab=check")
    wait_ready(page)
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=READY_TIMEOUT_MS)


def open_file(page: Page, tmp_path: Path, name: str, source: str) -> None:
    path = tmp_path / name
    path.write_text(source)
    page.set_input_files("#check-file", str(path))
    expect(page.locator(f'.check-file-tab[data-file="{name}"]')).to_have_attribute("aria-selected", "true")


def run_check(page: Page) -> str:
    page.click("#check-run")
    page.wait_for_selector("#check-results[data-verdict]", state="attached", timeout=CHECK_TIMEOUT_MS)
    return page.get_attribute("#check-results", "data-verdict")


def test_a_buggy_mlp_py_gets_its_wrong_partial_and_its_diagnosis(page: Page, base_url, tmp_path):
    open_check(page, base_url)
    open_file(page, tmp_path, "mlp.py", (CORPUS / "mse_bias_not_summed.py").read_text())
    assert run_check(page) == "fail"
    learn = page.locator("[data-function=learn_once_mse]")
    expect(learn).to_have_attribute("data-verdict", "fail")
    for name in ("dW1", "db1", "dW2"):
        expect(learn.locator(f"[data-partial={name}]")).to_have_attribute("data-verdict", "pass")
    expect(learn.locator("[data-partial=db2]")).to_have_attribute("data-verdict", "fail")
    expect(learn.locator("[data-diagnosis=bias-not-summed]")).to_have_count(1)
    expect(learn.locator(".check-formula .katex")).to_have_count(1)  # how it should be computed
    expect(learn.locator("[data-partial=db2]")).to_contain_text("expected (1, 3), got (7, 3)")
    # the verdict links to the stepper step that shows how it should be computed
    step = learn.locator(".check-step-link").get_attribute("data-step")
    learn.locator(".check-step-link").click()
    expect(page.locator("#view-stepper")).to_be_visible()
    expect(page.locator("#stepper-step")).to_have_attribute("data-step-name", step, timeout=60_000)


def test_a_correct_solution_in_another_style_passes(page: Page, base_url, tmp_path):
    open_check(page, base_url)
    open_file(page, tmp_path, "mlp.py", (CORPUS / "good_mlp_loops.py").read_text())
    assert run_check(page) == "pass"  # the starters left untouched are not checked
    verdicts = dict(page.locator("[data-function]").evaluate_all(
        "es => es.map(e => [e.dataset.function, e.dataset.verdict])"))
    assert "learn_once_mse" in verdicts and set(verdicts.values()) == {"pass"}, verdicts


# what a student's lab file may import besides NumPy: none of it is imported when the page
# starts (the checker's Python gets the standard library after ready, js/worker.js)
LAB_IMPORTS = ("bisect collections copy csv dataclasses decimal difflib fractions functools gzip "
               "heapq itertools json pickle pprint statistics string tarfile textwrap timeit "
               "typing unittest").split()


def test_a_solution_that_imports_the_standard_library_passes(page: Page, base_url, tmp_path):
    header = "".join(f"import {name}\n" for name in LAB_IMPORTS)
    header += "assert statistics.mean([1, 2, 3]) == 2 and fractions.Fraction(1, 3) * 3 == 1\n"
    open_check(page, base_url)
    open_file(page, tmp_path, "mlp.py", header + (CORPUS / "good_mlp_loops.py").read_text())
    assert run_check(page) == "pass"
    expect(page.locator("[data-function=learn_once_mse]")).to_have_attribute("data-verdict", "pass")


def test_the_editor_comes_when_the_tab_is_first_shown_saying_it_loads(page: Page, base_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    held = []  # one of CodeMirror's modules, held back while we look at the tab
    page.route("**/vendor/codemirror/codemirror-view.js", lambda route: held.append(route))
    page.goto(base_url)
    wait_ready(page)
    assert not [u for u in requested if "/vendor/codemirror/" in u or "/vendor/katex/" in u]
    page.click("#tab-check")
    expect(page.locator("#check-editor .check-editor-loading")).to_have_text("Loading the code editor…")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the Check tab never asked for CodeMirror"
    held[0].continue_()
    expect(page.locator("#check-editor .cm-content")).to_contain_text("def ", timeout=READY_TIMEOUT_MS)
    expect(page.locator("#check-editor .check-editor-loading")).to_have_count(0)


def test_a_half_written_starter_says_which_functions_are_not_written_yet(page: Page, base_url):
    open_check(page, base_url)
    page.locator('.check-file-tab[data-file="mlp.py"]').click()
    page.locator("#check-editor .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    run_check(page)
    expect(page.locator("[data-function=sigmoid]")).to_have_attribute("data-verdict", "pass")
    expect(page.locator(".check-missing [data-function=learn_once_mse]")).to_have_count(1)
    expect(page.locator(".check-missing")).to_contain_text("Not written yet")


def test_an_infinite_loop_is_stopped_and_the_draw_tab_still_predicts(page: Page, base_url, tmp_path):
    open_check(page, base_url)
    open_file(page, tmp_path, "mlp.py", LOOP)
    started = time.monotonic()
    assert run_check(page) == "fail"
    assert time.monotonic() - started < 45  # the soft limit (5 s per call), not the hard one
    learn = page.locator("[data-function=learn_once_mse]")
    expect(learn).to_have_attribute("data-verdict", "error")
    expect(learn).to_contain_text("time limit")
    page.click("#tab-draw")
    draw_strokes(page, DIGIT_STROKES["7"])
    assert wait_prediction(page)["mlp"] == "7"


def test_stop_ends_a_long_check_and_a_fresh_python_checks_again(page: Page, base_url, tmp_path):
    open_check(page, base_url)
    slow = ("import time\n\ndef one_hot(labels):\n    t = time.time()\n"
            "    while time.time() - t < 4:\n        pass\n    return None\n")
    open_file(page, tmp_path, "mlp.py", slow)
    page.click("#check-run")
    page.wait_for_selector("#view-check[data-checker=checking]", state="attached")
    page.click("#check-stop")
    page.wait_for_selector("#check-results[data-verdict=error]", state="attached")
    expect(page.locator("#check-results")).to_contain_text("Stopped")
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    open_file(page, tmp_path, "mlp.py", (CORPUS / "good_mlp.py").read_text())
    run_check(page)
    expect(page.locator("[data-function=learn_once_mse]")).to_have_attribute("data-verdict", "pass")


def test_a_syntax_error_shows_its_line_in_the_results_and_the_editor(page: Page, base_url, tmp_path):
    open_check(page, base_url)
    open_file(page, tmp_path, "mlp.py", "import numpy as np\n\ndef one_hot(labels:\n    return labels\n")
    run_check(page)
    problem = page.locator('[data-file-error="mlp.py"]')
    expect(problem).to_contain_text("line 3")
    expect(page.locator("#check-editor")).to_have_attribute("data-marks", "1")
    expect(page.locator("#check-editor .cm-lintRange-error")).to_have_count(1)


def test_the_students_code_survives_a_reload(page: Page, base_url):
    open_check(page, base_url)
    expect(page.locator('.check-file-tab[data-file="mlp.py"]')).to_have_count(1)
    page.locator('.check-file-tab[data-file="knn.py"]').click()
    page.locator("#check-editor .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# my own note, kept\n")
    page.wait_for_selector("#check-saved[data-save=done]", state="attached")
    page.reload()
    wait_ready(page)
    page.wait_for_selector("#view-check[data-checker=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    expect(page.locator('.check-file-tab[data-file="knn.py"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("#check-editor .cm-content")).to_contain_text("# my own note, kept")


def test_the_file_tabs_work_with_the_keyboard(page: Page, base_url):
    open_check(page, base_url)
    page.focus('.check-file-tab[aria-selected="true"]')
    first = page.evaluate("document.activeElement.dataset.file")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("document.activeElement.dataset.file")
    assert second != first
    expect(page.locator(f'.check-file-tab[data-file="{second}"]')).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.dataset.file") == first
