"""The HTTP faces of the core's domains, one module per domain."""
