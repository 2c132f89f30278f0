"""CX metrics with their uncertainty, defined once for every page, API and CLI (docs/metrics.md)."""
