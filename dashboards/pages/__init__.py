"""One module per page: PATH, layout(store, state), register(app, store), TABLES (name → frame builder)."""
