// 成员单位工单门户: inbox by status with due times and cards; sign, contact, reply, return, extension.
import { api, attempt, CARD, el, fill, live, pct, text, when } from "/static/common.js";

const $ = (id) => document.getElementById(id);
let status = "dispatched";
let rows = [];
let selected = null;

async function loadFigures() {
  const m = await api("/api/units/me/figures").catch(() => null);
  if (!m) return;
  const figure = (label, value) => el("div", { class: "figure" }, label, el("b", {}, value));
  $("figures").replaceChildren(
    figure("受理工单", m.counts.created),
    figure("按时办结率", pct(m.rates.on_time.value)),
    figure("响应率", pct(m.rates.response.value)),
    figure("满意率", pct(m.rates.satisfaction.value)),
    figure("解决率", pct(m.rates.solve.value)),
  );
}

async function loadInbox() {
  rows = await api("/api/tickets?status=" + status).catch(() => []);
  fill("inbox", rows.map((t, i) => el("tr", {
    tabindex: 0, "data-ticket": t.number, class: selected === t.id ? "selected" : "",
    onclick: () => open(t.id), onkeydown: (e) => keys(e, i),
  },
  el("td", {}, t.number),
  el("td", { class: "text" }, t.title),
  el("td", {}, t.due_at ? when(t.due_at) : ""),
  el("td", {}, el("span", { class: "badge card-" + t.card }, CARD[t.card])))), "没有工单");
}

function keys(event, index) {
  const items = [...document.querySelectorAll("#inbox tr")];
  if (event.key === "ArrowDown") { event.preventDefault(); items[Math.min(index + 1, items.length - 1)]?.focus(); }
  if (event.key === "ArrowUp") { event.preventDefault(); items[Math.max(index - 1, 0)]?.focus(); }
  if (event.key === "Enter") { event.preventDefault(); open(rows[index].id); }
}

async function open(id) {
  const t = await attempt(() => api("/api/tickets/" + id));
  if (!t) return;
  selected = id;
  $("detail-empty").classList.add("hidden");
  $("detail-body").classList.remove("hidden");
  text("d-number", t.number);
  text("d-status", t.status_label);
  $("d-card").textContent = CARD[t.card];
  $("d-card").className = "badge card-" + t.card;
  text("d-title", t.title);
  text("d-content", t.content);
  text("d-caller", t.caller_name);
  text("d-phone", t.caller_phone);
  text("d-address", t.address);
  text("d-district", [t.district, t.street].filter(Boolean).join(" "));
  text("d-due", t.due_at ? `${t.stage === "sign" ? "签收" : t.stage === "handle" ? "办结" : "回访"}截止 ${when(t.due_at)}` : "—");
  $("d-events").replaceChildren(...t.events.map((e) => el("li", {}, when(e.at), " ", e.actor_name, " ", e.action, e.note ? "：" + e.note : "")));
  text("detail-result", "");
  for (const row of document.querySelectorAll("#inbox tr")) row.classList.toggle("selected", row.dataset.ticket === t.number);
}

async function act(path, body, done) {
  if (!selected) return;
  const t = await attempt(() => api(`/api/tickets/${selected}/${path}`, { method: "POST", body }), done);
  if (t) {
    text("detail-result", done + "：" + t.number);
    await loadInbox();
    await open(selected);
    loadFigures();
  }
}

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    status = tab.dataset.status;
    for (const other of document.querySelectorAll("[role=tab]")) other.setAttribute("aria-selected", String(other === tab));
    loadInbox();
  });
}
$("btn-sign").addEventListener("click", () => act("sign", undefined, "已签收"));
$("btn-contact").addEventListener("click", () => act("contact", { note: "已电话联系群众" }, "已记录联系"));
$("btn-reply").addEventListener("click", () => {
  const value = $("reply-text").value.trim();
  if (!value) { $("reply-text").focus(); return; }
  act("reply", { text: value }, "已答复").then(() => { $("reply-text").value = ""; });
});
$("btn-return").addEventListener("click", () => {
  const reason = $("return-reason").value.trim();
  if (!reason) { $("return-reason").focus(); return; }
  act("return", { reason, suggested_unit_code: $("return-unit").value.trim() || null }, "已退单");
});
$("btn-extend").addEventListener("click", () => {
  const reason = $("ext-reason").value.trim();
  if (!reason) { $("ext-reason").focus(); return; }
  act("extension", { working_days: Number($("ext-days").value), reason }, "已申请延期");
});

await Promise.all([loadInbox(), loadFigures()]);
live("/ws/unit", () => { loadInbox(); loadFigures(); });
