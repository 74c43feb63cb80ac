"""The admin's people sections in a browser: an account made, unlocked and given a new password that
then works; a seat set up and assigned; and every section fits the screen, wide tables and all."""

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from hotline.users.models import User
from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
NEW_PASSWORD = "xin-mima-2026"
OPERATORS = {"laptop": ("operator2", "话务员 王芳", "1002"), "fullhd": ("operator3", "话务员 刘洋", "1003")}


def _section(page: Any, key: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{key}")
    page.wait_for_selector(f"#admin-{key}:not([hidden])")
    page.wait_for_load_state("networkidle")


def _toast(page: Any, text: str) -> None:
    page.wait_for_selector(f"#toast:has-text('{text}')")


def _lock(server: LiveServer, username: str) -> None:
    with Session(server.world.engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.failed_logins, user.locked_until = 5, server.world.clock.now() + timedelta(minutes=15)
        session.add(user)
        session.commit()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_admin_sets_up_a_unit_user_and_a_seat(browser: Any, live_server: LiveServer, screen: str) -> None:
    server = live_server
    width, height = SCREENS[screen]
    username = f"zhao_{width}"
    page = signed_in_page(browser, server, "admin", size=(width, height))
    assert page.url.endswith("/admin")

    # 1. a unit user: the unit picker shows only for that role; a name with HTML stays text
    _section(page, "users")
    page.click("#user-add summary")
    assert page.is_hidden("#user-unit") and page.is_hidden("#user-edit")
    page.fill("#user-username", username)
    page.fill("#user-name", "<script>x</script>")
    page.select_option("#user-role", "unit")
    assert page.is_visible("#user-unit")
    page.select_option("#user-unit", label="市住房和城乡建设局")
    page.fill("#user-password", "kaishi-2026")
    page.click("#user-form button[type=submit]")
    _toast(page, f"已新建用户 {username}")
    row = page.locator(f"#user-rows tr[data-username='{username}']")
    expect(row).to_be_visible()
    cells = row.locator("td").all_text_contents()
    assert cells[:6] == [username, "<script>x</script>", "成员单位", "市住房和城乡建设局", "启用", "0"]
    assert page.locator("#user-rows script").count() == 0
    assert page.evaluate(FITS)

    # 2. locked out (five wrong passwords, as the login would have set it): the admin lifts it
    _lock(server, username)
    page.reload()
    _section(page, "users")
    lock = row.locator("td").nth(6)
    assert lock.text_content().startswith("已锁定至 ")
    assert row.locator("td").nth(5).text_content() == "5"
    row.locator("button", has_text="解锁").click()
    _toast(page, f"已解除 {username} 的锁定")
    expect(lock).to_have_text("—")
    assert row.locator("button", has_text="解锁").count() == 0

    # 3. a new password, typed by the admin: the user logs in with it and lands on the portal
    row.locator("button", has_text="编辑").click()
    assert page.text_content("#user-edit-who") == f"<script>x</script>（{username}）"
    assert page.input_value("#user-edit-role") == "unit"
    page.fill("#user-edit-password", "short")
    page.click("#user-edit-reset")
    _toast(page, "新密码至少 8 个字符")
    page.fill("#user-edit-password", NEW_PASSWORD)
    page.click("#user-edit-reset")
    _toast(page, f"已重置 {username} 的密码")
    page.screenshot(path=str(SHOTS / f"admin-users-{screen}.png"), full_page=True)
    clerk = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    clerk.goto(server.url + "/login")
    clerk.fill("#username", username)
    clerk.fill("#password", NEW_PASSWORD)
    with clerk.expect_navigation():
        clerk.keyboard.press("Enter")
    assert clerk.url.endswith("/portal")
    clerk.context.close()

    # 4. taking the account out of use asks once more (no dialog), then shows it as 停用
    off = row.locator("button", has_text="停用")
    off.click()
    expect(off).to_have_text("确认停用？")
    assert row.locator("td").nth(4).text_content() == "启用"  # nothing done on the first click
    off.click()
    _toast(page, f"已停用 {username}")
    expect(row.locator("td").nth(4)).to_have_text("停用")
    expect(row.locator("button", has_text="启用")).to_be_visible()

    # 5. a seat set up and given to an operator
    _section(page, "seats")
    code = str(width)
    page.click("#seat-add summary")
    page.fill("#seat-code", code)
    page.fill("#seat-interface", f"PJSIP/{code}")
    page.fill("#seat-name", "专家坐席")
    page.click("#seat-form button[type=submit]")
    _toast(page, f"已添加坐席 {code}")
    seat = page.locator(f"#seat-rows tr[data-code='{code}']")
    expect(seat).to_be_visible()
    shown = seat.locator("td").all_text_contents()[:5]
    assert shown == [code, f"PJSIP/{code}", "专家坐席", "离线", "（无人）"]
    operator, name, old = OPERATORS[screen]
    picker = seat.locator("select")
    assert f"{name}（{operator}，现在坐席 {old}）" in picker.locator("option").all_text_contents()
    picker.select_option(operator)
    seat.locator("button", has_text="分配").click()
    _toast(page, f"坐席 {code} 已分配给 {name}（{operator}）")
    expect(seat.locator("td").nth(4)).to_have_text(name)
    left = page.locator(f"#seat-rows tr[data-code='{old}'] td").nth(4)
    expect(left).to_have_text("（无人）")  # one seat each: the old one is free
    assert page.evaluate(FITS)

    # 6. the widest table: every unit, inactive ones too, with a filter
    _section(page, "units")
    expect(page.locator("#unit-total")).to_have_text(re.compile(r"^共 \d+ 个$"))
    assert page.locator("#unit-rows tr").count() > 10
    assert page.evaluate(FITS)
    page.fill("#unit-filter", "住建")
    expect(page.locator("#unit-rows tr")).to_have_count(1)
    assert page.locator("#unit-rows tr td").nth(3).text_content() == "职能部门"
    assert page.is_hidden("#unit-edit")
    page.locator("#unit-rows button", has_text="编辑").click()
    assert page.is_visible("#unit-edit") and page.input_value("#unit-edit-name") == "市住房和城乡建设局"
    assert page.evaluate(FITS)
    page.screenshot(path=str(SHOTS / f"admin-units-{screen}.png"), full_page=True)
    page.context.close()
