// 成员单位工单门户: inbox by status with due times and cards; sign, contact, reply, return, extension.
// The buttons follow the ticket's state and the unit's own assignment; each action's outcome stays
// written on the ticket (a clerk with forty tickets looks back at it), not only in a passing toast.
import { api, ApiError, CARD, el, failure, fill, live, pct, text, toast, when } from "/static/common.js";

const $ = (id) => document.getElementById(id);
let status = "dispatched";
let rows = [];
let selected = null;
let me = null;
const results = new Map(); // ticket id → the last outcome on it, shown whenever it is open

const EXTENSION_ACTIONS = new Set(["request_extension", "approve_extension", "deny_extension"]);

// The server's refusals of these actions are written for developers; say what they mean here.
const REFUSED = {
  403: "该工单不属于本单位，无法操作",
  404: "工单不存在或已被删除",
  409: "工单状态已变化，此操作不可用（可能已签收、已有待审批的延期申请或已过退单时限），请刷新后查看",
  422: "提交的内容不符合要求，请检查后重试",
};
const CJK = /[\u4e00-\u9fff]/;
function explain(err) {
  if (err instanceof ApiError && !CJK.test(err.message) && REFUSED[err.status]) return REFUSED[err.status];
  return failure(err);
}

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

async function loadUnits() {
  const units = await api("/api/units").catch(() => []);
  const own = me?.unit_code;
  $("return-unit").replaceChildren(
    el("option", { value: "" }, "（不指定）"),
    ...units.filter((u) => u.code !== own).map((u) => el("option", { value: u.code, title: u.name }, u.short_name || u.name)),
  );
}

async function loadInbox() {
  // 已退单: the tickets this unit returned, wherever they are now (a return ends the unit's assignment)
  const query = status === "returned" ? "returned=true" : "status=" + status;
  rows = await api("/api/tickets?" + query).catch(() => []);
  fill("inbox", rows.map((t, i) => el("tr", {
    tabindex: 0, "data-ticket": t.number, class: selected === t.id ? "selected" : "",
    onclick: () => open(t.id), onkeydown: (e) => keys(e, i),
  },
  el("td", {}, t.number),
  el("td", { class: "text" }, t.title),
  el("td", {}, t.status_label),
  el("td", {}, t.due_at ? when(t.due_at) : ""),
  el("td", {}, el("span", { class: "badge card-" + t.card }, CARD[t.card])))), "没有工单");
}

function keys(event, index) {
  const items = [...document.querySelectorAll("#inbox tr")];
  if (event.key === "ArrowDown") { event.preventDefault(); items[Math.min(index + 1, items.length - 1)]?.focus(); }
  if (event.key === "ArrowUp") { event.preventDefault(); items[Math.max(index - 1, 0)]?.focus(); }
  if (event.key === "Enter") { event.preventDefault(); open(rows[index].id); }
}

/** The latest extension event on the ticket: a request (pending) or the dispatcher's decision. */
function lastExtension(events) {
  return events.filter((e) => EXTENSION_ACTIONS.has(e.action)).at(-1) ?? null;
}

/** What this unit may do now, and why not: the buttons follow the ticket and the unit's assignment. */
function allowed(t) {
  const mine = t.assignments.filter((a) => a.unit_code === me?.unit_code);
  const own = mine.find((a) => a.active);
  const returned = mine.filter((a) => a.returned_at).at(-1);
  const extension = lastExtension(t.events);
  const pending = extension?.action === "request_extension";
  const open = ["dispatched", "handling"].includes(t.status);
  const lead = own?.role === "lead";
  const none = returned ? "本单位已退单" : "本工单当前不由本单位办理";
  const why = (ok, reason) => (ok ? "" : reason);
  return {
    own, returned, extension, pending,
    sign: own ? why(open && !own.signed_at, own.signed_at ? "本单位已签收" : "工单已不在办理中") : none,
    contact: own ? why(open, "工单已不在办理中") : none,
    reply: own ? why(t.status === "handling" && !!own.signed_at && !(own.role === "co" && own.replied_at),
      !own.signed_at ? "请先签收" : t.status !== "handling" ? "工单已不在办理中" : "本单位已提交协办意见") : none,
    ret: own ? why(lead && open && !own.designated,
      !lead ? "协办单位不能退单" : own.designated ? "派单员已指定本单位承办，不能退单" : "工单已不在办理中") : none,
    extend: own ? why(lead && t.status === "handling" && !pending,
      !lead ? "协办单位不能申请延期" : pending ? "已有延期申请待审批" : !own.signed_at ? "请先签收" : "工单已不在办理中") : none,
  };
}

// A refused action's inputs are shut with its button, so nothing invites typing that cannot be sent.
const INPUTS = { "btn-reply": ["reply-text"], "btn-return": ["return-reason", "return-unit"], "btn-extend": ["ext-days", "ext-reason"] };
function setButton(id, reason) {
  $(id).disabled = Boolean(reason);
  $(id).title = reason;
  for (const input of INPUTS[id] ?? []) $(input).disabled = Boolean(reason);
}

function showMine(t, may) {
  const { own, returned } = may;
  let line;
  if (own) {
    const role = own.role === "lead" ? "主办" : "协办";
    line = `本单位：${role}，${own.signed_at ? "已于 " + when(own.signed_at) + " 签收" : "尚未签收"}`;
    if (own.replied_at) line += `，已于 ${when(own.replied_at)} 答复`;
  } else if (returned) {
    line = `本单位已于 ${when(returned.returned_at)} 退单` + (t.status === "returned" ? "，等待派单员审核" : `，现由 ${t.lead_unit_name || "其他单位"} 办理`);
  } else {
    line = "本工单当前不由本单位办理";
  }
  text("d-mine", line);
  const ext = may.extension;
  const notice = $("d-extension");
  notice.classList.toggle("hidden", !ext);
  if (ext) {
    const days = ext.data?.working_days;
    notice.textContent = ext.action === "request_extension"
      ? `延期申请待审批：${days ?? ""} 个工作日（${when(ext.at)} 提交${ext.note ? "，理由：" + ext.note : ""}）`
      : `延期申请${ext.action === "approve_extension" ? "已批准" : "未获批准"}（${when(ext.at)}${ext.note ? "，" + ext.note : ""}）`;
    notice.className = "notice " + (ext.action === "request_extension" ? "pending" : ext.action === "approve_extension" ? "ok" : "error");
  }
}

function showResult(id) {
  const node = $("detail-result");
  const result = results.get(id);
  node.classList.toggle("hidden", !result);
  node.textContent = result ? result.message : "";
  node.className = "result" + (result ? (result.error ? " error" : " ok") : " hidden");
}

async function open(id) {
  if (id !== selected) $("reply-warning").hidden = true;
  let t;
  try {
    t = await api("/api/tickets/" + id);
  } catch (err) {
    toast("无法打开工单：" + explain(err), true);
    return;
  }
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
  const may = allowed(t);
  setButton("btn-sign", may.sign);
  setButton("btn-contact", may.contact);
  setButton("btn-reply", may.reply);
  setButton("btn-return", may.ret);
  setButton("btn-extend", may.extend);
  showMine(t, may);
  showResult(id);
  $("d-events").replaceChildren(...t.events.map((e) => el("li", {}, when(e.at), " ", e.actor_name, " ", e.action_label, e.note ? "：" + e.note : "")));
  for (const row of document.querySelectorAll("#inbox tr")) row.classList.toggle("selected", row.dataset.ticket === t.number);
}

/** POST an action on the selected ticket; ``intercept(err)`` true: the caller shows that refusal itself. */
async function act(path, body, done, intercept = () => false) {
  if (!selected) return false;
  const id = selected;
  const stamp = when(new Date().toISOString());
  try {
    const t = await api(`/api/tickets/${id}/${path}`, { method: "POST", body });
    const message = `${done}：${t.number}（${stamp}）`;
    results.set(id, { message, error: false });
    toast(message);
  } catch (err) {
    if (intercept(err)) return false;
    const message = `${done.replace(/^已/, "")}失败：${explain(err)}（${stamp}）`;
    results.set(id, { message, error: true });
    toast(message, true);
  }
  await loadInbox();
  await open(id);
  loadFigures();
  return !results.get(id).error;
}

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    status = tab.dataset.status;
    for (const other of document.querySelectorAll("[role=tab]")) other.setAttribute("aria-selected", String(other === tab));
    loadInbox();
  });
}
$("btn-sign").addEventListener("click", () => act("sign", undefined, "已签收"));
$("btn-contact").addEventListener("click", () => act("contact", { note: "已电话联系群众" }, "已记录联系群众"));
// The server checks a reply against the complaint (答非所问) and refuses a weak one until the
// clerk confirms it: the warning stays beside the reply, which is kept for mending.
async function sendReply(confirm) {
  const value = $("reply-text").value.trim();
  if (!value) { $("reply-text").focus(); toast("请填写办理结果", true); return; }
  $("reply-warning").hidden = true;
  const weak = (err) => {
    if (!(err instanceof ApiError && err.code === "ReplyNeedsConfirmation")) return false;
    $("reply-warning-text").textContent = err.message;
    $("reply-warning").hidden = false;
    $("reply-text").focus();
    return true;
  };
  if (await act("reply", { text: value, confirm_low_quality: confirm }, "已答复", weak)) $("reply-text").value = "";
}
$("btn-reply").addEventListener("click", () => sendReply(false));
$("btn-reply-anyway").addEventListener("click", () => sendReply(true));
$("btn-return").addEventListener("click", async () => {
  const reason = $("return-reason").value.trim();
  if (!reason) { $("return-reason").focus(); toast("请填写退单理由", true); return; }
  const unit = $("return-unit");
  const label = unit.value ? `已退单（建议由${unit.selectedOptions[0].textContent}承办）` : "已退单";
  if (await act("return", { reason, suggested_unit_code: unit.value || null }, label)) {
    $("return-reason").value = "";
    unit.value = "";
  }
});
$("btn-extend").addEventListener("click", async () => {
  const reason = $("ext-reason").value.trim();
  if (!reason) { $("ext-reason").focus(); toast("请填写延期理由", true); return; }
  const days = Number($("ext-days").value);
  if (await act("extension", { working_days: days, reason }, `已申请延期 ${days} 个工作日`)) $("ext-reason").value = "";
});

me = await api("/api/me").catch(() => null);
await Promise.all([loadInbox(), loadFigures(), loadUnits()]);
live("/ws/unit", () => { loadInbox(); loadFigures(); if (selected) open(selected); });
