"""Seed domain."""
