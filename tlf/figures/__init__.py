"""Figure builders: ADaM -> matplotlib figures and their statistics (:mod:`tlf.results`)."""
