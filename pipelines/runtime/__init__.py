"""Worker processes for the refresh: `workers` (a process per refresh, started with two pipes),
`resident` (opt-in: kept after a refresh for the next one, behind a Unix socket) and `pool` (which of
the two a refresh gets). Imports go one way: pool → resident → workers."""
