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
from functools import cache, lru_cache
from importlib import resources

import jieba

from classifier import labels, places

_LOCK = threading.Lock()
_TOKENIZER: jieba.Tokenizer | None = None
_DOMAIN_FREQ = 200_000  # high enough that jieba keeps our terms whole
_MEMO: dict[str, list[str]] | None = None  # tokens computed ahead, while training on a large set
_SEP = "\x1f"
PARALLEL_FROM = 20_000  # fewer texts than this are not worth starting processes for
# jieba cuts a text into runs of Han characters, letters and digits (and what lies between them),
# then segments each run on its own: a text's words are its runs' words, in order. Runs recur a lot
# (openings, addresses, set phrases), so segmenting each distinct run once saves most of jieba's time.
_RUNS = jieba.re_han_default


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
    return _segment(text, _run_words)


def _segment(text: str, run_words: Callable[[str], tuple[str, ...]]) -> list[str]:
    return [word for run in _RUNS.split(text) if run for word in run_words(run)]


def _cut_run(run: str) -> tuple[str, ...]:
    stop = stop_words()
    # HMM off: the domain dictionary covers the words that matter, and it halves the time on large sets.
    return tuple(
        w for w in tokenizer().cut(run, HMM=False) if w.strip() and w not in stop and not _is_punct(w)
    )


# Bounded: a live process segments one ticket at a time for as long as it runs.
_run_words = lru_cache(maxsize=1 << 14)(_cut_run)


def _is_punct(word: str) -> bool:
    return len(word) == 1 and not word.isalnum()


def _joined_words(texts: list[str]) -> list[str]:
    # A forked worker lives for one training: an unbounded memo of runs, gone when it exits.
    runs: dict[str, tuple[str, ...]] = {}

    def run_words(run: str) -> tuple[str, ...]:
        found = runs.get(run)
        if found is None:
            found = runs[run] = _cut_run(run)
        return found

    return [_SEP.join(_segment(text, run_words)) for text in texts]


@contextmanager
def pretokenized(
    texts: Sequence[str], *, n_jobs: int, prepare: Callable[[list[str]], list[str]]
) -> Iterator[tuple[list[str], Callable[[], None]]]:
    """Apply ``prepare`` (the normalisation) to ``texts``, then segment them, in ``n_jobs`` forked processes.

    Yields the prepared texts in order, and a function that waits for the tokens: segmentation
    runs while the caller does other work with the prepared texts. After the wait, and until the
    block ends, :func:`words` answers these texts from memory. jieba and the normalisation hold
    the GIL, so processes are the only way to use a second core for them; small sets, or
    systems without ``fork``, are prepared here and segmented on demand.
    """
    global _MEMO
    if n_jobs < 2 or len(texts) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield prepare(list(texts)), lambda: None
        return
    tokenizer()  # built before the fork, so every child inherits it ready
    size = -(-len(texts) // n_jobs)
    with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
        parts = pool.map(prepare, [list(texts[i : i + size]) for i in range(0, len(texts), size)])
        prepared = [text for part in parts for text in part]
        unique = list(dict.fromkeys(prepared))
        chunks = [unique[i::n_jobs] for i in range(n_jobs)]
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
            yield prepared, wait
        finally:
            _MEMO = None
