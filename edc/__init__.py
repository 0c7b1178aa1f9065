"""The raw-data side: the calibrated simulator of the EDC exports and the raw-file readers."""
