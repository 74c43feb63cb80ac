"""五要素 guessed from an operator's notes: each 要素 from its own words, nothing made up."""

from classifier.fields import FieldGuess, guess_fields


def test_a_full_account_gives_every_element() -> None:
    found = guess_fields("双清区龙须塘街道金龙小区3栋楼下烧烤店油烟直排，连续一周了，要求尽快整改")
    assert found == FieldGuess(
        who="楼下烧烤店",
        when="连续一周了",
        address="双清区龙须塘街道金龙小区3栋",
        title="楼下烧烤店油烟直排",
        demand="要求尽快整改",
        district="双清区",
        street="龙须塘街道",
    )


def test_times_places_and_asks_of_everyday_notes() -> None:
    noise = guess_fields("楼上装修每天晚上十点以后还在电钻，老人小孩睡不着，希望管一管。")
    assert (noise.when, noise.demand, noise.address, noise.who) == ("每天晚上十点以后", "希望管一管", "", "")
    wages = guess_fields("在宝庆路工地干了三个月，老板拖欠工资两万多元，11月20日去讨要被赶出来，希望帮忙追讨")
    assert (wages.address, wages.who, wages.when, wages.demand) == (
        "宝庆路",
        "工地",
        "三个月",
        "希望帮忙追讨",
    )
    water = guess_fields("昨天上午开始小区停水到现在没来")
    assert water.when == "昨天上午" and water.address == ""  # "小区" alone names no place


def test_nothing_to_go_on_gives_nothing() -> None:
    assert guess_fields("   ") == FieldGuess()
    assert guess_fields("社保卡丢了在哪里补办") == FieldGuess(title="社保卡丢了在哪里补办")
    assert guess_fields("<script>alert(1)</script>").who == ""
