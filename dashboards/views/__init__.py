"""The read layer: the only code that reads published data (the marts, the refresh's record). No Dash.

store.py loads each published version (MartStore, a Snapshot per version); viewer.py says who is asking;
one module per page (overview, institute, compare, quality, definitions; report for the report pack)
holds the questions that page asks, and common.py those several ask. Every public read function takes
the viewer first. SQL runs only here (`MartStore._frame`, `Snapshot._frame`)."""
