"""The page's ``check`` request: the same report as ``check_files``, bad fields refused."""

import json
from pathlib import Path

from backproplab.api import Session, handle

GOOD = (Path(__file__).parent / "check_corpus" / "mse_bias_not_summed.py").read_text()


def test_check_request_returns_the_json_report():
    reply = handle({"id": 7, "type": "check", "files": {"mlp.py": GOOD},
                    "functions": ["learn_once_mse"], "time_limit": 2}, Session())
    assert reply["ok"] and reply["id"] == 7
    report = reply["result"]
    json.dumps(report, allow_nan=False)
    f = report["functions"][0]
    assert (f["name"], f["verdict"]) == ("learn_once_mse", "fail")
    assert [d["key"] for d in f["diagnoses"]] == ["bias-not-summed"]
    assert f["step"] == "dC/dB2"


def test_check_request_refuses_bad_fields_with_the_bad_value():
    for fields, words in (({"files": []}, "Got list"),
                          ({"files": {"../x.py": ""}}, "'../x.py'"),
                          ({"files": {"mlp.py": ""}, "functions": ["nope"]}, "['nope']"),
                          ({"files": {"mlp.py": ""}, "time_limit": 0}, "Got 0")):
        reply = handle({"id": 1, "type": "check", **fields}, Session())
        assert not reply["ok"] and words in reply["error"]["message"]
