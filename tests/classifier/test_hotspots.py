from classifier.hotspots import HotSpotTicket, find_hot_spots

HOUR = 3600.0
DAY = 24 * HOUR
NOW = 1_750_000_000.0


def steady(district: str, topic: str, per_day: int, days: int = 14) -> list[HotSpotTicket]:
    return [
        HotSpotTicket(district, topic, NOW - (d + 1) * DAY - (i + 1) * HOUR)
        for d in range(days)
        for i in range(per_day)
    ]


def today(district: str, topic: str, n: int) -> list[HotSpotTicket]:
    return [HotSpotTicket(district, topic, NOW - (i + 1) * 600.0) for i in range(n)]


def test_a_jump_above_the_baseline_is_a_hot_spot() -> None:
    tickets = steady("大祥区", "utility.water", 2) + today("大祥区", "utility.water", 15)
    spots = find_hot_spots(tickets, now=NOW)
    assert [(s.district, s.topic, s.count) for s in spots] == [("大祥区", "utility.water", 15)]
    assert spots[0].baseline == 2.0


def test_a_steady_group_is_not_a_hot_spot() -> None:
    tickets = steady("双清区", "env.noise", 10) + today("双清区", "env.noise", 11)
    assert find_hot_spots(tickets, now=NOW) == []


def test_a_new_group_needs_min_count() -> None:
    assert find_hot_spots(today("北塔区", "urban.sanitation", 2), now=NOW) == []
    assert len(find_hot_spots(today("北塔区", "urban.sanitation", 4), now=NOW)) == 1


def test_worst_first_and_future_or_old_tickets_ignored() -> None:
    tickets = (
        today("大祥区", "utility.water", 6)
        + today("双清区", "utility.power", 20)
        + [HotSpotTicket("新宁县", "other.other", NOW + DAY)] * 10
        + [HotSpotTicket("新宁县", "other.other", NOW - 100 * DAY)] * 10
    )
    spots = find_hot_spots(tickets, now=NOW)
    assert [s.topic for s in spots] == ["utility.power", "utility.water"]
