"""The raw-data side: the calibrated simulator of the EDC exports and the raw-file readers.

Modules, in the order data flows through them:

* :mod:`edc.schedule`     - protocol calendar: cycles, tumour-assessment weeks and windows
* :mod:`edc.reference`    - the downstream derivation contract (BOR, PFS, OS) and fast KM /
  log-rank statistics the calibration solver evaluates
* :mod:`edc.courses`      - latent outcome courses (response history, progression, deaths)
* :mod:`edc.calibration`  - the solver that chooses per-subject outcome courses
* :mod:`edc.population`   - subject-level latent facts (demographics, disease, biomarkers)
* :mod:`edc.recist`       - lesion measurements that reproduce a response course
* :mod:`edc.clinical`     - treatment, adverse events, labs, vitals, follow-up timelines
* :mod:`edc.forms`        - one function per CRF form: latent facts -> export rows
* :mod:`edc.mess`         - the catalogued data-quality issues applied at export
* :mod:`edc.export`       - deterministic CSV and streaming xlsx writers
* :mod:`edc.inventory`    - inventory of a raw folder (files, forms, record counts)
* :mod:`edc.simulate`     - entry points :func:`edc.simulate.write_study` and
  :func:`edc.simulate.write_scaled_study`; configuration in ``alter_e003.yaml`` and
  ``terms.yaml``, data-issues catalogue in ``mess_catalogue.yaml``
* :mod:`edc.readers`, :mod:`edc.issues` - loading raw files and reporting data issues
"""
