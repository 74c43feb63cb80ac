"""Web composition root: FastAPI app, pages, CLI."""
