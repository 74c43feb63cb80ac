"""Reading what a Prometheus server would scrape, for the tests of /metrics and the bridge's metrics."""

from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]


def samples(text: str) -> dict[tuple[str, Labels], float]:
    """(sample name, sorted labels) → value, for every sample in an exposition text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def values(text: str) -> dict[str, float]:
    """Sample name → value, for the samples without labels."""
    return {name: value for (name, labels), value in samples(text).items() if not labels}
