"""Callers' personal data: what they agreed to (the consent ledger), and their export and erasure."""
