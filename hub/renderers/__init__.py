"""Renderers: pure functions of report dicts (as the API returns them, optionally gated).

Per-file functions take one report; the ``render_*`` functions take a sequence of reports so
several files render as one document (JUnit: one testsuite per file). The terminal view lives
in ``cli/render.py`` (the only module that imports rich).
"""
