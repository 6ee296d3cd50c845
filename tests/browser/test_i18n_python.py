"""Python's messages in the page's language: with ``#lang=fr``, a refused model file says why
in French, built from the refusal's message key and params (the ``py.*`` keys of fr.json, a
refusal inside a refusal, quoted values, a sentence inside a sentence and numbers), never
Python's English; a model file the page wrote (its description kept as keys) reads in French,
and an older file's own English description is shown as written."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from backproplab import modelio
from backproplab.api import Session, handle
from backproplab.mlp import MLP
from conftest import SITE, wait_ready


def test_a_refused_model_file_says_why_in_french(page, base_url):
    page.goto(base_url + "#lang=fr")
    wait_ready(page)
    assert page.get_attribute("html", "lang") == "fr"
    toy = modelio.model_to_bytes(MLP([2, 8, 2], "tanh", "softmax_cross_entropy", "float32", seed=0),
                                 {"class_names": ["a", "b"]})
    other = json.loads(modelio.model_to_bytes(MLP([784, 4, 10], "relu", "softmax_cross_entropy",
                                                  "float32", seed=0), format="json"))
    other["format"] = "other-app"
    alerts = page.locator("#alerts")
    for name, content, french in (
            ("other.json", json.dumps(other).encode(),
             "other.json a été refusé : Ce n'est pas un modèle backproplab : le format est "
             "'other-app', attendu 'backproplab-model'."),
            ("xor.npz", toy,
             "xor.npz a été refusé : c'est un MLP 2-8-2 pour un jeu 2D jouet (2 entrées), mais "
             "l'onglet Dessiner demande un modèle d'images : 784 entrées (des chiffres de 28×28) "
             "ou 3\u202f072 (des photos couleur de 32×32, CIFAR-10).")):
        page.set_input_files("#model-file", files=[{"name": name, "buffer": content,
                                                    "mimeType": "application/octet-stream"}])
        expect(alerts).to_contain_text(french)
    text = alerts.inner_text()
    for english in ("was refused", "Not a backproplab", "expected", "toy set", "Draw tab"):
        assert english not in text
    expect(page.locator("#model-current")).to_have_attribute("data-source", "default")


def page_written_model() -> bytes:
    """The file the page's model card downloads after "Use this model for drawing": a small MLP
    trained one epoch on the site's digits, exported by the same handlers the worker runs."""
    session = Session()

    def call(type_, **fields):
        reply = handle({"id": 1, "type": type_, **fields}, session)
        assert reply["ok"], reply["error"]
        return reply["result"]

    call("init", data_dir=str(SITE / "data"))
    call("train_start", dataset="digits", hidden="16", activation="relu", epochs=1, batch=128, k=1)
    while not call("train_steps", steps=100)["done"]:
        pass
    call("use_trained", model="trained")
    return bytes(call("model_export", kind="mlp")["bytes"])


def test_a_model_file_of_ours_reads_in_french_and_an_older_ones_words_as_written(page, base_url):
    page.goto(base_url + "#lang=fr")
    wait_ready(page)
    current = page.locator("#model-current")
    french = "votre MLP 784-16-10 (ReLU), entraîné sur MNIST-10k pendant 1 époque dans cette page"
    page.set_input_files("#model-file", files=[{"name": "mine.npz", "buffer": page_written_model(),
                                                "mimeType": "application/octet-stream"}])
    expect(current).to_have_text(f"Réseau de neurones : {french} (depuis mine.npz).")
    expect(page.locator("#alerts")).to_contain_text(f"Modèle chargé : {french}.")
    expect(page.locator("#model-current-knn")).to_contain_text(re.compile(r"un vote par voisin, sur 8\s000 chiffres"))

    older = modelio.model_to_bytes(MLP([784, 4, 10], "relu", "softmax_cross_entropy", "float32", seed=0),
                                   {"class_names": [str(d) for d in range(10)],
                                    "description": "MLP 784-4-10 (relu), trained at build time"})
    page.set_input_files("#model-file", files=[{"name": "older.npz", "buffer": older,
                                                "mimeType": "application/octet-stream"}])
    expect(current).to_have_text("Réseau de neurones : MLP 784-4-10 (relu), trained at build time "
                                 "(depuis older.npz).")
