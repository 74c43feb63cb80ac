// 坐席工作台: seat state, screen pop, ticket form with live suggestions, duplicates, knowledge, callbacks.
import { api, attempt, debounce, el, fill, live, text, toast, when } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const STATUS = { draft: "待派单", dispatched: "待签收", handling: "办理中", returned: "已退单", replied: "待回访", closed: "已办结", rejected: "不予受理", merged: "已并案" };
let ticket = null;          // the draft being worked on
let currentCall = null;     // linkedid of the call on this seat
let units = [];

async function loadReference() {
  const [unitList, categories] = await Promise.all([api("/api/units"), api("/api/categories")]);
  units = unitList.filter((u) => u.kind !== "expert");
  const options = units.map((u) => el("option", { value: u.code }, u.short_name || u.name));
  $("unit_code").replaceChildren(el("option", { value: "" }, "—"), ...options);
  $("co_units").replaceChildren(...units.map((u) => el("option", { value: u.code }, u.short_name || u.name)));
  $("category_id").replaceChildren(el("option", { value: "" }, "—"),
    ...categories.filter((c) => c.parent_id !== null).map((c) => el("option", { value: c.id }, c.name)));
}

// --- seat state --------------------------------------------------------------------------------
function showSeat(seat) {
  text("seat-code", seat.code);
  const badge = $("seat-state");
  badge.textContent = seat.state_label;
  badge.className = "badge state-" + seat.state;
  text("seat-reason", seat.pause_reason ? "（" + seat.pause_reason + "）" : "");
  if (seat.call && seat.call.linkedid !== currentCall && seat.state === "talking") showPop(seat.call.linkedid);
}
async function refreshSeat() {
  const seat = await attempt(() => api("/api/seats/me"));
  if (seat) showSeat(seat);
}
async function setState(state) {
  const seat = await attempt(() => api("/api/seats/me/state", { method: "POST", body: { state, reason: $("pause-reason").value } }));
  if (seat) showSeat(seat);
}

// --- screen pop --------------------------------------------------------------------------------
function ticketItem(t) {
  return el("li", {}, el("a", { href: "/tickets/" + t.id }, t.number), " ", STATUS[t.status] || t.status, " ", t.title);
}
async function showPop(linkedid) {
  const pop = await attempt(() => api("/api/calls/" + encodeURIComponent(linkedid) + "/pop"));
  if (!pop) return;
  currentCall = linkedid;
  $("pop-empty").classList.add("hidden");
  $("pop-body").classList.remove("hidden");
  text("pop-number", pop.caller_number || "未显示号码");
  text("pop-name", pop.caller_name);
  text("pop-linkedid", "通话 " + pop.linkedid + (pop.answered_at ? " · 接听 " + when(pop.answered_at) : ""));
  $("pop-repeat").classList.toggle("hidden", !pop.repeat_caller);
  $("pop-repeat").textContent = "重复来电（30天内 " + pop.previous_calls + " 次，在办 " + pop.open_tickets.length + " 件）";
  $("pop-open").replaceChildren(...pop.open_tickets.map(ticketItem));
  $("pop-history").replaceChildren(...pop.recent_tickets.map(ticketItem));
  // The same pop can arrive twice (websocket and page load); never wipe what the operator typed.
  if (!ticket && $("call_linkedid").value !== pop.linkedid) {
    newTicket();
    $("caller_phone").value = pop.caller_number;
    $("caller_name").value = pop.caller_name;
    $("call_linkedid").value = pop.linkedid;
    $("title").focus();
  }
}

// --- ticket form -------------------------------------------------------------------------------
function formData() {
  const data = {};
  for (const name of ["caller_name", "caller_phone", "who", "when", "address", "district", "street", "title", "content", "nature", "urgency"]) {
    data[name] = $(name).value;
  }
  data.confidential = $("confidential").checked;
  data.category_id = $("category_id").value ? Number($("category_id").value) : null;
  if ($("call_linkedid").value) data.call_linkedid = $("call_linkedid").value;
  const suggested = $("suggest-units").dataset.top;
  if (suggested) data.suggested_unit_code = suggested;
  return data;
}
function newTicket() {
  ticket = null;
  $("ticket-form").reset();
  $("call_linkedid").value = "";
  $("ticket-number").classList.add("hidden");
  text("form-result", "");
  $("emergency").classList.add("hidden");
  fill("duplicates", []);
  $("suggest-units").replaceChildren(el("span", { class: "muted" }, "输入内容后显示推荐承办单位"));
}
async function save() {
  if (!$("title").value.trim() || !$("content").value.trim()) { toast("请填写标题和诉求内容", true); $("title").focus(); return null; }
  if (ticket) {
    const body = formData();
    delete body.call_linkedid; delete body.caller_phone; delete body.suggested_unit_code;
    ticket = await attempt(() => api("/api/tickets/" + ticket.id, { method: "PATCH", body }));
  } else {
    const created = await attempt(() => api("/api/tickets", { method: "POST", body: formData() }));
    ticket = created ? created.ticket : null;
  }
  if (ticket) {
    $("ticket-number").textContent = ticket.number;
    $("ticket-number").classList.remove("hidden");
    text("form-result", "已保存工单 " + ticket.number);
  }
  return ticket;
}
async function dispatch() {
  const unit = $("unit_code").value;
  if (!unit) { toast("请选择承办单位", true); $("unit_code").focus(); return; }
  const saved = ticket && ticket.status === "draft" ? ticket : await save();
  if (!saved) return;
  const co = [...$("co_units").selectedOptions].map((o) => o.value).filter((c) => c !== unit);
  const done = await attempt(() => api(`/api/tickets/${saved.id}/dispatch`, { method: "POST", body: { unit_code: unit, co_unit_codes: co } }));
  if (done) {
    text("form-result", `工单 ${done.number} 已派至 ${done.lead_unit_name}，签收时限 ${when(done.sign_due_at)}`);
    ticket = done;
    toast("派单成功：" + done.number);
  }
}
async function rejectTicket() {
  const saved = ticket || await save();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/reject`, { method: "POST", body: { reason: $("reject-reason").value } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 不予受理`); }
}
async function merge(masterId, masterNumber) {
  const saved = ticket || await save();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/merge`, { method: "POST", body: { master_id: masterId } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 已并入主案 ${masterNumber}`); }
}
async function closeOnSpot(article) {
  if (!$("title").value.trim()) $("title").value = article.title;
  if (!$("content").value.trim()) $("content").value = "咨询：" + article.title;
  $("nature").value = "consultation";
  const saved = ticket || await save();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/close-on-spot`, { method: "POST", body: { answer: article.body, article_id: article.id } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 已即问即答办结`); }
}

// --- suggestions and duplicates ----------------------------------------------------------------
const suggest = debounce(async () => {
  const body = { text: `${$("title").value}。${$("content").value} ${$("address").value}`, district: $("district").value };
  if (body.text.trim().length < 4) return;
  const [s, duplicates] = await Promise.all([
    api("/api/assist/suggest", { method: "POST", body }).catch(() => null),
    api("/api/assist/duplicates", { method: "POST", body }).catch(() => []),
  ]);
  if (s) showSuggestion(s);
  fill("duplicates", duplicates.map((d) => el("tr", {},
    el("td", {}, el("a", { href: "/tickets/" + d.ticket.id }, d.ticket.number)),
    el("td", { class: "text" }, d.ticket.title),
    el("td", {}, d.ticket.status_label, " · 相似度 ", (d.score * 100).toFixed(0), "%"),
    el("td", {}, el("button", { type: "button", onclick: () => merge(d.ticket.id, d.ticket.number) }, "并案")))), "无疑似重复");
}, 400);

function showSuggestion(s) {
  const box = $("suggest-units");
  box.dataset.top = s.units.length ? s.units[0].unit_code : "";
  const buttons = s.units.map((u, i) => el("button", {
    type: "button", "data-unit": u.unit_code,
    onclick: () => { $("unit_code").value = u.unit_code; $("unit_code").focus(); },
  }, `${i + 1}. ${u.unit_name} ${(u.confidence * 100).toFixed(0)}%`));
  box.replaceChildren(...(buttons.length ? buttons : [el("span", { class: "muted" }, "暂无推荐（模型未加载）")]));
  const meta = [];
  if (s.category_name) meta.push("类别：" + s.category_name);
  if (s.district) meta.push("属地：" + s.district + (s.street ? " " + s.street : ""));
  if (s.urgency && s.urgency !== "normal") meta.push("紧急程度：" + ({ urgent: "紧急", critical: "特急" }[s.urgency] || s.urgency));
  text("suggest-meta", meta.join(" · "));
  if (s.category_id && !$("category_id").value) $("category_id").value = String(s.category_id);
  if (s.district && !$("district").value) $("district").value = s.district;
  if (s.street && !$("street").value) $("street").value = s.street;
  const banner = $("emergency");
  if (s.emergency) {
    text("emergency-text", `紧急情况（${s.emergency.reason}：“${s.emergency.matched}”），请立即转 ${s.emergency.transfer_to}`);
    banner.classList.remove("hidden");
    banner.querySelector(`[data-transfer="${s.emergency.transfer_to}"]`)?.focus();
  } else banner.classList.add("hidden");
}
async function transfer(target) {
  if (!currentCall) { toast("当前没有通话，请手动转接 " + target, true); return; }
  const done = await attempt(() => api("/api/calls/transfer", { method: "POST", body: { linkedid: currentCall, target } }));
  if (done) {
    toast("已转接 " + target);
    if (ticket && ticket.status === "draft") {
      await attempt(() => api(`/api/tickets/${ticket.id}/reject`, { method: "POST", body: { reason: "emergency", note: "已转 " + target } }));
    }
  }
}

// --- knowledge ---------------------------------------------------------------------------------
async function searchKnowledge(event) {
  event?.preventDefault();
  const articles = await attempt(() => api("/api/knowledge?q=" + encodeURIComponent($("kb-q").value)));
  if (!articles) return;
  $("kb-results").replaceChildren(...articles.map((a) => el("details", {},
    el("summary", {}, a.title),
    el("p", { class: "text" }, a.body),
    el("button", { type: "button", onclick: () => closeOnSpot(a) }, "按此答复并办结"))));
  if (!articles.length) $("kb-results").replaceChildren(el("p", { class: "muted" }, "没有找到"));
}

// --- callbacks and missed calls ----------------------------------------------------------------
async function refreshWorklists() {
  const [due, missed] = await Promise.all([api("/api/worklists/callbacks").catch(() => []), api("/api/calls/missed").catch(() => [])]);
  fill("callbacks", due.map((t) => {
    const solved = el("input", { type: "checkbox", checked: true, "aria-label": "问题已解决" });
    const record = (body) => attempt(() => api(`/api/tickets/${t.id}/callback`, { method: "POST", body: { ...body, solved: solved.checked } }), "已记录回访 " + t.number).then(refreshWorklists);
    return el("tr", { "data-ticket": t.number },
      el("td", {}, el("a", { href: "/tickets/" + t.id }, t.number), el("div", { class: "text" }, t.title), t.caller_phone),
      el("td", { class: "text" }, t.reply_text),
      el("td", {},
        el("label", {}, solved, " 已解决"),
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "satisfied" }) }, "满意"),
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "basically_satisfied" }) }, "基本满意"),
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "unsatisfied" }) }, "不满意"),
        el("button", { type: "button", onclick: () => record({ reached: false }) }, "未接通"),
        t.caller_phone ? el("button", { type: "button", onclick: () => attempt(() => api("/api/calls/dial", { method: "POST", body: { number: t.caller_phone, ticket_id: t.id } }), "正在呼叫 " + t.caller_phone) }, "拨打") : null));
  }), "暂无待回访");
  fill("missed", missed.map((c) => el("tr", {},
    el("td", {}, c.caller_number || "未显示"),
    el("td", {}, when(c.joined_at)),
    el("td", {},
      el("button", { type: "button", onclick: () => attempt(() => api("/api/calls/dial", { method: "POST", body: { number: c.caller_number } }), "正在呼叫") }, "回拨"),
      el("button", { type: "button", onclick: () => attempt(() => api(`/api/calls/${c.id}/worklist-done`, { method: "POST", body: { note: "已回拨" } })).then(refreshWorklists) }, "已回拨")))), "暂无漏接");
}

// --- wiring ------------------------------------------------------------------------------------
function keyboard(event) {
  if (event.key === "F2") { event.preventDefault(); setState("ready"); }
  if (event.key === "F3") { event.preventDefault(); setState("paused"); }
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  const actions = {
    n: () => { newTicket(); $("title").focus(); },
    s: save,
    d: dispatch,
    k: () => $("kb-q").focus(),
    "1": () => pickSuggestion(0), "2": () => pickSuggestion(1), "3": () => pickSuggestion(2),
  };
  if (actions[key]) { event.preventDefault(); actions[key](); }
}
function pickSuggestion(index) {
  const button = document.querySelectorAll("#suggest-units button")[index];
  if (button) button.click();
}
$("ticket-form").addEventListener("submit", (e) => { e.preventDefault(); save(); });
$("btn-dispatch").addEventListener("click", dispatch);
$("btn-new").addEventListener("click", () => { newTicket(); $("title").focus(); });
$("btn-reject").addEventListener("click", rejectTicket);
$("btn-ready").addEventListener("click", () => setState("ready"));
$("btn-pause").addEventListener("click", () => setState("paused"));
$("kb-form").addEventListener("submit", searchKnowledge);
for (const id of ["title", "content", "address"]) $(id).addEventListener("input", suggest);
for (const b of document.querySelectorAll("[data-transfer]")) b.addEventListener("click", () => transfer(b.dataset.transfer));
document.addEventListener("keydown", keyboard);

await loadReference();
if (document.body.dataset.role === "operator") {
  await refreshSeat();
  live("/ws/seat", (topic, data) => {
    if (topic === "calls.screen_pop") showPop(data.linkedid);
    if (topic === "calls.seat") refreshSeat();
  });
}
await refreshWorklists();
setInterval(refreshWorklists, 30000);
