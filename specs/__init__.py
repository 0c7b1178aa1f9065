"""Study metadata: spec workbooks, controlled terminology, conformance checks and writers.

Entry points: :func:`specs.loader.load_study`, :func:`specs.conformance.check_dataset`,
:func:`specs.xpt.write_xpt`, :func:`specs.datasetjson.write_dataset_json`.
"""
