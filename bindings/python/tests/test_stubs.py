"""marquee.pyi describes the module as built: every public name, class
member and keyword argument of the stubs exists, and every public name of
the module is in the stubs. Also: every public callable has a docstring."""
import ast
import inspect
import pathlib
import re

import marquee

STUBS = pathlib.Path(__file__).resolve().parents[1] / "marquee.pyi"
ALIASES = {"JSON", "TimeLike", "Predicate", "IndexField"}


def stub_tree():
    return ast.parse(STUBS.read_text())


def stubbed_classes():
    return {node.name: node for node in stub_tree().body if isinstance(node, ast.ClassDef)}


def test_every_module_name_is_stubbed_and_back():
    tree = stub_tree()
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    public = {n for n in dir(marquee) if not n.startswith("_")}
    assert stubbed == public


def test_every_stubbed_member_exists():
    for name, node in stubbed_classes().items():
        cls = getattr(marquee, name)
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                assert hasattr(cls, item.name), f"{name}.{item.name}"
            elif isinstance(item, ast.AnnAssign):
                assert hasattr(cls, item.target.id), f"{name}.{item.target.id}"


def test_every_real_member_is_stubbed():
    for name, node in stubbed_classes().items():
        cls = getattr(marquee, name)
        if issubclass(cls, BaseException):
            continue
        stubbed = {i.name for i in node.body if isinstance(i, ast.FunctionDef)}
        real = {m for m in vars(cls) if not m.startswith("_")}
        assert real <= stubbed, f"{name}: not in the stubs: {real - stubbed}"


SIGNATURE = re.compile(r"^(?:\d+\. )?(\w+)\((.*)\) ->", re.M)
PARAMETER = re.compile(r"(?:^|,\s*)(?:\*,\s*)?(\w+):")


def real_keywords(function, name):
    """The parameter names of every overload, read from the signatures
    pybind11 writes at the top of a docstring; `self` left out."""
    keywords = set()
    for found, params in SIGNATURE.findall(inspect.getdoc(function) or ""):
        if found == name:
            keywords |= {k for k in PARAMETER.findall(params) if k != "self"}
    return keywords


def stubbed_keywords(node):
    args = node.args.args + node.args.kwonlyargs
    return {a.arg for a in args if a.arg != "self"}


def test_stubbed_keywords_match_the_signatures():
    """Each stubbed function takes exactly the keywords the module's
    function takes (the union over its overloads), methods and module-level
    functions alike."""
    checked = 0
    for name, node in stubbed_classes().items():
        cls = getattr(marquee, name)
        if issubclass(cls, BaseException):
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef) or (
                    item.name.startswith("__") and item.name != "__init__"):
                continue
            real = real_keywords(getattr(cls, item.name), item.name)
            assert stubbed_keywords(item) == real, f"{name}.{item.name}: {real}"
            checked += 1
    for item in stub_tree().body:
        if isinstance(item, ast.FunctionDef):
            real = real_keywords(getattr(marquee, item.name), item.name)
            assert stubbed_keywords(item) == real, f"{item.name}: {real}"
            checked += 1
    assert checked > 50


def test_public_callables_have_docstrings():
    assert marquee.__doc__
    for name in dir(marquee):
        obj = getattr(marquee, name)
        if name.startswith("_") or not callable(obj):
            continue
        assert inspect.getdoc(obj), name
