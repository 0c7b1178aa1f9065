"""Conformance rule engine: SDTM/ADaM rules modelled on Pinnacle 21 and CDISC CORE, run over
datasets in memory or a folder of XPT files, reported in the Pinnacle 21 workbook layout.

Entry points: :func:`specs.rules.engine.validate_datasets`, :func:`specs.rules.engine.validate_folder`,
:func:`specs.rules.report.write_validation_report`, :func:`specs.rules.engine.summary_line`.
"""

from specs.rules.engine import ALL_RULES, Findings, summary_line, validate_datasets, validate_folder

__all__ = ["ALL_RULES", "Findings", "summary_line", "validate_datasets", "validate_folder"]
