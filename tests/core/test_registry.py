"""Schema discovery: names by file stem, one model or __schema__, broken modules isolated."""

from __future__ import annotations

import pytest

from hub.errors import SchemaLoadError, SchemaNotFound
from hub.registry import Registry

GOOD = "from pydantic import BaseModel\n\nclass Thing(BaseModel):\n    x: int\n"
TWO = (
    "from pydantic import BaseModel\n\nclass A(BaseModel):\n    a: int\n\n"
    "class B(BaseModel):\n    b: int\n"
)


def test_broken_module_is_reported_and_others_load(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "syntax.py").write_text("class (:\n")
    (tmp_path / "_private.py").write_text("raise SystemExit\n")
    entries, errors = Registry(tmp_path).load_all()
    assert list(entries) == ["good"]
    assert set(errors) == {"broken", "syntax"}
    assert "broken" in errors["broken"] and "ModuleNotFoundError" in errors["broken"]
    assert "SyntaxError" in errors["syntax"]


def test_several_models_need_schema_marker(tmp_path):
    (tmp_path / "two.py").write_text(TWO)
    with pytest.raises(SchemaLoadError, match="several models"):
        Registry(tmp_path).get("two")
    (tmp_path / "picked.py").write_text(TWO + "\n__schema__ = B\n")
    assert Registry(tmp_path).get("picked").model.__name__ == "B"
    (tmp_path / "named.py").write_text(TWO + "\n__schema__ = 'A'\n")
    assert Registry(tmp_path).get("named").model.__name__ == "A"


def test_unknown_and_path_like_names_are_not_found(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    for name in ("nope", "../good", "good.py", ""):
        with pytest.raises(SchemaNotFound):
            Registry(tmp_path).get(name)


def test_fingerprint_tracks_the_contract_not_the_file(tmp_path):
    (tmp_path / "a.py").write_text(GOOD)
    (tmp_path / "b.py").write_text("# a comment\n" + GOOD)
    (tmp_path / "c.py").write_text(GOOD.replace("x: int", "x: str"))
    reg = Registry(tmp_path)
    assert reg.get("a").fingerprint == reg.get("b").fingerprint
    assert reg.get("a").fingerprint != reg.get("c").fingerprint


def test_module_without_model(tmp_path):
    (tmp_path / "empty.py").write_text("X = 1\n")
    with pytest.raises(SchemaLoadError, match="no Pydantic model"):
        Registry(tmp_path).get("empty")
