"""Tickets domain."""
