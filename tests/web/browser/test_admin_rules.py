"""The admin's rule screens in Chromium at 1440×900 and 1920×1080: 派单目录, 节假日, 时限规则, 知识库.

Each screen size walks the whole round on its own rows (the server is shared by the module), and
checks what the page says in Chinese and that nothing makes the page scroll sideways.
"""

from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.categories.models import Category
from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser

# per screen: (category code, its new unit's name and code, holiday range, policy, article title suffix)
ROUNDS = {
    "laptop": ("env.noise", "市城市管理局", "urban", ("2027-02-06", "2027-02-12", "春节"), "疑难复杂"),
    "fullhd": (
        "env.pollution",
        "市住房和城乡建设局",
        "housing",
        ("2027-10-01", "2027-10-07", "国庆节"),
        "咨询",
    ),
}


def _fits(page: Any, where: str, screen: str) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{where}: the page is {wide[0]} px wide in a {wide[1]} px window"
    page.screenshot(path=str(SHOTS / f"admin-rules-{screen}-{where}.png"), full_page=True)


def _toast(page: Any, words: str) -> None:
    page.wait_for_selector(f"#toast:not(.hidden):has-text('{words}')")


def _tab(page: Any, key: str) -> Any:
    page.click(f".tabs a[data-section={key}]")
    section = page.locator(f"#admin-{key}")
    section.wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    return section


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_admin_sets_the_rules(browser: Any, live_server: LiveServer, screen: str) -> None:
    code, unit_name, unit_code, (start, end, holiday), policy_name = ROUNDS[screen]
    page = signed_in_page(browser, live_server, "admin", size=SCREENS[screen])
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(live_server.url + "/admin#categories")
    page.wait_for_load_state("networkidle")

    # 派单目录: the category's default unit
    section = page.locator("#admin-categories")
    row = section.locator(f"tr[data-code='{code}']")
    row.locator("select[aria-label=派单单位]").select_option(label=unit_name)
    row.locator("button:has-text('保存')").click()
    _toast(page, "已保存类别")
    assert section.locator(f"tr[data-code='{code}'] select[aria-label=派单单位]").input_value() == unit_code
    with Session(live_server.world.engine) as session:
        stored = session.exec(select(Category).where(Category.code == code)).one()
        assert stored.default_unit_code == unit_code
    _fits(page, "类别与派单目录", screen)  # all 48 rows, each with its editors
    section.locator("#cat-filter").fill(code)
    assert section.locator("tr[data-code]:visible").count() == 1

    # 节假日: a 2027 range of rest days, then one day removed with the inline confirmation
    section = _tab(page, "holidays")
    section.locator("#hol-start").fill(start)
    section.locator("#hol-end").fill(end)
    section.locator("#hol-kind").select_option(label="休息日")
    section.locator("#hol-name").fill(holiday)
    section.locator("button:has-text('保存')").click()
    _toast(page, f"已录入休息日：{start} 至 {end} {holiday}")
    assert section.locator(f"#hol-rows tr[data-day='{start}']").inner_text().count(holiday) == 1
    assert "休息日" in section.locator(f"#hol-rows tr[data-day='{end}']").inner_text()
    assert "内置节假日库未收录该年" in section.locator("#hol-status").inner_text()
    remove = section.locator(f"#hol-rows tr[data-day='{end}'] button")
    remove.click()
    assert remove.inner_text() == "确认删除？"
    remove.click()
    _toast(page, f"已删除 {end} 的录入")
    assert section.locator(f"#hol-rows tr[data-day='{end}']").count() == 0
    _fits(page, "节假日", screen)

    # 时限规则: edit a policy's handling limit, and see the preview pick it
    section = _tab(page, "policies")
    section.locator(f"tr[data-policy='{policy_name}'] button:has-text('编辑')").click()
    assert section.locator("#pol-form-title").inner_text() == f"编辑规则：{policy_name}"
    section.locator("#pol-handle-amount").fill("20")
    section.locator("#pol-save").click()
    _toast(page, f"已保存规则：{policy_name}")
    section.locator(f"tr[data-policy='{policy_name}']:has-text('20 个工作日')").wait_for()  # reloaded
    if policy_name == "疑难复杂":
        section.locator("#pv-complex").check()
        section.locator("#pv-result:has-text('疑难复杂')").wait_for()
        assert "办理 20 个工作日" in section.locator("#pv-result").inner_text()
    _fits(page, "时限规则", screen)

    # 知识库: a new article whose title holds markup, shown as text
    section = _tab(page, "knowledge")
    title = f"<script>window.__injected = 1</script>充电桩报装{screen}"
    section.locator("#kn-new").click()
    section.locator("#kn-title").fill(title)
    section.locator("#kn-keywords").fill("充电桩 报装")
    section.locator("#kn-unit").select_option(label="国网邵阳供电分公司")
    section.locator("#kn-body").fill("向物业提出申请，经供电公司现场勘查后安装。")
    assert section.locator("#kn-count").inner_text() == "21 / 20000 字"
    section.locator("button:has-text('保存知识')").click()
    _toast(page, "已新建知识")
    section.locator(f"#kn-rows tr:has-text('充电桩报装{screen}')").wait_for()  # reloaded
    first = section.locator("#kn-rows tr").first
    assert title in first.inner_text() and "国网邵阳供电分公司" in first.inner_text()
    assert page.evaluate("window.__injected") is None
    assert section.locator("#kn-form").is_hidden()
    _fits(page, "知识库", screen)

    assert errors == []
    page.context.close()
