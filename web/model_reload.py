"""Hot reload: the routing model follows the store's ``active`` pointer without a restart.

Each worker process checks the pointer at most every ``check_every_s`` seconds (a small file read);
when it changed, one request loads the new model while the others go on with the old one, then
the new one serves. A model that fails to load is logged and the old one kept.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from classifier.registry import ModelRegistry, registry_from_settings
from classifier.service import RoutingClassifier
from hotline.ports import Classifier, ReplyVerdict, Suggestion
from web.adapters import Explaining, RoutingClassifierAdapter, RulesOnlyClassifier

log = logging.getLogger(__name__)
CHECK_EVERY_S = 2.0


def load_adapter(path: Path) -> Classifier:
    """The model in ``path`` behind the port."""
    return RoutingClassifierAdapter(RoutingClassifier.load(path))


class LiveClassifier:
    """The Classifier port over the store's active model, swapped when the pointer changes."""

    def __init__(
        self,
        registry: ModelRegistry,
        *,
        load: Callable[[Path], Classifier] = load_adapter,
        check_every_s: float = CHECK_EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self._load = load
        self._every = check_every_s
        self._monotonic = monotonic
        self._swap = threading.Lock()
        self._token = registry.token()
        self.version = registry.active_version()
        self._inner = self._first(registry.active_dir())
        self._checked = monotonic()

    def _first(self, path: Path) -> Classifier:
        try:
            return self._load(path)
        except Exception as err:  # a missing or incompatible model must not stop the hotline
            log.warning("classifier unavailable, suggestions off: %s", err)
            return RulesOnlyClassifier()

    def current(self) -> Classifier:
        """The model to use for this request, after a check of the pointer when one is due."""
        if self._monotonic() - self._checked >= self._every:
            self.refresh()
        return self._inner

    def refresh(self) -> None:
        """Check the pointer now; load the active model if it changed (one thread at a time)."""
        if not self._swap.acquire(blocking=False):
            return  # another request is loading it; this one keeps the model it has
        try:
            self._checked = self._monotonic()
            token = self.registry.token()
            if token == self._token:
                return
            self._token = token  # a model that fails is not retried until the pointer moves again
            version, path = self.registry.active_version(), self.registry.active_dir()
            try:
                self._inner = self._load(path)
            except Exception as err:
                log.error("active model %s could not be loaded, keeping the current one: %s", version, err)
                return
            self.version = version
            log.info("routing model switched to %s", version or "the shipped model")
        finally:
            self._swap.release()

    def suggest(self, text: str) -> Suggestion:
        return self.current().suggest(text)

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict:
        return self.current().check_reply(complaint, reply)

    def explain(self, text: str, unit_codes: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """The active model's words behind each unit; none while it cannot explain (the rules)."""
        inner = self.current()
        return inner.explain(text, unit_codes) if isinstance(inner, Explaining) else {}


def load_live_classifier(*, enabled: bool = True) -> Classifier:
    """The store's active model (the shipped one while nothing is promoted), kept up to date; or the rules."""
    if not enabled:
        return RulesOnlyClassifier()
    return LiveClassifier(registry_from_settings())
