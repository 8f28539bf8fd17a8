"""Target extraction: propose target-registry rows from raw Chinese plan text.

- :mod:`analysis.targets.text`: normalisation with an offset map back to the original text.
- :mod:`analysis.targets.numerals`: numbers, units, ranges, percentages, masked numbers.
- :mod:`analysis.targets.extract`: sentences, tables, time, past/future, candidate rows, evaluation.
"""
