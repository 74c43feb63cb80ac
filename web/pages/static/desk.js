// 派单与督办: drafts to dispatch, returns to adjudicate, extensions to approve, supervision, cards.
import { api, attempt, CARD, el, fill, live, toast, when } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const role = document.body.dataset.role;
let units = [];

function unitSelect(selectedCode) {
  return el("select", { "aria-label": "承办单位" }, el("option", { value: "" }, "—"),
    ...units.map((u) => el("option", { value: u.code, selected: u.code === selectedCode }, u.short_name || u.name)));
}
const link = (t) => el("a", { href: "/tickets/" + t.id }, t.number);
const CHINA_OFFSET = "+08:00"; // the dates a dispatcher picks are Beijing days

/** The day after a yyyy-mm-dd date, so a range "to" that day includes all of it. */
function nextDay(date) {
  const day = new Date(date + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

function dispatch(ticket, select) {
  if (!select.value) { toast("请先选择承办单位，再派单", true); select.focus(); return; }
  attempt(() => api(`/api/tickets/${ticket.id}/dispatch`, { method: "POST", body: { unit_code: select.value } }), "已派单 " + ticket.number)
    .then(refresh);
}

async function refresh() {
  const [drafts, due, returns, extensions, flags, bounced, weak] = await Promise.all([
    api("/api/tickets?status=draft").catch(() => []),
    api("/api/worklists/due").catch(() => []),
    api("/api/worklists/returns").catch(() => []),
    api("/api/worklists/extensions").catch(() => []),
    api("/api/worklists/supervisions").catch(() => []),
    api("/api/worklists/ping-pong").catch(() => []),
    api("/api/worklists/reply-review").catch(() => []),
  ]);
  fill("drafts", drafts.map((t) => {
    const select = unitSelect(t.suggested_unit_code);
    return el("tr", { "data-ticket": t.number }, el("td", {}, link(t)), el("td", { class: "text" }, t.title), el("td", {}, t.district),
      el("td", {}, select),
      el("td", {}, role === "dispatcher" ? el("button", { type: "button", class: "primary", onclick: () => dispatch(t, select) }, "派单") : null));
  }), "没有待派工单");
  fill("due", due.map((d) => el("tr", {}, el("td", {}, el("a", { href: "/tickets/" + d.ticket_id }, d.number)), el("td", {}, d.stage_label),
    el("td", {}, d.lead_unit_name), el("td", {}, when(d.due_at)), el("td", {}, el("span", { class: "badge card-" + d.card }, CARD[d.card])))), "没有预警");
  fill("returns", returns.map((r) => {
    const select = unitSelect(r.suggested_unit_code);
    return el("tr", { "data-ticket": r.ticket.number }, el("td", {}, link(r.ticket), el("div", { class: "text" }, r.ticket.title)),
      el("td", { class: "text" }, r.unit_name, "：", r.reason,
        r.chain.length > 1 ? el("div", { class: "muted" }, "派转经过：", r.chain.join(" → ")) : null,
        r.back_to_suggested ? el("div", { class: "error pingpong-warning" }, "注意：建议单位此前已办理过此件，改派将形成来回推诿") : null),
      el("td", {}, role === "dispatcher" ? [select,
        el("button", { type: "button", onclick: () => attempt(() => api(`/api/tickets/${r.ticket.id}/redispatch`, { method: "POST", body: { unit_code: select.value || null } }), "已改派").then(refresh) }, "改派"),
        el("button", { type: "button", onclick: () => attempt(() => api(`/api/tickets/${r.ticket.id}/overrule-return`, { method: "POST", body: { note: "退单理由不成立，请原单位办理" } }), "已驳回退单").then(refresh) }, "不予认可")] : null));
  }), "没有退单");
  fill("pingpong", bounced.map((p) => el("tr", { "data-ticket": p.ticket.number }, el("td", {}, link(p.ticket), el("div", { class: "text" }, p.ticket.title)),
    el("td", { class: "text" }, p.chain.join(" → ")), el("td", {}, p.ticket.status_label))), "没有来回推诿的工单");
  fill("reply-review", weak.map((w) => el("tr", { "data-ticket": w.ticket.number }, el("td", {}, link(w.ticket), el("div", { class: "text" }, w.ticket.title)),
    el("td", { class: "text" }, w.unit_name, "：", w.reply_text), el("td", { class: "error" }, w.issues.join("；")),
    el("td", {}, w.ticket.consent_callback ? el("span", { class: "muted" }, "待回访")
      : role === "dispatcher" ? el("button", { type: "button", onclick: () => attempt(() => api(`/api/tickets/${w.ticket.id}/close-without-callback`, { method: "POST", body: {} }), "已办结（来电人不同意回访）").then(refresh) }, "复核无误，办结")
      : el("span", { class: "muted" }, "来电人不同意回访")))), "没有待复核的答复");
  fill("extensions", extensions.map((x) => el("tr", {}, el("td", {}, link(x.ticket), el("div", { class: "text" }, x.ticket.title)),
    el("td", { class: "text" }, `${x.unit_name} / ${x.working_days} 个工作日 / ${x.reason}`),
    el("td", {}, role === "dispatcher" ? [
      el("button", { type: "button", onclick: () => attempt(() => api(`/api/extensions/${x.id}/decision`, { method: "POST", body: { approve: true } }), "已批准延期").then(refresh) }, "批准"),
      el("button", { type: "button", onclick: () => attempt(() => api(`/api/extensions/${x.id}/decision`, { method: "POST", body: { approve: false } }), "已驳回延期").then(refresh) }, "驳回")] : null))), "没有延期申请");
  fill("supervisions", flags.map((f) => el("tr", { "data-ticket": f.ticket_number }, el("td", {}, el("a", { href: "/tickets/" + f.ticket_id }, f.ticket_number)), el("td", { class: "text" }, f.note),
    el("td", {}, when(f.due_at)),
    el("td", {}, role === "supervisor" ? el("button", { type: "button", onclick: () => attempt(() => api(`/api/supervisions/${f.id}/resolve`, { method: "POST", body: {} }), "已解除督办").then(refresh) }, "解除") : null))), "没有督办");
}

async function search(event) {
  event?.preventDefault();
  const params = new URLSearchParams();
  const fields = { number: "search-number", q: "search-q", status: "search-status", unit: "search-unit", phone: "search-phone" };
  for (const [name, id] of Object.entries(fields)) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  const from = $("search-from").value, to = $("search-to").value;
  if (from && to && from > to) { toast("起始日期不能晚于截止日期", true); return; }
  if (from) params.set("created_from", from + "T00:00:00" + CHINA_OFFSET);
  if (to) params.set("created_before", nextDay(to) + "T00:00:00" + CHINA_OFFSET);
  const found = await attempt(() => api("/api/tickets?" + params));
  if (found) fill("search", found.map((t) => el("tr", { "data-ticket": t.number }, el("td", {}, link(t)), el("td", { class: "text" }, t.title), el("td", {}, t.status_label), el("td", {}, t.lead_unit_name))), "没有符合条件的工单");
}

async function supervise(event) {
  event.preventDefault();
  const number = $("sv-number").value.trim();
  const found = await attempt(() => api("/api/tickets?" + new URLSearchParams({ number })));
  if (!found) return;
  if (!found.length) { toast("未找到工单 " + number, true); $("sv-number").focus(); return; }
  const due = new Date(Date.now() + Number($("sv-days").value) * 86400000).toISOString();
  const flag = await attempt(() => api(`/api/tickets/${found[0].id}/supervise`, { method: "POST", body: { note: $("sv-note").value, due_at: due } }), "已督办 " + number);
  if (flag) event.target.reset();
  refresh();
}

units = (await api("/api/units")).filter((u) => u.kind !== "expert");
$("search-unit").append(...units.map((u) => el("option", { value: u.code }, u.short_name || u.name)));
$("search-form").addEventListener("submit", search);
$("supervise-form")?.addEventListener("submit", supervise);
await Promise.all([refresh(), search()]);
live("/ws/desk", (topic) => { if (topic === "tickets") refresh(); });
