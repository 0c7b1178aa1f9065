"""ADaM -> tables, listings and figures: statistics, builders and renderers."""
