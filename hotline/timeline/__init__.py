"""Timeline domain."""
