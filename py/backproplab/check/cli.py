"""``backproplab check FILE... [--function NAME] [--json] [--timeout S]``.

The student's code runs in a child process (``python -m backproplab.check``) killed after
``--timeout`` seconds, so an endless NumPy call cannot hang the terminal; inside it, each
import and call also has the soft ``--time-limit``. Output: one line per function with its
partials, diagnoses and formula, or ``--json``, the page's report (``report.check_files``).
Exit status: 0 when every checked function passes, 1 otherwise (a timeout included), 2 for
bad arguments or unreadable files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import read_files
from .base import HELPERS, LAB_FUNCTIONS
from .messages import render
from .report import VERDICTS, _defined, render_text

DEFAULT_TIMEOUT = 30.0
DEFAULT_TIME_LIMIT = 10.0


def _seconds(text: str) -> float:
    import argparse
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0. Got {text!r}")
    return value


def add_parser(subparsers):
    """Register ``check`` on the main parser's subparsers."""
    p = subparsers.add_parser(
        "check", help="check your lab files (mlp.py, knn.py, read_cifar.py) function by function")
    p.add_argument("files", metavar="FILE", nargs="+", help="your .py files")
    p.add_argument("--function", dest="functions", action="append",
                   choices=LAB_FUNCTIONS + HELPERS, metavar="NAME",
                   help="check only this function (repeatable)")
    p.add_argument("--json", action="store_true", help="print the JSON report (for grading)")
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT,
                   help=f"hard limit for the whole check, seconds (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--time-limit", type=_seconds, default=DEFAULT_TIME_LIMIT,
                   help="soft limit per import and per call, seconds "
                        f"(default {DEFAULT_TIME_LIMIT:g})")
    p.set_defaults(run=run)
    return p


def check_in_subprocess(files: dict, functions=None, time_limit: float = DEFAULT_TIME_LIMIT,
                        timeout: float = DEFAULT_TIMEOUT) -> dict:
    """``check_files`` in a child Python, killed after ``timeout`` s (then a timeout report)."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                       os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="backproplab-check-") as tmp:
        request, out = Path(tmp) / "request.json", Path(tmp) / "report.json"
        request.write_text(json.dumps({"files": files, "functions": functions,
                                       "time_limit": time_limit}), encoding="utf-8")
        try:
            proc = subprocess.run([sys.executable, "-m", "backproplab.check", str(request),
                                   str(out)], stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout, cwd=tmp, env=env)
        except subprocess.TimeoutExpired:
            return failed_report(files, functions, "hard-timeout", {"timeout": timeout})
        if proc.returncode != 0 or not out.is_file():
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            return failed_report(files, functions, "crashed", {
                "status": proc.returncode, "stderr": "\n".join(tail)})
        return json.loads(out.read_text(encoding="utf-8"))


def failed_report(files: dict, functions, key: str, params: dict) -> dict:
    """The report when the whole check was stopped: every function is an "error"."""
    message = render(key, params)
    defined = [n for src in files.values() for n in _defined(src)]
    names = functions or [n for n in LAB_FUNCTIONS + HELPERS if n in defined]
    entries = [{"name": n, "file": None, "verdict": "error", "message_key": key, "params": params,
                "message": message, "partials": [], "diagnoses": [], "step": None,
                "formula": None, "stdout": "", "error": None} for n in names]
    counts = {v: (len(entries) if v == "error" else 0) for v in VERDICTS}
    return {"version": 1, "verdict": "fail", "time_limit": None,
            "error": {"message_key": key, "params": params, "message": message},
            "files": [{"file": f, "loaded": None, "message_key": key, "params": params,
                       "message": message, "error": None, "import_calls": [], "stdout": ""}
                      for f in files],
            "functions": entries, "not_defined": [n for n in LAB_FUNCTIONS if n not in defined],
            "counts": counts}


def run(args) -> int:
    """Check the files; print the report; 0 only when every checked function passes."""
    files = read_files(args.files)
    report = check_in_subprocess(files, args.functions, args.time_limit, args.timeout)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        if report.get("error"):
            print(report["error"]["message"])
        print(render_text(report))
    return 0 if report["verdict"] == "pass" else 1
