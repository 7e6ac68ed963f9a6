"""The web server around the pages: the app factory (app.py), its defences (security.py: headers,
basic authentication with failed logins slowed down, trusted proxies, requests no page sends refused),
compression with the static files cached (compression.py), the quality gates' reports (reports.py)."""
