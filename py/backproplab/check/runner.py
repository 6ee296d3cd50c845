"""Load a student's files and call their functions, guarded, inside this Python process.

``Session(files, time_limit, print_limit)`` compiles each file under its own name (tracebacks
and SyntaxErrors name ``mlp.py`` and its lines, so the page can mark them in the editor) and
runs it as a module whose ``__name__`` is not ``"__main__"``. While student code runs:

- a soft deadline: a ``sys.settrace`` hook on the student's frames raises ``CheckTimeout``
  (a ``BaseException``, so ``except Exception`` cannot swallow it) once ``time_limit``
  seconds have passed; one long NumPy call cannot be interrupted (the page's worker and the
  CLI's subprocess add a hard limit);
- ``print`` (``sys.stdout``/``sys.stderr``) goes to a buffer capped at ``print_limit``
  characters; the rest is counted, not kept;
- ``os._exit`` is replaced by a function raising ``StudentExit``; ``sys.exit`` raises
  ``SystemExit``, caught here; ``input()`` raises a clear error;
- sibling imports of the lab's files (``import knn``, ``from read_cifar import ...``)
  resolve to the student's other files when given, else to ``backproplab.lab``; a missing
  ``matplotlib``/``tqdm`` becomes a do-nothing stand-in (plots at import are harmless).

Every failure becomes ``StudentError.info``: ``{type, message, file, line, column}``, file
and line of the innermost frame in the student's code; ``message`` is the exception's text,
or a ``messages.Message`` when the checker says it (``TEXTS``). Left out on purpose:
isolation from the file system or network (the CLI runs the checker in a subprocess; the
page in a worker).
"""

from __future__ import annotations

import ast
import builtins
import importlib.abc
import importlib.util
import io
import os
import sys
import time
import traceback
import types
import warnings

import numpy as np

from .. import lab
from ..messages import Texts, reason

#: What the runner itself says about a failure (``info["message"]``); other messages are the
#: exception's own text (the student's code, NumPy).
TEXTS = Texts("check-run", {
    "no-input": "input() waits for the keyboard: the checker cannot type for you. Pass values "
                "as arguments instead.",
    "still-running": "still running after {seconds:g} s",
    "exit-status": "exit status {status}",
})

#: The lab's file names: ``import knn`` in the student's mlp.py finds the student's knn.py.
LAB_MODULES = ("read_cifar", "knn", "mlp")
STAND_INS = ("matplotlib", "matplotlib.pyplot", "tqdm", "seaborn")
PRINT_LIMIT = 100_000


class CheckTimeout(BaseException):
    """The soft deadline passed while student code ran."""


class StudentExit(BaseException):
    """The student's code called ``os._exit``."""


class StudentError(Exception):
    """Student code failed; ``info`` is the JSON-safe description, ``kind`` a message key."""

    def __init__(self, kind: str, info: dict):
        super().__init__(str(info.get("message", kind)))
        self.kind, self.info = kind, info


class CappedWriter(io.TextIOBase):
    """A text stream keeping the first ``limit`` characters and counting the rest."""

    def __init__(self, limit: int = PRINT_LIMIT):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, s) -> int:
        s = str(s)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += (f"\n[output truncated: {self.dropped} more characters were printed "
                    f"after the first {self.limit}]")
        return out


class _Anything(types.ModuleType):
    """A stand-in module: every attribute is a callable returning the stand-in."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __iter__(self):
        return iter((self, self))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves the lab's module names to the student's files, else to ``backproplab.lab``."""

    def __init__(self, session: "Session"):
        self.session = session

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.session.importable or fullname in LAB_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        if fullname in STAND_INS and not _importable(fullname):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        name = spec.name
        if name in self.session.sources:
            return self.session.module(name)
        if name in LAB_MODULES:
            stand = types.ModuleType(name, f"backproplab.lab standing in for {name}.py")
            stand.__dict__.update({k: getattr(lab, k) for k in lab.__all__})
            stand.np = lab.np
            return stand
        return _Anything(name)

    def exec_module(self, module):
        if module.__name__ in self.session.sources:
            self.session.execute(module.__name__)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


#: The message key of a failure of student code, by exception type (the first that matches;
#: any other: "import-error" while importing, else "exception").
_FAILURE_KEYS = ((CheckTimeout, "timeout"), (StudentExit, "os-exit"), (SystemExit, "sys-exit"),
                 (MemoryError, "memory-error"), (RecursionError, "recursion-error"))


def _failure_key(exc: BaseException, at_import: bool) -> str:
    if isinstance(exc, ValueError) and "array is too big" in str(exc):
        return "memory-error"  # NumPy on 32-bit WebAssembly (Pyodide): beyond the address space
    for kind, key in _FAILURE_KEYS:
        if isinstance(exc, kind):
            return key
    return "import-error" if at_import else "exception"


def _no_input(*args, **kwargs):
    raise RuntimeError(TEXTS("no-input"))


def _no_os_exit(status=0):
    raise StudentExit(status)


def module_name(filename: str) -> str:
    """``"some/dir/mlp.py"`` -> ``"mlp"``."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-3] if base.endswith(".py") else base


class Session:
    """The student's files as modules, and guarded calls into them.

    files: {file name: source text}; time_limit: soft seconds per load and per call.
    """

    def __init__(self, files: dict, time_limit: float = 10.0, print_limit: int = PRINT_LIMIT):
        self.filenames = {module_name(f): f for f in files}
        self.sources = {module_name(f): src for f, src in files.items()}
        # a student's numpy.py or random.py must not replace the real module for everyone
        self.importable = {n for n in self.sources if n in LAB_MODULES or (
            n not in sys.modules and n not in sys.stdlib_module_names)}
        self.time_limit, self.print_limit = float(time_limit), int(print_limit)
        self.modules: dict = {}
        self.executed: set = set()
        self.load_errors: dict = {}   # module name -> StudentError
        self.stdout = CappedWriter(print_limit)
        self._deadline = None

    # ------------------------------------------------------------ modules
    def module(self, name: str) -> types.ModuleType:
        if name not in self.modules:
            mod = types.ModuleType(name)
            mod.__file__ = self.filenames[name]
            self.modules[name] = mod
        return self.modules[name]

    def execute(self, name: str) -> None:
        """Run one file's top level (once); errors are recorded and re-raised."""
        if name in self.executed:
            return
        self.executed.add(name)
        filename, source = self.filenames[name], self.sources[name]
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            err = StudentError("syntax-error", {
                "type": type(exc).__name__, "message": exc.msg, "file": filename,
                "line": exc.lineno, "column": exc.offset,
                "text": (exc.text or "").rstrip("\n")})
            self.load_errors[name] = err
            raise err from None
        exec(code, self.module(name).__dict__)

    def load(self) -> dict:
        """Import every file (guarded). Returns {module name: module} of those that loaded."""
        for name in self.sources:
            if name in self.executed:
                continue
            try:
                self.run(self._import, name, at_import=True)
            except StudentError as err:
                self.load_errors.setdefault(name, err)
        return {n: m for n, m in self.modules.items() if n not in self.load_errors}

    def _import(self, name):
        self.execute(name)

    # ------------------------------------------------------------ guarded calls
    def run(self, func, *args, at_import: bool = False, **kwargs):
        """``func(*args, **kwargs)`` under the guards; failures raise ``StudentError``."""
        saved = (sys.stdout, sys.stderr, os._exit, builtins.input, sys.gettrace(),
                 sys.meta_path[:], {n: sys.modules.get(n) for n in self._shadowed()},
                 np.geterr())
        finder = _Finder(self)
        sys.meta_path.insert(0, finder)
        for n in self._shadowed():
            if n in self.modules:
                sys.modules[n] = self.modules[n]
            else:
                sys.modules.pop(n, None)
        sys.stdout = sys.stderr = self.stdout
        os._exit, builtins.input = _no_os_exit, _no_input
        self._deadline = time.monotonic() + self.time_limit
        sys.settrace(self._trace)
        try:
            with warnings.catch_warnings():  # NumPy's warnings go with the prints
                warnings.simplefilter("default")
                warnings.showwarning = self._show_warning
                return func(*args, **kwargs)
        except (StudentError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - any student failure becomes a report
            raise self._error(_failure_key(exc, at_import), exc, at_import) from None
        finally:
            sys.settrace(saved[4])
            np.seterr(**saved[7])  # a student's np.seterr(all="raise") stays theirs
            sys.stdout, sys.stderr, os._exit, builtins.input = saved[:4]
            sys.meta_path[:] = saved[5]
            for n, mod in saved[6].items():
                if mod is None:
                    sys.modules.pop(n, None)
                else:
                    sys.modules[n] = mod

    def _show_warning(self, message, category, filename, lineno, file=None, line=None):
        self.stdout.write(f"{filename}:{lineno}: {category.__name__}: {message}\n")

    def _shadowed(self):
        return set(LAB_MODULES) | self.importable

    def _trace(self, frame, event, arg):
        if frame.f_code.co_filename not in self._student_files():
            return None
        if time.monotonic() > self._deadline:
            raise CheckTimeout()
        return self._local_trace

    def _local_trace(self, frame, event, arg):
        if event == "line" and time.monotonic() > self._deadline:
            raise CheckTimeout()
        return self._local_trace

    def _student_files(self):
        return self.filenames.values()

    def _error(self, kind: str, exc: BaseException, at_import: bool) -> StudentError:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename in self._student_files()]
        where = frames[-1] if frames else None
        if kind == "timeout":
            message = TEXTS("still-running", seconds=self.time_limit)
        elif kind in ("sys-exit", "os-exit"):
            status = exc.args[0] if exc.args else 0
            message = TEXTS("exit-status",
                            status=status if isinstance(status, int) else str(status))
        else:
            message = reason(exc)
        info = {"type": type(exc).__name__, "message": message,
                "file": where.filename if where else None,
                "line": where.lineno if where else None, "column": None,
                "text": (where.line or "") if where else "",
                "traceback": [{"file": f.filename, "line": f.lineno, "function": f.name}
                              for f in frames]}
        top = [f for f in frames if f.name == "<module>"]
        if at_import and top:
            # the top-level statement that was running: the line to move under
            # ``if __name__ == "__main__":`` (or the failing import)
            info["import_line"] = {"file": top[-1].filename, "line": top[-1].lineno,
                                   "text": top[-1].line or ""}
            if isinstance(exc, ImportError):
                kind = "import-error"
            elif kind in ("import-error", "timeout", "memory-error", "recursion-error"):
                info["cause"] = "timeout" if kind == "timeout" else type(exc).__name__
                kind = "import-side-effect"
        return StudentError(kind, info)

    def take_stdout(self) -> str:
        """What the student's code printed since the last call (capped), and reset."""
        text, self.stdout = self.stdout.text(), CappedWriter(self.print_limit)
        return text


def top_level_calls(source: str, filename: str) -> list:
    """Lines of top-level statements that call something outside ``if __name__ ...``.

    [{line, text}] for statements such as ``data, labels = read_cifar("data")`` or
    ``plt.show()``, which run whenever the file is imported. Definitions, imports and plain
    constants are not listed; nor are calls that only build values (``np.random.default_rng``).
    """
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        return []
    lines = source.splitlines()
    quiet = ("default_rng", "seed", "dtype", "float32", "float64", "array", "arange",
             "namedtuple", "TypeVar", "getLogger", "filterwarnings", "use", "set_printoptions")
    found = []
    for node in tree.body:
        if isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For,
                             ast.While, ast.With)):
            calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
            names = {(c.func.attr if isinstance(c.func, ast.Attribute) else
                      getattr(c.func, "id", "")) for c in calls}
            if calls and not names <= set(quiet):
                found.append({"line": node.lineno, "text": lines[node.lineno - 1].strip()})
    return found
