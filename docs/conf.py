"""Sphinx configuration: `sphinx-build -b html docs docs/_build/html` (tests/test_docs.py builds it)."""

project = "scugrn"
author = "scugrn developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.autosummary"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_mock_imports = []
autodoc_typehints = "none"
napoleon_numpy_docstring = True
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "myst.xref_missing"]
html_theme = "alabaster"
