"""Reports: charts, parameterised notebooks rendered to self-contained HTML, batches and the index.

* :mod:`~analysis.reports.fonts` – Chinese fonts for matplotlib and for the HTML pages;
* :mod:`~analysis.reports.plots` – fan chart, peer distribution, realistic levels, scorecard, coverage
  (:mod:`~analysis.reports.backtest_plots`: calibration, interval coverage, CRPS);
* :mod:`~analysis.reports.narrative` – the report vocabulary in one import, from :mod:`~analysis.reports.words`
  (labels and names through the message catalogue), :mod:`~analysis.reports.numbers` (readable numbers),
  :mod:`~analysis.reports.prose` (sentences, empty cases, reproducibility), :mod:`~analysis.reports.tables`
  and :mod:`~analysis.reports.goals` (restated rows folded into goals); all data HTML-escaped;
* :mod:`~analysis.reports.params` – notebook parameter schemas, validated before any kernel starts;
* :mod:`~analysis.reports.render` – papermill execution + nbconvert HTML export of one report;
* :mod:`~analysis.reports.kernels` – warm Jupyter kernels reused by batch workers;
* :mod:`~analysis.reports.batch` – many reports in processes or on Dask, cached, with ``index.html``;
* :mod:`~analysis.reports.index` – the index page (goals, filters, search) and safe file names;
  :mod:`~analysis.reports.index_export` – the assessment table as CSV and Excel;
* :mod:`~analysis.reports.cache` – cache keys (notebook, parameters, data, code).
"""
