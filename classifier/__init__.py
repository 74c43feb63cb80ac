"""Routing suggestions for 12345 hotline tickets: jieba + scikit-learn, importing nothing of the core.

The facade is :class:`classifier.service.RoutingClassifier`; its results carry the field
names of the core's port so the composition root's adapter only copies them.
"""

from classifier.errors import ClassifierError, IncompatibleModel, InvalidDataset, InvalidText, ModelNotFound

__all__ = ["ClassifierError", "IncompatibleModel", "InvalidDataset", "InvalidText", "ModelNotFound"]
