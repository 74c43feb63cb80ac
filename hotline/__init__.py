"""Core of the 12345 hotline: models, lifecycle, time limits and metrics."""
