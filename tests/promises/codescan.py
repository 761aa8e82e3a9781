"""The security scan of the code: nothing unpickled, evaluated or run.

:func:`scan` reads a module's syntax tree and names every way in to what is
forbidden, however it is spelt: ``import pickle`` (``as p`` too), ``from subprocess
import run``, ``import subprocess as sp; sp.run(...)``, ``r = subprocess.run``,
``getattr(subprocess, "run")``, ``importlib.import_module("pickle")`` and
``__import__`` (``tests/promises/test_codescan.py`` shows each one caught)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Collection

FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}  # builtins
FORBIDDEN_ATTRS = {
    ("yaml", "load"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("torch", "load"),
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "call"),
    ("subprocess", "check_output"),
}
DYNAMIC_IMPORTS = {"importlib.import_module", "importlib.__import__"}
RISKY_KEYWORDS = {"allow_pickle", "trust_remote_code", "weights_only_false"}


def scan(source: str, rel: str = "<string>", allowed_runs: Collection[tuple[str, str]] = ()) -> list[str]:
    """What in ``source`` loads, evaluates or runs something it should not. ``allowed_runs``:
    ``(rel, "subprocess.run()")`` pairs allowed where the call runs this Python, without a shell."""
    tree = ast.parse(source)
    names = _bindings(tree)
    found: list[str] = []
    handled: set[int] = set()  # the callee nodes of calls already judged
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _top(a.name) in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if _top(module) in FORBIDDEN_MODULES:
                found.append(f"from {module} import ...")
            found += [
                f"from {module} import {a.name}"
                for a in node.names
                if _top(module) not in FORBIDDEN_MODULES and _forbidden_callable(f"{module}.{a.name}")
            ]
        elif isinstance(node, ast.Call):
            handled.add(id(node.func))
            callee = _resolve(node.func, names)
            if callee in DYNAMIC_IMPORTS:
                target = _constant_str(node.args[0]) if node.args else None
                if target is None:
                    found.append(f"{callee}(<not a constant>)")
                elif _top(target) in FORBIDDEN_MODULES:
                    found.append(f"{callee}({target!r})")
            elif callee is not None and _forbidden_callable(callee):
                call = f"{callee}()"
                if (rel, call) not in allowed_runs or not _runs_this_python(node):
                    found.append(call)
            for kw in node.keywords:
                if kw.arg in RISKY_KEYWORDS and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    found.append(f"{kw.arg}=True")
    for node in ast.walk(tree):  # referred to without being called here: passed on, or called later
        if id(node) in handled or not _is_reference(node):
            continue
        target = _resolve(node, names)
        if target is not None and _forbidden_callable(target):
            found.append(f"{target} (referred to)")
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def _forbidden_callable(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] == "__builtins__":
        parts[0] = "builtins"
    if len(parts) == 1:
        return False  # a module of that name (the project's own ``eval`` package)
    if parts[:-1] == ["builtins"]:
        return parts[-1] in FORBIDDEN_CALLS
    return (".".join(parts[:-1]), parts[-1]) in FORBIDDEN_ATTRS or parts[0] in FORBIDDEN_MODULES


def _constant_str(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _bindings(tree: ast.Module) -> dict[str, str]:
    """``{local name: the dotted name it stands for}`` from imports and plain assignments
    (``import subprocess as sp``, ``from os import system as s``, ``r = subprocess.run``,
    ``m = importlib.import_module("pickle")``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or _top(a.name)] = a.name if a.asname else _top(a.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    for _ in range(3):  # an assignment of an assigned name, a few deep
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                value = _resolve(node.value, names)
                if isinstance(target, ast.Name) and value is not None and value != target.id:
                    names[target.id] = value
    return names


def _resolve(node: ast.expr, names: dict[str, str]) -> str | None:
    """The dotted name an expression stands for, or None: ``sp.run`` -> ``subprocess.run``,
    ``getattr(os, "system")`` -> ``os.system``, ``importlib.import_module("pickle")`` -> ``pickle``."""
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        return f"builtins.{node.id}" if hasattr(builtins, node.id) else node.id
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and node.args:
        callee = _resolve(node.func, names)
        if callee == "builtins.getattr" and len(node.args) >= 2:
            base, attr = _resolve(node.args[0], names), _constant_str(node.args[1])
            return f"{base}.{attr}" if base and attr else None
        if callee in DYNAMIC_IMPORTS or callee == "builtins.__import__":
            return _constant_str(node.args[0])
    return None


def _is_reference(node: ast.AST) -> bool:
    if isinstance(node, ast.Name | ast.Attribute):
        return isinstance(node.ctx, ast.Load)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"


def _runs_this_python(call: ast.Call) -> bool:
    """``subprocess.run([sys.executable, "-m", ...], ...)`` without ``shell=True``."""
    first = call.args[0] if call.args else None
    head = first.elts[0] if isinstance(first, ast.List) and first.elts else None
    python = isinstance(head, ast.Attribute) and head.attr == "executable"
    return python and not any(k.arg == "shell" for k in call.keywords)
