"""Categories domain."""
