"""Python's messages in the page's language: with ``#lang=fr``, a refused model file says why
in French, built from the refusal's message key and params (the ``py.*`` keys of fr.json, a
refusal inside a refusal, quoted values, a sentence inside a sentence and numbers), never
Python's English."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from backproplab import modelio
from backproplab.mlp import MLP
from conftest import wait_ready


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
