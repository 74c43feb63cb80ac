"""Word segmentation with a private jieba Tokenizer and the hotline's domain dictionary.

The tokenizer is built once per process and never touches jieba's global instance
(and never calls ``enable_paddle``, which runs pip). ``words`` is a module-level
function so fitted pipelines that use it pickle by reference.
"""

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources

import jieba

from classifier import labels, places

_LOCK = threading.Lock()
_TOKENIZER: jieba.Tokenizer | None = None
_DOMAIN_FREQ = 200_000  # high enough that jieba keeps our terms whole
_MEMO: dict[str, list[str]] | None = None  # tokens computed ahead, while training on a large set
_SEP = "\x1f"
PARALLEL_FROM = 20_000  # fewer texts than this are not worth starting processes for


def _data_lines(name: str) -> list[str]:
    text = resources.files("classifier").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def domain_words() -> list[str]:
    """Every word of the domain dictionary: hotline terms, unit names and short forms, place names."""
    words = _data_lines("terms.txt")
    words += list(labels.ROUTABLE_UNITS.values())
    words += places.all_place_names()
    return sorted(set(words))


@cache
def stop_words() -> frozenset[str]:
    """Words dropped from the word features."""
    return frozenset(_data_lines("stopwords.txt"))


def tokenizer() -> jieba.Tokenizer:
    """The process's private jieba Tokenizer with the domain dictionary loaded."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in domain_words():
                    tok.add_word(word, freq=_DOMAIN_FREQ)
                _TOKENIZER = tok
    return _TOKENIZER


def words(text: str) -> list[str]:
    """Segment already-normalised text into words, without spaces, punctuation or stop words."""
    memo = _MEMO
    if memo is not None:
        found = memo.get(text)
        if found is not None:
            return found
    stop = stop_words()
    # HMM off: the domain dictionary covers the words that matter, and it halves the time on large sets.
    return [w for w in tokenizer().lcut(text, HMM=False) if w.strip() and w not in stop and not _is_punct(w)]


def _is_punct(word: str) -> bool:
    return len(word) == 1 and not word.isalnum()


def _joined_words(texts: list[str]) -> list[str]:
    return [_SEP.join(words(text)) for text in texts]


@contextmanager
def pretokenized(texts: Sequence[str], *, n_jobs: int) -> Iterator[Callable[[], None]]:
    """Segment ``texts`` in ``n_jobs`` forked processes while the caller does other work.

    Yields a function that waits for the tokens; after it returns, and until the block ends,
    :func:`words` answers these texts from memory. jieba holds the GIL, so processes are the
    only way to use a second core for it; small sets, or systems without ``fork``, get a no-op.
    """
    global _MEMO
    if n_jobs < 2 or len(texts) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda: None
        return
    tokenizer()  # built before the fork, so every child inherits it ready
    unique = list(dict.fromkeys(texts))
    chunks = [unique[i::n_jobs] for i in range(n_jobs)]
    with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
        pending = pool.map_async(_joined_words, chunks)

        def wait() -> None:
            global _MEMO
            memo: dict[str, list[str]] = {}
            for chunk, joined in zip(chunks, pending.get(), strict=True):
                memo.update(
                    (text, line.split(_SEP) if line else []) for text, line in zip(chunk, joined, strict=True)
                )
            _MEMO = memo

        try:
            yield wait
        finally:
            _MEMO = None
