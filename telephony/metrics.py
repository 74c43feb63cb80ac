"""The bridge's own Prometheus metrics (``hotline ami run --metrics-port``): the AMI link and its traffic.

The bridge is a process of its own, without the web server, so it serves them itself. The
counters are the ones it already keeps for its status line (``BridgeStats``, ``ClientStats``), read
at scrape time: nothing is counted twice.
"""

from collections.abc import Iterator
from dataclasses import fields

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from telephony.bridge import Bridge


class BridgeCollector(Collector):
    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    def collect(self) -> Iterator[Metric]:
        bridge = self.bridge
        up = GaugeMetricFamily("hotline_ami_connected", "The bridge's AMI session: 1 up, 0 down")
        up.add_metric([], 1.0 if bridge.client.connected else 0.0)
        yield up
        for prefix, stats in (("hotline_bridge", bridge.stats), ("hotline_ami_client", bridge.client.stats)):
            for field in fields(stats):
                value = getattr(stats, field.name)
                if isinstance(value, int):
                    yield CounterMetricFamily(
                        f"{prefix}_{field.name}", f"{field.name} since start", value=value
                    )
        last = bridge.stats.last_event_at
        seen = GaugeMetricFamily(
            "hotline_bridge_last_event_timestamp_seconds", "When the last AMI event came"
        )
        if last is not None:
            seen.add_metric([], last.timestamp())
        yield seen


def bridge_registry(bridge: Bridge) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(BridgeCollector(bridge))
    return registry
