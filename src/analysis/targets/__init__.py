"""Target extraction: propose target-registry rows from raw Chinese plan text.

- :mod:`analysis.targets.text`: normalisation with an offset map back to the original text.
- :mod:`analysis.targets.numerals`: numbers, units, ranges, percentages, masked numbers.
- :mod:`analysis.targets.extract`: the entry points (``extract_text``, ``extract_file``); re-exports.
- :mod:`analysis.targets.document`: title, region, year and kind of a document; its date and place
  (:func:`~analysis.targets.document.document_context`).
- :mod:`analysis.targets.clauses`: review/plan sections, sentence spans, target and base years.
- :mod:`analysis.targets.candidates`: the ``Candidate`` and ``SentenceContext`` records.
- :mod:`analysis.targets.indicators`: synonyms → catalogue codes.
- :mod:`analysis.targets.rules`: verbs, cues, subjects, comparators, target types.
- :mod:`analysis.targets.sentences`: targets in running text.
- :mod:`analysis.targets.phrases`: 只增不减, 全覆盖, 零的突破, 翻一番.
- :mod:`analysis.targets.tables`: flattened tables.
- :mod:`analysis.targets.merge`: restatements, rank lists, units.
- :mod:`analysis.targets.evaluate`: precision/recall against the hand-checked registry.
- :mod:`analysis.targets.fields`: field-by-field accuracy among found targets; reliability table.
- :mod:`analysis.targets.calibration`: the calibrated confidence (logistic regression, ``confidence.json``).
- :mod:`analysis.targets.review`: review CSV against the registry; merging reviewed rows.
"""
