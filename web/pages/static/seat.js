// 坐席工作台: the call bar (callbar.js), screen pop, ticket form with live suggestions and local
// drafts (drafts.js), duplicates, knowledge, callbacks. The form is never replaced while it holds
// unsaved typing: a newer call waits in a banner until the operator switches to it.
// /intake serves the same form without the phone (data-calls empty): no call bar, pop or dialling.
import { NAMES, api, attempt, debounce, el, fill, live, text, toast, when } from "/static/common.js";
import { applyButtons, command, liveCall, onSeat, refreshSeat, startCallBar, transferCall } from "/static/callbar.js";
import { DraftStore } from "/static/drafts.js";

const $ = (id) => document.getElementById(id);
const STATUS = NAMES.status ?? {};
const FIELDS = ["call_linkedid", "caller_name", "caller_phone", "who", "when", "address", "district", "street", "title", "content", "nature", "urgency", "category_id", "unit_code"];
const drafts = new DraftStore($("seat-page").dataset.username);
let ticket = null;          // the saved ticket the form edits, if any
let form = { id: "", linkedid: "", number: "", dirty: false }; // the form's draft: its call, unsaved typing
let popShown = "";          // linkedid of the call in the pop panel
let pending = null;         // a newer call's pop waiting in the banner
const pops = new Map();     // screen pops as the live feed brought them, by linkedid
let units = [];
const MAX_CO_UNITS = 10; // what the dispatch API takes

async function loadReference() {
  const [unitList, categories] = await Promise.all([api("/api/units"), api("/api/categories")]);
  units = unitList.filter((u) => u.kind !== "expert");
  const options = units.map((u) => el("option", { value: u.code }, u.short_name || u.name));
  $("unit_code").replaceChildren(el("option", { value: "" }, "—"), ...options);
  $("co_units").replaceChildren(...units.map((u) => el("label", { "data-name": `${u.name} ${u.short_name || ""} ${u.code}` },
    el("input", { type: "checkbox", value: u.code, name: "co_unit" }), u.short_name || u.name)));
  showCoUnits();
  $("category_id").replaceChildren(el("option", { value: "" }, "—"),
    ...categories.filter((c) => c.parent_id !== null).map((c) => el("option", { value: c.id }, c.name)));
  return unitList;
}

// --- 协办单位: every unit, filtered by name; the chosen ones as chips that remove themselves ------
const coBoxes = () => [...$("co_units").querySelectorAll("input[type=checkbox]")];
const coUnits = () => coBoxes().filter((b) => b.checked).map((b) => b.value);
function setCoUnits(codes) {
  for (const box of coBoxes()) box.checked = codes.includes(box.value);
  showCoUnits();
}
/** The list, the chips and the count follow the boxes; the lead unit cannot also be a co-unit. */
function showCoUnits() {
  const lead = $("unit_code").value;
  const words = $("co-filter").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const box of coBoxes()) {
    const label = box.parentElement;
    if (box.value === lead) box.checked = false;
    box.disabled = box.value === lead;
    label.classList.toggle("disabled", box.disabled);
    const name = label.dataset.name.toLowerCase();
    label.classList.toggle("hidden", !box.checked && !words.every((w) => name.includes(w)));
  }
  const chosen = coBoxes().filter((b) => b.checked);
  const codes = chosen.map((b) => b.value).join(",");
  if ($("co-chosen").dataset.codes === codes) return; // same chips: keep the nodes (a click may be on one)
  $("co-chosen").dataset.codes = codes;
  $("co-chosen").replaceChildren(...chosen.map((b) => el("button", {
    type: "button", "data-co": b.value, "aria-label": "移除协办单位 " + b.parentElement.textContent,
    onclick: () => { b.checked = false; showCoUnits(); typed(); },
  }, b.parentElement.textContent, " ×")));
  text("co-count", chosen.length ? `（已选 ${chosen.length} 个）` : "（可多选）");
}
function coUnitPicked(event) {
  if (event.target.type !== "checkbox") return;
  if (event.target.checked && coUnits().length > MAX_CO_UNITS) {
    event.target.checked = false;
    toast(`协办单位最多选 ${MAX_CO_UNITS} 个`, true);
  }
  showCoUnits();
}

// --- screen pop --------------------------------------------------------------------------------
function ticketItem(t) {
  return el("li", {}, el("a", { href: "/tickets/" + t.id }, t.number), " ", STATUS[t.status] || t.status, " ", t.title);
}
/** The seat now talks on (or wraps up) a call: show its pop, once per call. */
async function seatChanged(seat) {
  const call = seat.call;
  if (!call || call.linkedid === popShown || !["talking", "wrap_up"].includes(seat.state)) return;
  if (seat.state === "wrap_up" && popShown) return; // a pop after the call ended only on a fresh page
  popShown = call.linkedid;
  const pop = pops.get(call.linkedid) || await attempt(() => api("/api/calls/" + encodeURIComponent(call.linkedid) + "/pop"));
  pops.clear();
  if (pop) showPop(pop, call, seat.state === "talking");
  else popShown = "";
}
function showPop(pop, call, live) {
  $("pop-empty").classList.add("hidden");
  $("pop-body").classList.remove("hidden");
  text("pop-number", pop.caller_number || "未显示号码");
  text("pop-name", pop.caller_name);
  const callback = call.direction === "outbound" && call.ticket_id;
  const kind = call.direction === "outbound" ? (callback ? "回访外呼" : "外呼") : "通话";
  text("pop-linkedid", kind + " " + pop.linkedid + (pop.answered_at ? " · 接听 " + when(pop.answered_at) : ""));
  // Only what is there: "30天内 0 次" says nothing; a caller never heard from is a first call.
  const seen = [];
  if (pop.previous_calls) seen.push(`30天内来电 ${pop.previous_calls} 次`);
  if (pop.open_tickets.length) seen.push(`在办 ${pop.open_tickets.length} 件`);
  const first = !pop.repeat_caller && !pop.recent_tickets.length;
  $("pop-repeat").classList.toggle("hidden", !pop.repeat_caller && !first);
  $("pop-repeat").classList.toggle("repeat", pop.repeat_caller);
  $("pop-repeat").classList.toggle("pop-first", !pop.repeat_caller);
  $("pop-repeat").textContent = pop.repeat_caller ? "重复来电" + (seen.length ? `（${seen.join("，")}）` : "") : "首次来电";
  $("pop-open").replaceChildren(...pop.open_tickets.map(ticketItem));
  $("pop-history").replaceChildren(...pop.recent_tickets.map(ticketItem));
  if (callback) return; // a callback is recorded on its ticket (回访工作单), not as a new ticket
  // The same pop can arrive twice (websocket and page load): the form already is this call's.
  if (form.linkedid === pop.linkedid || (pending && pending.linkedid === pop.linkedid)) return;
  if (!form.dirty) { startCallForm(pop); return; }
  if (!live) return; // an ended call on a fresh page: the restored draft stays in front
  if (pending) keepPopAsDraft(pending); // an older waiting call: never lose that it was taken
  pending = pop;
  const what = call.direction === "outbound" ? "回拨接通" : "新来电";
  text("incoming-text", `${what} ${pop.caller_number || "未显示号码"} ${pop.caller_name} … 当前工单尚未保存，已自动存为草稿`);
  $("incoming").classList.remove("hidden");
}
function switchToPending() {
  const pop = pending;
  pending = null;
  $("incoming").classList.add("hidden");
  if (pop) startCallForm(pop);
}

// --- drafts ------------------------------------------------------------------------------------
function snapshot() {
  const fields = {};
  for (const name of FIELDS) fields[name] = $(name).value;
  return {
    linkedid: form.linkedid, caller_number: form.number || $("caller_phone").value, fields,
    confidential: $("confidential").checked,
    consent: { callback: $("consent_callback").checked, recording: $("consent_recording").checked },
    co_units: coUnits(),
    ticket: ticket ? { id: ticket.id, number: ticket.number, status: ticket.status } : null,
  };
}
function keepDraft() {
  const kept = drafts.save(form.id, snapshot());
  const time = new Date().toLocaleTimeString("zh-CN", { hour12: false });
  text("draft-state", kept ? "草稿已自动保存 " + time : "本机浏览器无法保存草稿，请尽快保存工单");
  drafts.active = form.id;
}
function saveDraftNow() { if (form.dirty) keepDraft(); }
const autosave = debounce(() => { saveDraftNow(); renderDrafts(); }, 400);
function keepPopAsDraft(pop) {
  drafts.save(pop.linkedid, {
    linkedid: pop.linkedid, caller_number: pop.caller_number, co_units: [], ticket: null, confidential: false,
    fields: { call_linkedid: pop.linkedid, caller_phone: pop.caller_number, caller_name: pop.caller_name },
  });
}
/** Before the form shows something else: keep what it holds that is not saved. */
function leaveForm() {
  const call = liveCall();
  if (form.dirty || (form.linkedid && !ticket && call && call.linkedid === form.linkedid)) keepDraft();
}
function blankForm(id, linkedid = "", number = "") {
  ticket = null;
  form = { id, linkedid, number, dirty: false };
  $("ticket-form").reset();
  showCoUnits();
  $("call_linkedid").value = linkedid;
  $("ticket-number").classList.add("hidden");
  text("form-result", "");
  text("draft-state", "");
  $("emergency").classList.add("hidden");
  fill("duplicates", []);
  $("suggest-units").replaceChildren(el("span", { class: "muted" }, "输入内容后显示推荐承办单位"));
  delete $("suggest-units").dataset.top;
  $("suggest-unsure").hidden = true;
  $("suggest-why").replaceChildren();
  confirmSuggested();
  drafts.active = id;
  showFormCall();
}
function showFormCall() {
  text("form-call", form.linkedid ? "本单：通话 " + (form.number || "未显示号码") : "本单：无通话（手工登记）");
}
function showTicketNumber() {
  $("ticket-number").textContent = ticket ? ticket.number : "";
  $("ticket-number").classList.toggle("hidden", !ticket);
}
function restore(draft) {
  blankForm(draft.id, draft.linkedid || "", draft.caller_number || "");
  for (const name of FIELDS) if (draft.fields && name in draft.fields) $(name).value = draft.fields[name];
  $("confidential").checked = Boolean(draft.confidential);
  $("consent_callback").checked = draft.consent ? draft.consent.callback !== false : true;
  $("consent_recording").checked = draft.consent ? draft.consent.recording !== false : true;
  setCoUnits(draft.co_units || []);
  ticket = draft.ticket || null;
  form.dirty = true; // it was kept because it holds work not saved as a ticket yet
  showTicketNumber();
  text("draft-state", "已恢复草稿（" + when(new Date(draft.saved_at).toISOString()) + "）");
}
function startCallForm(pop) {
  leaveForm();
  const kept = drafts.load(pop.linkedid);
  if (kept) restore(kept);
  else {
    blankForm(pop.linkedid, pop.linkedid, pop.caller_number);
    $("caller_phone").value = pop.caller_number;
    $("caller_name").value = pop.caller_name;
  }
  renderDrafts();
  $("title").focus();
}
function newTicket() {
  leaveForm();
  blankForm("manual-" + Date.now().toString(36));
  renderDrafts();
  $("title").focus();
}
function openDraft(id) {
  const draft = drafts.load(id);
  if (!draft) { renderDrafts(); return; }
  leaveForm();
  restore(draft);
  if (pending && pending.linkedid === id) switchToPending();
  renderDrafts();
  $("title").focus();
}
function draftItem(d) {
  const discard = el("button", { type: "button", class: "discard" }, "放弃");
  discard.addEventListener("click", () => {
    if (discard.dataset.armed) { drafts.remove(d.id); renderDrafts(); return; }
    discard.dataset.armed = "1"; // a second click: a draft is someone's work
    discard.textContent = "确认放弃";
  });
  const title = (d.fields && d.fields.title) || "（未填标题）";
  return el("li", { "data-draft": d.id },
    el("b", {}, d.caller_number || (d.linkedid ? "未显示号码" : "手工登记")), " ",
    el("span", { class: "text" }, title), " ",
    d.ticket ? el("span", { class: "badge" }, d.ticket.number) : null, " ",
    el("span", { class: "muted" }, when(new Date(d.saved_at).toISOString())), " ",
    el("button", { type: "button", onclick: () => openDraft(d.id) }, "继续"), " ", discard);
}
function renderDrafts() {
  const others = drafts.list().filter((d) => d.id !== form.id);
  $("drafts").replaceChildren(...others.map(draftItem));
  $("drafts-panel").classList.toggle("hidden", !others.length);
}

// --- ticket form -------------------------------------------------------------------------------
function formData() {
  const data = {};
  for (const name of ["caller_name", "caller_phone", "who", "when", "address", "district", "street", "title", "content", "nature", "urgency"]) {
    data[name] = $(name).value;
  }
  data.confidential = $("confidential").checked;
  data.consent_callback = $("consent_callback").checked;
  data.consent_recording = $("consent_recording").checked;
  data.category_id = $("category_id").value ? Number($("category_id").value) : null;
  if ($("call_linkedid").value) data.call_linkedid = $("call_linkedid").value;
  const suggested = $("suggest-units").dataset.top;
  if (suggested) data.suggested_unit_code = suggested;
  return data;
}
async function save() {
  if (!$("title").value.trim() || !$("content").value.trim()) { toast("请填写标题和诉求内容", true); $("title").focus(); return null; }
  if (!$("nature").value) { toast("请选择诉求性质（咨询、求助、投诉……）", true); $("nature").focus(); return null; }
  const owner = form.id;
  let saved;
  if (ticket) {
    const body = formData();
    delete body.call_linkedid; delete body.caller_phone; delete body.suggested_unit_code;
    saved = await attempt(() => api("/api/tickets/" + ticket.id, { method: "PATCH", body }));
  } else {
    const created = await attempt(() => api("/api/tickets", { method: "POST", body: formData() }));
    saved = created ? created.ticket : null;
  }
  if (!saved) return null;
  drafts.remove(owner); // saved on the server: the local copy is done with
  if (form.id !== owner) { renderDrafts(); return null; } // the operator moved on meanwhile
  ticket = saved;
  form.dirty = false;
  showTicketNumber();
  text("draft-state", "");
  text("form-result", "已保存工单 " + ticket.number);
  confirmSuggested(); // saving is the operator's word on every field
  renderDrafts();
  return ticket;
}
/** The ticket as the form shows it, saved first when there is typing the server has not seen. */
const savedTicket = async () => (ticket && !form.dirty ? ticket : await save());
async function dispatch() {
  const unit = $("unit_code").value;
  if (!unit) { toast("请选择承办单位", true); $("unit_code").focus(); return; }
  const saved = await savedTicket();
  if (!saved) return;
  const co = coUnits().filter((c) => c !== unit);
  const done = await attempt(() => api(`/api/tickets/${saved.id}/dispatch`, { method: "POST", body: { unit_code: unit, co_unit_codes: co } }));
  if (done) {
    text("form-result", `工单 ${done.number} 已派至 ${done.lead_unit_name}，签收时限 ${when(done.sign_due_at)}`);
    ticket = done;
    toast("派单成功：" + done.number);
  }
}
async function rejectTicket() {
  const saved = await savedTicket();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/reject`, { method: "POST", body: { reason: $("reject-reason").value } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 不予受理`); }
}
async function merge(masterId, masterNumber) {
  const saved = await savedTicket();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/merge`, { method: "POST", body: { master_id: masterId } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 已并入主案 ${masterNumber}`); }
}
async function closeOnSpot(article) {
  if (!$("title").value.trim()) $("title").value = article.title;
  if (!$("content").value.trim()) $("content").value = "咨询：" + article.title;
  $("nature").value = "consultation";
  form.dirty = true;
  const saved = await savedTicket();
  if (!saved) return;
  const done = await attempt(() => api(`/api/tickets/${saved.id}/close-on-spot`, { method: "POST", body: { answer: article.body, article_id: article.id } }));
  if (done) { ticket = done; text("form-result", `工单 ${done.number} 已即问即答办结`); }
}

// --- suggestions and duplicates ----------------------------------------------------------------
// 五要素, category and district filled from the notes are marked 建议 until the operator confirms
// them: by editing the field, by 全部确认, or by saving. A field the operator filled is never touched.
const SUGGESTABLE = ["who", "when", "address", "title", "district", "street", "category_id"];
function suggestField(id, value) {
  const field = $(id);
  if (!value || (field.value && !field.dataset.suggested)) return;
  if (field.value === value) return;
  field.value = value;
  field.dataset.suggested = "1";
  field.classList.add("suggested");
  field.title = "系统根据记录建议，修改即确认";
  $("suggested-note").hidden = false;
}
function confirmField(id) {
  const field = $(id);
  delete field.dataset.suggested;
  field.classList.remove("suggested");
  field.removeAttribute("title");
  $("suggested-note").hidden = !SUGGESTABLE.some((other) => $(other).dataset.suggested);
}
function confirmSuggested() { for (const id of SUGGESTABLE) confirmField(id); }
for (const id of SUGGESTABLE) {
  $(id).addEventListener("input", (event) => { if (event.isTrusted) confirmField(id); });
  $(id).addEventListener("change", (event) => { if (event.isTrusted) confirmField(id); });
}
const suggest = debounce(async () => {
  const body = { text: `${$("title").value}。${$("content").value} ${$("address").value}`, district: $("district").value };
  if (body.text.trim().length < 4) return;
  const owner = form.id;
  const notes = $("content").value;
  const [s, duplicates, guessed] = await Promise.all([
    api("/api/assist/suggest", { method: "POST", body }).catch(() => null),
    api("/api/assist/duplicates", { method: "POST", body }).catch(() => []),
    notes.trim().length >= 6 ? api("/api/assist/fields", { method: "POST", body: { text: notes } }).catch(() => null) : null,
  ]);
  if (form.id !== owner) return; // the operator moved to another form meanwhile
  if (guessed) for (const id of ["who", "when", "address", "title", "district", "street"]) suggestField(id, guessed[id]);
  if (s) showSuggestion(s);
  if (s && form.dirty) autosave(); // the suggestion may have filled the district or category
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
  $("suggest-unsure").hidden = !(s.unsure && s.units.length);
  showWhy(s.units);
  const meta = [];
  if (s.category_name) meta.push("类别：" + s.category_name);
  if (s.district) meta.push("属地：" + s.district + (s.street ? " " + s.street : ""));
  if (s.urgency && s.urgency !== "normal") meta.push("紧急程度：" + ({ urgent: "紧急", critical: "特急" }[s.urgency] || s.urgency));
  text("suggest-meta", meta.join(" · "));
  if (s.category_id) suggestField("category_id", String(s.category_id));
  suggestField("district", s.district);
  suggestField("street", s.street);
  const banner = $("emergency");
  if (s.emergency) {
    const act = calls ? "请立即转" : "请告知诉求人立即拨打";
    text("emergency-text", `紧急情况（${s.emergency.reason}：“${s.emergency.matched}”），${act} ${s.emergency.transfer_to}`);
    banner.classList.remove("hidden");
    banner.querySelector(`[data-transfer="${s.emergency.transfer_to}"]`)?.focus();
  } else banner.classList.add("hidden");
}
// Which words of the text pointed to each unit: text nodes only, the words are the caller's.
function showWhy(suggested) {
  const rows = suggested.filter((u) => u.words && u.words.length).map((u) => el("li", { "data-unit": u.unit_code },
    el("span", { class: "why-unit" }, u.unit_name, "："),
    ...u.words.map((w) => el("mark", { title: `权重 ${w.weight.toFixed(2)}` }, w.word))));
  $("suggest-why").replaceChildren(...rows);
}
async function transfer(target) {
  const call = liveCall();
  const done = await transferCall(target, "blind");
  if (done && call && form.linkedid === call.linkedid && ticket && ticket.status === "draft") {
    await attempt(() => api(`/api/tickets/${ticket.id}/reject`, { method: "POST", body: { reason: "emergency", note: "已转 " + target } }));
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
const dial = (number, ticketId) => command("/api/calls/dial", ticketId ? { number, ticket_id: ticketId } : { number });
async function refreshWorklists() {
  const [due, missed] = await Promise.all([api("/api/worklists/callbacks").catch(() => []), api("/api/calls/missed").catch(() => [])]);
  fill("callbacks", due.map((t) => {
    // No default: a pre-picked answer would inflate 解决率; the operator asks and picks.
    const solved = el("select", { "aria-label": "问题是否解决", "data-solved": "" },
      el("option", { value: "" }, "是否解决？"), el("option", { value: "yes" }, "已解决"), el("option", { value: "no" }, "未解决"));
    const record = (body) => {
      if (body.reached && !solved.value) { toast("请先选择问题是否解决（已解决 / 未解决）", true); solved.focus(); return; }
      const answer = body.reached ? solved.value === "yes" : null;
      attempt(() => api(`/api/tickets/${t.id}/callback`, { method: "POST", body: { ...body, solved: answer } }), "已记录回访 " + t.number).then(refreshWorklists);
    };
    return el("tr", { "data-ticket": t.number },
      el("td", {}, el("a", { href: "/tickets/" + t.id }, t.number), el("div", { class: "text" }, t.title), t.caller_phone,
        t.consent_callback ? null : el("div", { class: "error no-callback" }, "来电人不同意回访：请勿外呼")),
      el("td", { class: "text" }, t.reply_text),
      el("td", {},
        solved,
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "satisfied" }) }, "满意"),
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "basically_satisfied" }) }, "基本满意"),
        el("button", { type: "button", onclick: () => record({ reached: true, satisfaction: "unsatisfied" }) }, "不满意"),
        el("button", { type: "button", onclick: () => record({ reached: false }) }, "未接通"),
        t.caller_phone && calls && t.consent_callback ? el("button", { type: "button", "data-dial": t.caller_phone, onclick: () => dial(t.caller_phone, t.id) }, "拨打") : null));
  }), "暂无待回访");
  fill("missed", missed.map((c) => el("tr", { "data-call": c.linkedid },
    el("td", {}, c.caller_number || "未显示"),
    el("td", {}, when(c.joined_at)),
    el("td", {},
      calls ? el("button", { type: "button", "data-dial": c.caller_number, onclick: () => dial(c.caller_number) }, "回拨") : null,
      el("button", { type: "button", onclick: () => attempt(() => api(`/api/calls/${c.id}/worklist-done`, { method: "POST", body: { note: "已回拨" } })).then(refreshWorklists) }, "已回拨")))), "暂无漏接");
  if (calls) applyButtons();
}

// --- wiring ------------------------------------------------------------------------------------
function keyboard(event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  const actions = {
    n: newTicket,
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
const calls = Boolean($("seat-page").dataset.calls); // the seat page, with the phone
const typed = () => { form.dirty = true; autosave(); };
$("ticket-form").addEventListener("input", typed);
$("ticket-form").addEventListener("change", typed);
$("ticket-form").addEventListener("submit", (e) => { e.preventDefault(); save(); });
$("btn-dispatch").addEventListener("click", dispatch);
$("btn-confirm-suggested").addEventListener("click", confirmSuggested);
$("btn-new").addEventListener("click", newTicket);
$("btn-reject").addEventListener("click", rejectTicket);
$("btn-switch").addEventListener("click", switchToPending);
$("kb-form").addEventListener("submit", searchKnowledge);
$("co_units").addEventListener("change", coUnitPicked);
$("unit_code").addEventListener("change", showCoUnits);
// Filtering is not typing into the ticket: the form stays as clean (or dirty) as it was.
$("co-filter").addEventListener("input", (e) => { e.stopPropagation(); showCoUnits(); });
$("co-filter").addEventListener("change", (e) => e.stopPropagation());
$("co-filter").addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
for (const id of ["title", "content", "address"]) $(id).addEventListener("input", suggest);
for (const b of document.querySelectorAll("[data-transfer]")) b.addEventListener("click", () => transfer(b.dataset.transfer));
document.addEventListener("keydown", keyboard);
window.addEventListener("pagehide", saveDraftNow); // a reload or a closed tab inside the debounce

const unitList = await loadReference();
const kept = drafts.load(drafts.active);
if (kept) restore(kept); // a reload brings back the form the operator was typing in
else blankForm("manual-" + Date.now().toString(36));
renderDrafts();
if (calls) {
  startCallBar(unitList);
  onSeat(seatChanged);
  await refreshSeat();
  let opened = false;
  live("/ws/seat", (topic, data) => {
    if (topic === "calls.screen_pop") { pops.set(data.linkedid, data); refreshSeat(); }
    if (topic === "calls.seat") refreshSeat();
  }, (open) => {
    if (open && opened) refreshSeat(); // back after a gap: what happened meanwhile
    opened = opened || open;
  });
}
await refreshWorklists();
setInterval(refreshWorklists, 30000);
