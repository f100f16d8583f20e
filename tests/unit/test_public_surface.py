"""The library's public surface: `index.__all__` and its lazy table name the same things, all importable."""

from __future__ import annotations

import importlib

import pytest

import index


def test_every_lazily_imported_name_is_public_and_every_public_name_imports() -> None:
    lazy = {name for names in index._MODULES.values() for name in names}
    eager = {name for name in index.__all__ if name not in lazy}
    assert lazy <= set(index.__all__)
    assert all(name.endswith("Error") for name in eager), eager  # only the errors are imported at once
    for name in index.__all__:
        assert getattr(index, name) is not None, name


def test_each_name_lives_in_the_module_the_table_names() -> None:
    for module, names in index._MODULES.items():
        home = importlib.import_module(module)
        for name in names:
            assert getattr(index, name) is getattr(home, name), f"{name} is not {module}.{name}"


def test_a_name_outside_the_surface_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Nothing"):
        index.Nothing  # noqa: B018
