"""The web server around the pages: the app factory (app.py), who is asking and what they may call
(auth.py: accounts and sessions in server mode, the local analyst in development mode, each callback's
rule), the admin pages (admin.py), gunicorn (serve.py), its defences (security.py: headers, failed logins
slowed down, trusted proxies, requests no page sends refused), compression and cache lifetimes
(compression.py), the quality gates' reports (reports.py)."""
