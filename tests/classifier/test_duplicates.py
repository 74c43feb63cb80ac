from classifier.duplicates import DuplicateIndex, OpenTicket

DAY = 86400.0
NOW = 1_750_000_000.0


def index() -> DuplicateIndex:
    idx = DuplicateIndex()
    idx.add_many(
        [
            OpenTicket(
                1, "大祥区城西街道桃花苑小区门口有流动摊贩占道卖烧烤，晚上油烟很大", "大祥区", NOW - DAY
            ),
            OpenTicket(2, "北塔区状元洲街道桃花苑小区门口有流动摊贩占道卖烧烤", "北塔区", NOW - DAY),
            OpenTicket(3, "大祥区城西街道桃花苑小区门口有流动摊贩占道卖烧烤", "大祥区", NOW - 60 * DAY),
            OpenTicket(4, "想问一下公积金提取需要哪些材料", "", NOW - DAY),
            OpenTicket(5, "双清区龙须塘街道停水了，一直没有通知", "双清区", NOW - 2 * DAY),
        ]
    )
    return idx


def test_same_matter_same_place_recent_ranks_first() -> None:
    hits = index().search("城西街道桃花苑门口又有人摆摊卖烧烤，占道很严重", limit=3, now=NOW)
    assert [h.ticket_id for h in hits][:3] == [1, 3, 2]
    assert hits[0].score > hits[-1].score


def test_district_given_by_the_operator_counts() -> None:
    hits = index().search("桃花苑小区门口流动摊贩占道卖烧烤", district="北塔区", limit=2, now=NOW)
    assert hits[0].ticket_id == 2


def test_unrelated_text_finds_nothing() -> None:
    assert index().search("孩子上学的学区怎么划分", now=NOW) == []


def test_closed_tickets_are_not_suggested() -> None:
    idx = index()
    idx.remove(1)
    idx.remove(999)  # unknown ids are ignored
    assert 1 not in [h.ticket_id for h in idx.search("桃花苑小区门口流动摊贩占道卖烧烤", now=NOW)]
    assert len(idx) == 4


def test_re_adding_a_ticket_replaces_its_text() -> None:
    idx = index()
    idx.add(OpenTicket(4, "双清区龙须塘街道停水了", "双清区", NOW))
    hits = idx.search("龙须塘停水了", now=NOW)
    assert {h.ticket_id for h in hits} == {4, 5}
    assert len(idx) == 5


def test_empty_index_and_limits() -> None:
    assert DuplicateIndex().search("停水了") == []
    assert index().search("桃花苑小区门口流动摊贩占道卖烧烤", limit=0) == []
    assert len(index().search("桃花苑小区门口流动摊贩占道卖烧烤", limit=1, now=NOW)) == 1


def test_masked_numbers_do_not_make_tickets_alike() -> None:
    idx = DuplicateIndex()
    idx.add(OpenTicket(1, "电话13907391234", "", NOW))
    assert (
        idx.search("电话18673961111", now=NOW) == [] or idx.search("电话18673961111", now=NOW)[0].score < 0.9
    )
