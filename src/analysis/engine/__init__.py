"""The assessment engine in parts: as-of data views (views), the reference-class ladder (ladder),
special targets (special) and the headline with its Methods text (headline)."""
