"""The Touyan dashboard: a Dash app over the published Parquet marts (never the warehouse file)."""
