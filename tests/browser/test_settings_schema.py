"""The page's settings are the package's: its state object, form and URL parsing read the
schema the build wrote from ``backproplab.settings``, for every dataset."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from backproplab.settings import DATASETS, SETTINGS, defaults_for

from conftest import wait_ready

PAGE_DEFAULTS_JS = """async () => {
  const state = await import("./js/state.js");
  const file = await (await fetch("./settings.json")).json();
  const out = {};
  for (const name of Object.keys(state.DATASETS)) out[name] = state.defaultsFor(name);
  // keys the page's own modules add with declare() (i18n.js: lang), not the package's
  const declared = Object.keys(state.SCHEMA).filter((key) => !(key in file.settings));
  return { defaults: out, schema: state.SCHEMA, declared };
}"""


def test_the_pages_defaults_and_limits_equal_the_packages_for_every_dataset(page: Page, base_url):
    page.goto(base_url)
    wait_ready(page)
    got = page.evaluate(PAGE_DEFAULTS_JS)
    assert set(got["defaults"]) == set(DATASETS)
    for dataset in DATASETS:
        page_defaults = got["defaults"][dataset]
        assert set(page_defaults) - set(SETTINGS) == set(got["declared"]), dataset
        assert {k: page_defaults[k] for k in SETTINGS} == defaults_for(dataset), dataset
    for name, spec in SETTINGS.items():  # type, default, range or choices, meaning
        assert got["schema"][name] == spec.to_json(), name


def test_every_registry_choice_is_offered_by_the_train_form(page: Page, base_url):
    page.goto(f"{base_url}#tab=train")
    wait_ready(page)
    for name in ("activation", "loss", "optimizer"):
        options = page.locator(f"#train-{name} option").evaluate_all("os => os.map(o => o.value)")
        assert options == list(SETTINGS[name].choices), name
    chips = page.locator("#train-dataset input").evaluate_all("xs => xs.map(x => x.value)")
    assert chips == list(DATASETS)


@pytest.mark.parametrize("hash_, shown", [("k=51", "k=\"51\""), ("lr=1000", "lr=\"1000\"")])
def test_a_link_value_outside_the_packages_range_is_ignored_with_a_notice(page: Page, base_url,
                                                                          hash_, shown):
    page.goto(f"{base_url}#tab=train&{hash_}")
    wait_ready(page)
    expect(page.locator("[role=alert]").filter(has_text=shown)).to_have_count(1)
    assert page.evaluate("() => location.hash") == "#tab=train"
