"""Sphinx configuration for the domsync docs. Build: sphinx-build -W -b html docs docs/_build"""

import os
import sys

# Document the checkout, whether or not domsync is installed.
sys.path.insert(0, os.path.abspath(".."))

import domsync  # noqa: E402

project = "domsync"
copyright = "2026, the domsync developers"
release = domsync.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
