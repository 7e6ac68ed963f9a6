"""The Dash pages: one module per page (PATH, PAGE, layout(viewer, store, state), register(app, store),
TABLES and FIGURES: name → builder(viewer, store, state) for the downloads), each a layout and thin
callbacks over dashboards.views and dashboards.figures; shell.py around them (navigation, as-of line,
router, the URL state written back), downloads.py (figures and tables as files), components.py,
state.py (the view's state in the URL)."""
