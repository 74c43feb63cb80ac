from classifier.duplicates import DuplicateIndex, OpenTicket, bigram_terms, concepts, spot

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
    assert [h.ticket_id for h in hits] == [1, 3]  # 2 is in another district: never the same matter
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


def test_a_paraphrase_is_found_by_meaning_not_by_characters() -> None:
    """The issue's example: no bigram in common but 「楼下」, the same matter in other words."""
    old = "大祥区城西街道小区楼下烧烤摊夜里太吵"
    new = "城西街道楼底下夜市排档噪音扰民到凌晨"
    assert {"噪音", "夜宵摊"} <= concepts(old) & concepts(new)
    for terms, found in ((bigram_terms, False), (None, True)):
        idx = DuplicateIndex(terms) if terms else DuplicateIndex()
        idx.add_many(
            [
                OpenTicket(1, old, "", NOW - DAY),
                OpenTicket(2, "想问一下公积金提取需要哪些材料", "", NOW - DAY),
            ]
        )
        assert ([h.ticket_id for h in idx.search(new, now=NOW)] == [1]) is found


def test_same_place_other_matter_ranks_below_the_same_matter() -> None:
    idx = DuplicateIndex()
    idx.add_many(
        [
            OpenTicket(1, "翠园街道翠园小区的电梯坏了三天，物业不来修", "", NOW - DAY),
            OpenTicket(2, "翠园街道翠园小区楼上卫生间漏水，天花板一直滴水", "", NOW - DAY),
        ]
    )
    hits = idx.search("翠园小区楼上住户厕所渗水，我家吊顶都泡坏了，翠园街道", now=NOW)
    assert hits[0].ticket_id == 2
    assert all(h.ticket_id != 1 or h.score < hits[0].score / 2 for h in hits)


def test_another_estate_on_the_same_street_is_another_matter() -> None:
    assert spot("桃花苑小区门口") == spot("桃花苑门口") == "桃花" != spot("丽都花园")
    idx = DuplicateIndex()
    idx.add(OpenTicket(1, "迎春亭街道阳光小区的电梯坏了一个星期没人修", "", NOW - DAY))
    idx.add(OpenTicket(2, "迎春亭街道丽都花园电梯故障停运一周，物业不来维修", "", NOW - DAY))
    hits = idx.search("迎春亭街道丽都花园的电梯坏了一个星期没人修", now=NOW)
    assert hits[0].ticket_id == 2


def test_closing_most_tickets_compacts_the_index_without_losing_the_open_ones(
    corpus_rows: list[dict[str, str]],
) -> None:
    texts = [r["text"] for r in corpus_rows[:3000]]
    idx = DuplicateIndex()
    idx.add_many(OpenTicket(i, t, "", NOW - DAY) for i, t in enumerate(texts))
    for i in range(2900):
        idx.remove(i)
    assert len(idx) == 100 and idx.ids() == set(range(2900, 3000))
    assert len(idx._ids) < 3000  # compacted: the closed slots are gone
    for i in (0, 1500, 2950, 2999):
        hits = idx.search(texts[i], now=NOW)
        assert {h.ticket_id for h in hits} <= idx.ids()
        if i >= 2900:
            assert hits[0].ticket_id == i
    idx.add(OpenTicket(5000, texts[0], "", NOW))
    assert idx.search(texts[0], now=NOW)[0].ticket_id == 5000


def test_the_intake_formula_is_not_a_concept() -> None:
    # Operators open nearly every ticket with 「市民来电反映」: 来电 there is a call, not power back.
    assert concepts("市民来电反映：小区停水两天了") == {"停水"}
    assert "停电" in concepts("从早上到现在还没来电")
