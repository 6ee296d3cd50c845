"""The backprop stepper in the page: every step of the lab's 2-layer network is typeset, shows
its values and passes its finite-difference check; the notation switch transposes what is
shown; a drawn digit (from the Draw tab or the stepper's own pad) can be the sample; the view
fits a phone.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from conftest import wait_ready
from drawing import DIGIT_STROKES, draw_strokes, wait_prediction

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from synthetic_cifar import NAMES, write_archive  # noqa: E402

LAB_STEPS = ["A0", "Z1", "A1", "Z2", "A2", "C", "dC/dA2", "dA2/dZ2", "dC/dZ2", "dC/dW2",
             "dC/dB2", "dC/dA1", "dA1/dZ1", "dC/dZ1", "dC/dW1", "dC/dB1", "dC/dA0",
             "W1 ← W1 − η·dC/dW1", "B1 ← B1 − η·dC/dB1", "W2 ← W2 − η·dC/dW2",
             "B2 ← B2 − η·dC/dB2", "C after"]
GRADIENTS = {n for n in LAB_STEPS if n.startswith("d")}
SEVEN = DIGIT_STROKES["7"]
STEPS_TIMEOUT_MS = 60_000


def loads(page) -> int:
    return int(page.get_attribute("#stepper", "data-loads") or 0)


def wait_steps(page, after: int = 0) -> None:
    """Wait until the stepper shows a reply newer than `after` replies."""
    page.wait_for_function(
        """(after) => { const r = document.getElementById('stepper');
            return r && r.dataset.state === 'ready' && Number(r.dataset.loads || 0) > after; }""",
        arg=after, timeout=STEPS_TIMEOUT_MS)


def open_stepper(page, base_url: str, hash_: str) -> None:
    page.goto(f"{base_url}#tab=stepper&{hash_}")
    wait_ready(page)
    wait_steps(page)


def step_name(page) -> str:
    return page.get_attribute("#stepper-step", "data-step-name")


def go_to(page, name: str) -> None:
    page.click(f'.stepper-chip[data-step-name="{name}"]')
    page.wait_for_selector(f'#stepper-step[data-step-name="{name}"]', state="attached")


def tex_source(page) -> str:
    """The TeX of the typeset formula (KaTeX keeps it in the MathML annotation)."""
    return page.text_content("#stepper-step .stepper-formula annotation")


def table_values(page) -> list[list[float]]:
    return page.evaluate("""() => [...document.querySelectorAll('#stepper-step .stepper-table tbody tr')]
        .map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent)))""")


def test_walk_every_step_of_the_lab_network(page, base_url):
    open_stepper(page, base_url, "net=lab&sample=digit:0")
    chips = page.eval_on_selector_all(".stepper-chip", "cs => cs.map(c => c.dataset.stepName)")
    assert chips == LAB_STEPS
    assert page.is_disabled("#stepper-prev")
    seen = []
    for i, name in enumerate(LAB_STEPS):
        assert step_name(page) == name
        seen.append(name)
        card = page.locator("#stepper-step")
        assert card.locator(".stepper-formula .katex").count() == 1, name
        assert card.locator(".stepper-explain").inner_text().strip(), name
        assert card.locator(".stepper-shape .katex").count() >= 1, name
        mode = card.locator(".stepper-values").get_attribute("data-mode")
        if mode == "scalar":
            assert card.locator(".stepper-scalar .katex").count() == 1
        elif mode == "table":
            cells = card.locator(".stepper-table td").all_inner_texts()
            assert cells and all(math.isfinite(float(c)) for c in cells), name
        else:
            assert card.locator("canvas").count() >= 1, name
        check = page.get_attribute("#stepper-step", "data-check")
        if name in GRADIENTS:
            assert check == "pass", f"{name}: check {check}"
            assert card.locator(".stepper-check .stepper-compare tbody tr").count() >= 1
            assert "Check passed" in card.locator("#stepper-check-badge").inner_text()
        else:
            assert check == "none", name
        if i < len(LAB_STEPS) - 1:
            page.click("#stepper-next")
    assert seen == LAB_STEPS
    assert page.is_disabled("#stepper-next")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    # the keyboard walks back; the bias gradient sums over the batch
    page.locator("#stepper-step").click(position={"x": 5, "y": 5})
    for _ in range(LAB_STEPS.index("C after") - LAB_STEPS.index("dC/dB1")):
        page.keyboard.press("ArrowLeft")
    assert step_name(page) == "dC/dB1"
    assert r"\sum_{n=1}^{N}" in tex_source(page)
    go_to(page, "dC/dA2")
    assert r"\frac{2}{N\,N_{out}}" in tex_source(page)


def test_notation_switch_transposes_what_is_shown(page, base_url):
    open_stepper(page, base_url, "net=lab&sample=batch:2@3")
    go_to(page, "dC/dW2")
    assert page.get_attribute("#stepper-step", "data-shape") == "16x10"
    assert tex_source(page).replace(" ", "").startswith(r"\frac{\partialC}{\partialW^{(2)}}=A^{(1)\top}")
    rows = table_values(page)
    before = loads(page)
    page.click("#stepper-notation-cols")
    wait_steps(page, before)
    assert step_name(page) == "dC/dW2"          # the same step, now in the seed's notation
    assert page.get_attribute("#stepper-step", "data-shape") == "10x16"
    assert tex_source(page).replace(" ", "").startswith(
        r"\frac{\partialC}{\partialW^{[2]}}=\frac{\partialC}{\partialZ^{[2]}}")
    cols = table_values(page)
    assert len(cols) == 10 and len(cols[0]) == 16
    assert cols == [list(r) for r in zip(*rows)]
    assert page.get_attribute("#stepper-step", "data-check") == "pass"
    go_to(page, "A0")
    assert page.get_attribute("#stepper-step", "data-shape") == "784x2"
    assert "#notation=cols" in page.url or "notation=cols" in page.url


def test_a_digit_drawn_in_the_draw_tab_is_the_sample(page, base_url):
    page.goto(base_url)
    wait_ready(page)
    draw_strokes(page, SEVEN)
    wait_prediction(page)
    predicted = page.get_attribute("#prediction", "data-label")
    page.click("#tab-stepper")
    before = loads(page)
    page.click("#stepper-net-lab")
    wait_steps(page, before)
    before = loads(page)
    page.select_option("#stepper-source", "drawtab")
    wait_steps(page, before)
    assert "your drawing" in page.inner_text("#stepper-sample")
    assert page.input_value("#stepper-label") == predicted   # target: how the page read it
    ink = page.evaluate("""() => { const c = document.querySelector('#stepper-sample canvas');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 64) n++; return n; }""")
    assert ink > 20
    checks = page.eval_on_selector_all(".stepper-chip", "cs => cs.map(c => c.dataset.check)")
    assert checks.count("pass") == len(GRADIENTS) and "fail" not in checks
    go_to(page, "A0")
    assert page.get_attribute("#stepper-step .stepper-values", "data-mode") == "images"
    # the student corrects the target: the cost's gradient changes with it
    go_to(page, "dC/dA2")
    before = loads(page)
    other = "1" if predicted != "1" else "2"
    page.select_option("#stepper-label", other)
    wait_steps(page, before)
    assert "target " + other in page.inner_text("#stepper-sample")
    values = table_values(page)[0]
    assert values[int(other)] < 0        # 2/(N·N_out)·(A − Y): negative where Y = 1


def test_play_advances_and_the_seed_network_steps_on_its_ten_people(page, base_url):
    open_stepper(page, base_url, "net=seed&notation=cols")
    assert page.locator(".stepper-people tbody tr").count() == 10
    names = page.eval_on_selector_all(".stepper-chip", "cs => cs.map(c => c.dataset.stepName)")
    assert names[:8] == ["A0", "Z1", "A1", "Z2", "A2", "Z3", "A3", "C"]
    go_to(page, "dC/dA3")
    assert r"\oslash" in tex_source(page)
    assert page.get_attribute("#stepper-step", "data-shape") == "1x10"
    page.click("#stepper-play")
    page.wait_for_selector('#stepper-step[data-step-name="dA3/dZ3"]', state="attached", timeout=8000)
    page.click("#stepper-play")
    assert page.get_attribute("#stepper-play", "aria-pressed") == "false"


def test_on_a_phone_the_stepper_fits_and_its_own_pad_draws_the_sample(browser, base_url, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}#tab=stepper&net=lab&sample=digit:7")
    wait_ready(page)
    wait_steps(page)
    go_to(page, "dC/dW1")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    for selector in ("#stepper-prev", "#stepper-next", "#stepper-step .stepper-formula",
                     "#stepper-step .stepper-tiles"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 391, selector
    page.screenshot(path=str(tmp_path / "stepper-phone.png"), full_page=True)

    page.select_option("#stepper-source", "pad")
    before = loads(page)
    draw_strokes(page, SEVEN, "#stepper-pad")
    wait_steps(page, before)
    assert "your drawing" in page.inner_text("#stepper-sample")
    assert step_name(page) == "dC/dW1"
    assert page.eval_on_selector_all(".stepper-chip[data-check=fail]", "cs => cs.length") == 0
    assert page.eval_on_selector_all(".stepper-chip[data-check=pass]", "cs => cs.length") == \
        len(GRADIENTS)
    assert not errors, errors
    context.close()


BENCH_PAGE = "__tests__/bench.html"  # drives js/client.js alone: window.bench.{client, info}


def python_rules(context, base_url: str) -> dict:
    """What Python tells the stepper (``stepper_rules``), asked through a worker of its own."""
    bench = context.new_page()
    bench.goto(base_url + BENCH_PAGE)
    bench.wait_for_function("window.bench && window.bench.ready", timeout=STEPS_TIMEOUT_MS)
    told = bench.evaluate("window.bench.client.call('stepper_rules', {})")
    bench.close()
    return told


def buttons(page, group: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"#stepper-{group} .stepper-seg", """bs => bs.map(b =>
        [b.dataset.value, b.querySelector('.stepper-seg-label').textContent,
         b.querySelector('.stepper-seg-sub').textContent])""")


def options(page, select: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{select} option", "os => os.map(o => [o.value, o.text])")


def test_the_pickers_offer_exactly_the_networks_and_samples_python_lists(page, context, base_url):
    told = python_rules(context, base_url)
    open_stepper(page, base_url, "net=lab")
    assert buttons(page, "net") == [[n["name"], n["label"]["message"], n["description"]["message"]]
                                    for n in told["nets"]]
    assert buttons(page, "notation") == [
        [n["name"], n["label"]["message"], n["description"]["message"]] for n in told["notations"]]
    for net in told["nets"]:
        if net["name"] != "lab":
            before = loads(page)
            page.click(f"#stepper-net-{net['name']}")
            wait_steps(page, before)
        shown = options(page, "#stepper-source")
        data = [[s["kind"], s["label"]["message"]] for s in net["sources"]]
        assert shown[:len(data)] == data, net["name"]
        assert [v for v, _ in shown[len(data):]] == (["pad", "drawtab"] if net["drawing"] else [])
        assert page.get_attribute("#stepper-index", "max") == str(net["sources"][0]["max_index"])
        assert [v for v, _ in options(page, "#stepper-batch")] == [str(b) for b in net["batches"]]
        default = net["default"]
        assert page.input_value("#stepper-source") == default["source"]
        assert page.input_value("#stepper-batch") == str(default["batch"])
        assert page.input_value("#stepper-index") == str(default["index"])
        assert page.get_attribute("#stepper-lr", "placeholder") == str(net["learning_rate"])
        assert "sample=" not in page.url          # a network's default keeps the link clean
    # the form sends {source, index, batch}; Python writes the sample into the link
    before = loads(page)
    page.click("#stepper-net-lab")
    wait_steps(page, before)
    before = loads(page)
    page.select_option("#stepper-batch", "4")
    wait_steps(page, before)
    assert page.locator("#stepper-sample .stepper-thumb").count() == 4
    assert "sample=batch:4" in page.url
    assert page.get_attribute('.stepper-chip[data-step-name="A0"]', "data-check") == "none"
    go_to(page, "A0")
    assert page.get_attribute("#stepper-step", "data-shape") == "4x784"


def test_a_link_with_a_sample_the_network_does_not_take_gets_a_notice_and_its_default(
        page, base_url):
    open_stepper(page, base_url, "net=seed&sample=digit:3")
    notice = page.locator("#alerts .alert-warning").inner_text()
    assert "digit:3" in notice and "takes people" in notice and "batch:10" in notice
    assert page.locator(".stepper-people tbody tr").count() == 10
    assert page.input_value("#stepper-source") == "person"
    assert page.input_value("#stepper-batch") == "10"
    assert "sample=" not in page.url and "net=seed" in page.url


def colours(page, selector: str) -> list:
    """[width, height, [[r, g, b] of every pixel]] of the first canvas matching ``selector``."""
    return page.eval_on_selector(selector, """(c) => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const out = [];
        for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
        return [c.width, c.height, out];
    }""")


def test_a_cifar_networks_input_shows_as_32x32_colour_images(page, base_url, tmp_path):
    """A CIFAR-10 run that has taken a step: the stepper walks it through its training photos,
    A0's 3072 values shown as 32×32 colour tiles, the samples as colour thumbnails."""
    archive = tmp_path / "cifar-10-python.tar.gz"
    write_archive(archive, n_per_batch=100)
    page.goto(f"{base_url}#tab=train&dataset=cifar10&cifar_train=300&cifar_test=100&hidden=32")
    wait_ready(page)
    page.set_input_files("#cifar-file", str(archive))
    page.wait_for_selector("#cifar-status[data-train='300']", state="attached", timeout=60_000)
    page.wait_for_function("() => document.getElementById('train-message').textContent"
                           ".includes('Press Play')", timeout=60_000)
    page.click("#train-step")
    page.wait_for_function("() => document.getElementById('train-message').textContent"
                           ".startsWith('One step')", timeout=60_000)
    page.click("#tab-stepper")
    before = loads(page)
    page.click("#stepper-net-trained")
    wait_steps(page, before)
    before = loads(page)
    page.select_option("#stepper-batch", "2")
    wait_steps(page, before)
    go_to(page, "A0")
    assert page.get_attribute("#stepper-step .stepper-values", "data-mode") == "images"
    assert page.locator("#stepper-step canvas.stepper-tile").count() == 2
    width, height, pixels = colours(page, "#stepper-step canvas.stepper-tile")
    assert (width, height) == (32, 32)
    assert any(abs(r - g) > 30 or abs(g - b) > 30 for r, g, b in pixels), "the tile is gray"
    assert "32 by 32 colour" in page.get_attribute("#stepper-step canvas.stepper-tile",
                                                   "aria-label")
    width, height, pixels = colours(page, "#stepper-sample canvas")
    assert (width, height) == (32, 32)
    assert any(abs(r - g) > 30 or abs(g - b) > 30 for r, g, b in pixels)
    assert page.locator("#stepper-sample canvas").count() == 2
    names = page.eval_on_selector_all("#stepper-sample figcaption", "fs => fs.map(f => f.textContent)")
    assert all(n in NAMES for n in names), names
    checks = page.eval_on_selector_all(".stepper-chip", "cs => cs.map(c => c.dataset.check)")
    assert "fail" not in checks
    # the hidden units' weights: one 32×32 colour tile per unit
    go_to(page, "dC/dW1")
    assert page.get_attribute("#stepper-step .stepper-values", "data-mode") == "images"
    assert colours(page, "#stepper-step canvas.stepper-tile")[:2] == [32, 32]

    # the model in use after a reload: its photos come back from IndexedDB, no archive needed
    page.click("#tab-train")
    page.click("#train-use")
    page.wait_for_selector("body[data-input=rgb32]", state="attached", timeout=30_000)
    page.wait_for_selector("#saved-list[data-model=saved][data-save=done]", state="attached",
                           timeout=60_000)  # kept in IndexedDB before the reload
    page.goto(f"{base_url}#tab=stepper&net=trained&step=A0")
    page.reload()
    page.wait_for_selector("body[data-input=rgb32]", state="attached", timeout=30_000)
    # the stepper may first show the default model, until the one in use is back from storage
    page.wait_for_function("""() => document.getElementById('stepper').dataset.state === 'ready'
        && document.querySelector('#stepper-step canvas.stepper-tile')?.width === 32""",
                           timeout=STEPS_TIMEOUT_MS)
    assert page.get_attribute("#stepper-step", "data-step-name") == "A0"
    assert page.get_attribute("#stepper-step .stepper-values", "data-mode") == "images"
    width, height, pixels = colours(page, "#stepper-step canvas.stepper-tile")
    assert (width, height) == (32, 32)
    assert any(abs(r - g) > 30 or abs(g - b) > 30 for r, g, b in pixels), "the tile is gray"
    assert page.locator("#stepper-step .stepper-error").count() == 0
