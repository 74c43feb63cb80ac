// 个人信息: look up what is held under a caller's number, export it, erase it (each audited).
import { api, attempt, el, fill, toast, when } from "/static/common.js";
import { onShow } from "/static/admin/section.js";
import { confirmButton } from "/static/admin/confirm.js";

const $ = (id) => document.getElementById(id);
const yes = (value) => (value ? "是" : "否");
let phone = "";

async function lookup(event) {
  event?.preventDefault();
  phone = $("privacy-phone").value.trim();
  if (!phone) return;
  const found = await attempt(() => api("/api/admin/privacy/caller?" + new URLSearchParams({ phone })));
  if (!found) return;
  $("privacy-result").hidden = false;
  $("privacy-summary").textContent = `号码 ${found.phone_masked}：工单 ${found.tickets.length} 件，通话 ${found.calls} 次，授权记录 ${found.consents.length} 条`;
  fill("privacy-tickets", found.tickets.map((t) => el("tr", {}, el("td", {}, el("a", { href: "/tickets/" + t.id }, t.number)),
    el("td", { class: "text" }, t.title), el("td", {}, t.status_label), el("td", {}, when(t.created_at)),
    el("td", {}, yes(t.consent_callback)), el("td", {}, yes(t.share_number)))), "没有工单");
  fill("privacy-consents", found.consents.map((c) => el("tr", {}, el("td", {}, when(c.at)), el("td", {}, yes(c.recording)),
    el("td", {}, yes(c.callback)), el("td", {}, yes(c.share_number)), el("td", {}, c.by_name), el("td", { class: "text" }, c.note))), "没有授权记录");
  const link = $("privacy-export");
  link.href = "/api/admin/privacy/export.json?" + new URLSearchParams({ phone });
  link.hidden = false;
  $("erase-result").textContent = "";
}

async function erase() {
  const body = { phone, confirm_phone: $("erase-confirm").value.trim(), reason: $("erase-reason").value.trim() };
  if (!body.reason) { toast("请填写申请说明", true); $("erase-reason").focus(); return; }
  const done = await attempt(() => api("/api/admin/privacy/erase", { method: "POST", body }));
  if (!done) return;
  $("erase-result").textContent = `已删除：工单 ${done.tickets} 件、通话 ${done.calls} 次、授权记录 ${done.consents} 条中的姓名和号码`;
  $("erase-form").reset();
}

onShow("privacy", () => {});
$("privacy-form").addEventListener("submit", lookup);
$("erase-form").addEventListener("submit", (event) => event.preventDefault());
$("erase-button").replaceWith(confirmButton("删除姓名和号码", erase, "确认删除？无法撤销"));
