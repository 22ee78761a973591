"""Data sources: the catalog of real open data, fetching into data/raw, and readers for each source."""
