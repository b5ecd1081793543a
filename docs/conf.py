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
# Room for the code's 100-character lines; _static/custom.css wraps longer ones rather
# than cutting them off (tests/test_docs.py checks every code block in Chromium).
html_theme_options = {"page_width": "1200px", "sidebar_width": "230px", "body_max_width": "none"}
html_static_path = ["_static"]
