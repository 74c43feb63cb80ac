"""Metrics domain."""
