"""Every message the core and the web layer raise, answer or write on a timeline is Chinese (issue #12).

An AST scan over ``hotline/`` and ``web/`` (not the CLI, whose output is for admins on a shell):
each string passed to a domain error (or any subclass of one), to an HTTPException, or as the
``detail`` of an error body or command answer, must hold no English prose (``tests/english.py``).
Error codes (``ErrorBody.error``) stay English and are not scanned.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.names import FIELD
from tests.english import english_words, is_english

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hotline", "web")
# Modules whose words are for admins on a shell (typer output), or for the developer's log.
EXEMPT = {"hotline/cli.py", "hotline/migrate.py", "web/serve.py"}
# Errors raised with their message; subclasses found in the code are added to these.
ERRORS = {
    "DomainError",
    "HTTPException",
    "StarletteHTTPException",
    "CsrfRejected",
    "TooManyRequests",
    "NotAuthenticated",
}
# Where a message is passed by keyword to something else the user reads.
DETAIL_KEYWORDS = {"detail", "reason", "message"}


def _modules() -> list[Path]:
    paths = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in EXEMPT or path.name.startswith("cli"):
                continue
            paths.append(path)
    return paths


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """The names of ``ERRORS`` and of every class in the scanned code that derives from one."""
    known = set(ERRORS)
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in known
                    and any(_name(base) in known for base in node.bases)
                ):
                    known.add(node.name)
                    grown = True
    return known


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <expr>`` assignments, to follow ``detail=DB_UNAVAILABLE``."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found[node.target.id] = node.value
    return found


def _texts(node: ast.expr, constants: dict[str, ast.expr], depth: int = 0) -> Iterator[str]:
    """The literal text in ``node``: strings, f-strings (with ``{}`` for each value), names of
    module constants followed once."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values)
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _texts(part.value, constants, depth)
    elif isinstance(node, ast.Name) and node.id in constants and depth == 0:
        yield from _texts(constants[node.id], constants, depth + 1)
    elif isinstance(node, ast.Call):
        if _name(node.func) in {"type", "repr", "len", "ord"}:
            return
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:  # not the callee: a table's .get
            yield from _texts(arg, constants, depth)
    elif isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Slice):  # a text cut to length
            yield from _texts(node.value, constants, depth)
        return  # else a lookup in a table of names: the table is scanned where it is built
    else:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                yield from _texts(child, constants, depth)


def _own_messages(tree: ast.Module, errors: set[str]) -> Iterator[ast.expr]:
    """What the error classes' ``__init__`` build their message from: the values they assign
    and the arguments of ``super().__init__(...)``."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name in errors):
            continue
        for init in node.body:
            if not (isinstance(init, ast.FunctionDef) and init.name == "__init__"):
                continue
            for inner in ast.walk(init):
                if isinstance(inner, ast.Assign) and not isinstance(inner.targets[0], ast.Attribute):
                    yield inner.value
                elif (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "__init__"
                    and isinstance(inner.func.value, ast.Call)
                    and _name(inner.func.value.func) == "super"
                ):
                    yield from inner.args


def messages() -> Iterator[tuple[str, int, str]]:
    """(module, line, text) for every message the scanned code raises or answers, and every field
    name given to ``clean_text`` (its refusal starts with it)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _modules()}
    errors = _error_classes(trees)
    for path, tree in trees.items():
        rel = path.relative_to(ROOT).as_posix()
        constants = _constants(tree)
        for value in _own_messages(tree, errors):
            for text in _texts(value, constants):
                yield rel, value.lineno, text
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and (t.attr == "note" or t.attr.endswith("_note"))
                for t in node.targets
            ):
                for text in _texts(node.value, constants):
                    yield rel, node.lineno, text
            if not isinstance(node, ast.Call):
                continue
            args: list[ast.expr] = []
            callee = _name(node.func)
            if callee in {"clean_text", "short_text"}:
                args = [
                    kw.value
                    for kw in node.keywords
                    if kw.arg == "field"
                    and not (isinstance(kw.value, ast.Constant) and kw.value.value in FIELD)
                ]
            elif callee in errors:
                args = list(node.args)
                if callee.endswith("HTTPException"):
                    args = args[1:]  # the status code
                args += [kw.value for kw in node.keywords if kw.arg in DETAIL_KEYWORDS]
            else:  # an answer's detail, a timeline or work-list note: shown as written
                args = [kw.value for kw in node.keywords if kw.arg in {"detail", "note"}]
            for arg in args:
                for text in _texts(arg, constants):
                    yield rel, node.lineno, text


def test_the_scan_sees_the_messages() -> None:
    """The scan finds the raise sites at all (a broken walk would pass every module)."""
    found = list(messages())
    assert len(found) > 150
    assert any(rel == "hotline/text.py" for rel, _, _ in found)
    assert any(rel == "web/errors.py" for rel, _, _ in found)


def test_no_english_in_messages() -> None:
    english = [
        f"{rel}:{line}: {text!r} ({', '.join(english_words(text, codes_are_english=False))})"
        for rel, line, text in messages()
        if is_english(text, codes_are_english=False)
    ]
    assert not english, f"{len(english)} English message(s):\n" + "\n".join(english)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("title: must not be empty", True),
        ("cannot dispatch a ticket in status 'draft' as role 'operator'", True),
        ("too many requests; try again in {} s", True),
        ("标题不能为空", False),
        ("坐席 PJSIP/1001 未登录", False),
        ("请求内容过大，最多 {} KB", False),
        ("应为日期时间，如 2026-11-23T09:00:00+08:00", False),
        ("含有控制字符 U+0007", False),
        ("请访问 https://example.org/help 查看", False),
        ("应为 true 或 false", False),
        ("Open311 接口未启用", False),
    ],
)
def test_the_english_helper(text: str, english: bool) -> None:
    assert is_english(text, codes_are_english=False) is english
