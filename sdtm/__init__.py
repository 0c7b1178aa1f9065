"""Raw EDC exports -> SDTM: one module per domain, plus shared helpers."""
