import pytest

from classifier.normalize import canonical
from classifier.places import extract_place


@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("大祥区城西街道桃花苑小区停水了", "大祥区", "城西街道"),
        ("龙须塘街道有个工地晚上施工", "双清区", "龙须塘街道"),
        ("我在廉桥那边开药材店", "邵东市", "廉桥镇"),
        ("邵东县两市塘街道", "邵东市", "两市塘街道"),
        ("红旗路上摆摊的太多了", "大祥区", None),
        ("崀山景区导游强制购物", "新宁县", None),
        ("武冈这边的公交车太少", "武冈市", None),
        ("城步的牧场", "城步苗族自治县", None),
        ("經開區有個工地", "邵阳经开区", None),
    ],
)
def test_place_from_text(text: str, district: str, street: str | None) -> None:
    place = extract_place(canonical(text))
    assert place.district == district
    assert place.street == street


def test_a_district_named_outright_beats_an_inferred_one() -> None:
    assert extract_place("北塔区那个红旗路小区").district == "北塔区"


@pytest.mark.parametrize("text", ["邵阳市的公积金怎么提取", "下水道洞口没有盖子", "我想咨询一下社保"])
def test_no_place_when_none_is_named(text: str) -> None:
    assert extract_place(text).district is None


def test_county_names_are_not_confused_with_the_city() -> None:
    assert extract_place("邵阳县塘渡口镇").district == "邵阳县"
    assert extract_place("邵阳市区").district is None
