"""Table builders: ADaM -> formatted table bodies and their statistics (:mod:`tlf.results`)."""
