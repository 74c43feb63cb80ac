"""Sla domain."""
