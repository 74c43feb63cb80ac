"""Errors raised by the classifier library; callers translate them once at their adapter."""


class ClassifierError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidText(ClassifierError, ValueError):
    """A ticket text that cannot be classified: empty, too long, not valid Unicode."""


class InvalidDataset(ClassifierError, ValueError):
    """A training or evaluation file that cannot be used: unreadable, missing columns, unknown labels."""


class IncompatibleModel(ClassifierError):
    """A saved model built by another scikit-learn version or with a broken or missing card."""


class ModelNotFound(ClassifierError, FileNotFoundError):
    """No saved model where one was expected."""
