"""Partner systems' API keys (Open311): stored as hashes, shown once, revocable."""
