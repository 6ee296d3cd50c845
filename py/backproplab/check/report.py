"""``check_files``: the JSON-safe report of a student's files, and its plain-text rendering.

Report (every key always present)::

    {"version": 1, "verdict": "pass" | "fail", "time_limit": s,
     "error": null | {message_key, params, message}  (the whole check stopped: CLI only),
     "files": [{file, loaded, message_key, params, message, error, import_calls, stdout}],
     "functions": [{name, verdict: pass|fail|error|missing, message_key, params, message,
                    partials: [{name, verdict, message_key, params, message, rel_error,
                                expected_shape, got_shape, worst, expected, got, diff,
                                step, formula}],
                    diagnoses: [{key, informational, message_key, params, message, step,
                                 formula}],
                    step, formula, stdout, error: null | {type, message, file, line, column,
                                                          message_key?, params?}}],
     "not_defined": [names], "counts": {pass, fail, error, missing}}

Keys of ``partials`` beyond name/verdict/message appear where they apply (the learn_once
partials carry all of them). Every ``message`` is English; its ``message_key`` and ``params``
(``check.messages.wired``: every piece the sentence composes, as lists and sub-messages) let
the page say it in another language. A function's message is its verdict's sentence; the
diagnoses say what is wrong (the CLI adds the first named one to the verdict's line).
The verdict is "pass" only when every file loaded and every checked function passed.
"""

from __future__ import annotations

import ast
import re

from . import data, knn, learn, mlp  # noqa: F401 - they register their checks
from .base import CHECKS, HELPERS, LAB_FUNCTIONS, ArityError, Context, entry
from .messages import wired
from .runner import PRINT_LIMIT, Session, StudentError, module_name, top_level_calls
from ..messages import Message

VERDICTS = ("pass", "fail", "error", "missing")


def _defined(source: str) -> list:
    """Names of the top-level functions of a source, ``def`` or ``name = lambda ...`` (a regex
    when it does not parse)."""
    try:
        body = ast.parse(source).body
        return [n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] \
            + [t.id for n in body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
               for t in n.targets if isinstance(t, ast.Name)]
    except SyntaxError:
        return re.findall(r"^def\s+(\w+)", source, flags=re.M)


def _find(session: Session, name: str):
    """(object, file) the student defines under ``name`` in a loaded file, else (None, None)."""
    student_files = set(session.filenames.values())
    for mod_name, mod in session.modules.items():
        if mod_name in session.load_errors or name not in vars(mod):
            continue
        obj = vars(mod)[name]
        code = getattr(obj, "__code__", None)
        if code is not None and code.co_filename not in student_files:
            continue  # imported from the reference or elsewhere
        if code is None and name not in _defined(session.sources[mod_name]) and callable(obj):
            continue
        return obj, session.filenames[mod_name]
    return None, None


def _error(info: dict) -> dict:
    """A report's ``error`` from a ``StudentError.info``: ``{type, message, file, line,
    column}``, plus ``message_key`` and ``params`` when the message is the checker's own."""
    error = {k: info.get(k) for k in ("type", "message", "file", "line", "column")}
    if isinstance(error["message"], Message):
        error.update(error["message"].wire())
    return error


def _finish(e: dict, check, ctx) -> dict:
    e.update(wired(e["message_key"], {"name": e["name"], **e["params"]}))
    for p in e["partials"]:
        p.update(wired(p["message_key"], p.get("params", {})))
    for d in e["diagnoses"]:
        d.update(wired(d["key"], d["params"]))
    if check is not None:
        e["step"] = e.get("step") or check.step
        e["formula"] = e.get("formula") or check.formula
    e["stdout"] = ctx.session.take_stdout() if ctx else ""
    e.setdefault("error", None)
    return e


def check_function(session: Session, name: str, func, seed: int = 0) -> dict:
    """One lab function's entry (its verdict, partials, diagnoses, messages)."""
    check = CHECKS[name]
    ctx = Context(session, name, seed)
    if not callable(func):
        e = entry(name, "fail", "not-callable", {"got_type": type(func).__name__})
        return _finish(e, check, ctx)
    try:
        e = check.run(ctx, func)
    except StudentError as err:
        if err.info.get("type") == "NotImplementedError":  # a starter's body, not written yet
            return _finish(entry(name, "missing", "not-written", {"file": err.info.get("file")}),
                           check, ctx)
        e = entry(name, "error", err.kind, {**err.info, "time_limit": session.time_limit})
        e["error"] = _error(err.info)
    except ArityError as err:
        e = entry(name, "fail", "wrong-arity", {"got": err.got,
                                                "expected": check.signature.split(" ->")[0]})
    except Exception as exc:  # noqa: BLE001 - a result the checker could not read
        e = entry(name, "error", "checker-error", {"type": type(exc).__name__,
                                                   "message": str(exc)})
    return _finish(e, check, ctx)


def check_files(files: dict, functions=None, time_limit: float = 10.0,
                print_limit: int = PRINT_LIMIT, seed: int = 0) -> dict:
    """Check a student's files ``{file name: source}`` against ``backproplab.lab``.

    functions: lab function names to check (None: every lab function and ``softmax`` /
    ``sigmoid`` helper the files define; a requested one that is not defined is "missing").
    time_limit: soft seconds per import and per call. Returns the report (module docstring).
    """
    known = LAB_FUNCTIONS + HELPERS
    if functions is not None:
        unknown = [f for f in functions if f not in known]
        if unknown:
            raise ValueError(f"Unknown lab function(s) {', '.join(unknown)}. Known: "
                             f"{', '.join(known)}.")
    if not files:
        raise ValueError("Expected at least one file to check. Got none.")
    session = Session(files, time_limit, print_limit)
    session.load()
    file_entries = []
    for fname, source in files.items():
        err = session.load_errors.get(module_name(fname))
        info = err.info if err else None
        f = {"file": fname, "loaded": err is None,
             **wired(err.kind if err else "loaded", {**(info or {}), "time_limit": time_limit}),
             "error": _error(info) if info else None,
             "import_calls": top_level_calls(source, fname)}
        file_entries.append(f)
    if file_entries:
        file_entries[0]["stdout"] = session.take_stdout()  # prints at import, all files
    for f in file_entries[1:]:
        f["stdout"] = ""
    defined = {n: fname for fname, src in files.items() for n in _defined(src)}
    wanted = list(functions) if functions is not None else [n for n in known if n in defined]
    results = []
    for name in wanted:
        func, where = _find(session, name)
        if func is None and name in defined and module_name(defined[name]) in session.load_errors:
            err = session.load_errors[module_name(defined[name])]
            e = entry(name, "error", "module-not-loaded", {
                "file": defined[name], "error_type": err.info.get("type"),
                "line": err.info.get("line")})
            e["error"] = _error(err.info)
            e["file"] = defined[name]
            results.append(_finish(e, CHECKS[name], None))
        elif func is None:
            results.append(_finish(entry(name, "missing", "missing"), CHECKS[name], None))
        else:
            results.append(check_function(session, name, func, seed))
            results[-1]["file"] = where
    counts = {v: sum(r["verdict"] == v for r in results) for v in VERDICTS}
    ok = results and counts["pass"] == len(results) and all(f["loaded"] for f in file_entries)
    return {"version": 1, "verdict": "pass" if ok else "fail", "time_limit": time_limit,
            "error": None, "files": file_entries, "functions": results,
            "not_defined": [n for n in LAB_FUNCTIONS if n not in defined], "counts": counts}


def render_text(report: dict, verbose: bool = True) -> str:
    """The report as lines a student reads in a terminal (one line per function, details)."""
    lines = []
    stopped = (report.get("error") or {}).get("message_key")
    for f in report["files"]:
        if f["message_key"] == stopped:
            continue
        if not f["loaded"]:
            lines.append(f"{f['file']}: {f['message']}")
        elif f["loaded"] and f["import_calls"]:
            first = f["import_calls"][0]
            lines.append(f"note: {f['file']} runs code when imported (line {first['line']}: "
                         f"{first['text']}"
                         + (f", and {len(f['import_calls']) - 1} more" if
                            len(f["import_calls"]) > 1 else "")
                         + "): keep scripts under if __name__ == \"__main__\":")
        if f.get("stdout"):
            lines.append(f"{f['file']}: printed at import:\n" + _indent(f["stdout"], 4, 20))
    width = max([len(r["name"]) for r in report["functions"]] + [8])
    for r in report["functions"]:
        named = [d for d in r["diagnoses"] if not d["informational"]]
        said = r["message"] + (f" {named[0]['message']}" if named and r["verdict"] == "fail"
                               else "")
        lines.append(f"{r['verdict'].upper():5} {r['name']:{width}}  {said}")
        if not verbose or r["verdict"] == "missing":
            continue
        for p in r["partials"]:
            if r["verdict"] != "pass":
                step = f"  [stepper: {p['step']}]" if p.get("step") else ""
                lines.append(f"        {p['name']:6} {p['verdict']:4}  {p['message']}{step}")
        for d in r["diagnoses"]:
            lines.append(f"        {'note' if d['informational'] else 'diagnosis'} "
                         f"{d['key']}: {d['message']}")
        if r["verdict"] != "pass":
            if r.get("step"):
                lines.append(f"        stepper step: {r['step']}")
            if r.get("formula"):
                lines.append(f"        formula: {r['formula']}")
        if r.get("stdout"):
            lines.append("        printed:\n" + _indent(r["stdout"], 10, 10))
    c = report["counts"]
    summary = ", ".join(f"{c[v]} {v if v != 'pass' else 'passed'}" for v in VERDICTS if c[v])
    lines.append(f"{report['verdict'].upper()}: {summary or 'no lab function found'}"
                 + (f" (not defined: {', '.join(report['not_defined'])})"
                    if report["not_defined"] and report["functions"] else ""))
    return "\n".join(lines)


def _indent(text: str, n: int, max_lines: int) -> str:
    rows = text.rstrip("\n").splitlines()
    more = [f"... {len(rows) - max_lines} more lines"] if len(rows) > max_lines else []
    return "\n".join(" " * n + row[:200] for row in rows[:max_lines] + more)
