"""Statistical models of target feasibility: required growth, own trend, peers, pooled, counts, rank."""
