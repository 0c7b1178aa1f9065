"""SDTM -> ADaM: one module per dataset, plus shared derivation helpers."""
