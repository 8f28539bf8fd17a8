"""Data layer: the indicator catalogue, schemas, units, region names, loaders and validation."""
