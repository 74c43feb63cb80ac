"""The seed corpus the project writes itself: hand-written situations composed into operator records."""
