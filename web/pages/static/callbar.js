// 通话条: the seat's state as the phone system reports it, and the buttons that apply to it.
// Every button's availability is worked out from the server's SeatView (GET /api/seats/me, again
// after each calls.seat message); a command's answer, never a guess, marks an attended transfer.
import { api, attempt, el, failure, NAMES, text, toast } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const DIRECTION = NAMES.call_direction;
const CONSULT_KEY = "hotline.consult.v1"; // an attended transfer in progress survives a reload
let seat = null;        // the latest SeatView
let consult = null;     // {linkedid, target, threeway}: set from the transfer commands' answers
let timer = null;
let asked = 0;          // the newest seat request: an older answer arriving late is dropped
const listeners = [];

export const currentSeat = () => seat;

/** The call the seat is talking on now, or null. */
export function liveCall() {
  return seat && seat.state === "talking" && seat.call ? seat.call : null;
}

/** Called with each new SeatView. */
export function onSeat(listener) { listeners.push(listener); }

/** POST a phone command; the server's Chinese detail goes to the toast either way. */
export async function command(path, body = {}, done) {
  try {
    const result = await api(path, { method: "POST", body });
    const detail = done ?? result?.detail;
    if (detail) toast(detail);
    return result;
  } catch (err) {
    toast("操作失败：" + failure(err), true);
    return undefined;
  }
}

function remember(value) {
  consult = value;
  try {
    if (value) sessionStorage.setItem(CONSULT_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(CONSULT_KEY);
  } catch {
    // session storage off: the transfer still goes on, only a reload forgets its buttons
  }
}
try { consult = JSON.parse(sessionStorage.getItem(CONSULT_KEY) || "null"); } catch { consult = null; }

function clock(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - new Date(since).getTime()) / 1000));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  const two = (n) => String(n).padStart(2, "0");
  return (h ? h + ":" : "") + two(m) + ":" + two(s);
}

function tick() {
  const call = liveCall();
  text("call-timer", call && call.answered_at ? clock(call.answered_at) : "");
}

function badge(s) {
  const call = s.call;
  const outbound = call && call.direction === "outbound";
  if (s.state === "ringing") return outbound ? "外呼振铃" : "来电振铃";
  if (s.state === "offline") return "离线（未签入）";
  if (s.state === "paused") return "示忙";
  return s.state_label;
}

/** A SeatView the server just sent with a command's answer: newer than any request in flight. */
function shown(s) {
  asked += 1;
  show(s);
}

function show(s) {
  seat = s;
  const call = s.call;
  const state = $("seat-state");
  state.textContent = badge(s);
  state.className = "badge state-" + s.state;
  state.dataset.state = s.state;
  text("seat-code", s.code);
  const onCall = call && ["ringing", "talking", "wrap_up"].includes(s.state);
  $("call-info").classList.toggle("hidden", !onCall);
  $("call-info").classList.toggle("ended", s.state === "wrap_up");
  if (onCall) {
    text("call-number", call.caller_number || "未显示号码");
    text("call-name", call.caller_name);
    text("call-direction", DIRECTION[call.direction] || call.direction);
    $("call-direction").className = "badge direction-" + call.direction;
  }
  if (consult && (!call || call.linkedid !== consult.linkedid || s.state !== "talking")) remember(null);
  let note = "";
  if (consult && consult.threeway) note = `三方通话：${consult.target}`;
  else if (consult) note = `咨询转接中：${consult.target}（来电人等待）`;
  else if (s.state === "ringing" && call && call.direction === "outbound") note = "请先接起话机";
  else if (s.state === "wrap_up") note = "通话已结束";
  text("call-transfer", note);
  let reason = "";
  if (s.pause_reason && s.state !== "wrap_up") reason = s.state === "paused" ? "（" + s.pause_reason + "）" : "（通话后示忙：" + s.pause_reason + "）";
  text("seat-reason", reason);
  tick();
  clearInterval(timer);
  if (liveCall()) timer = setInterval(tick, 1000);
  applyButtons();
  for (const listener of listeners) listener(s);
}

/** Enable exactly the buttons that apply to the seat's state now (all off before it is known). */
export function applyButtons() {
  const s = seat ? seat.state : null;
  const call = seat ? seat.call : null;
  const talking = s === "talking";
  const paused = Boolean(seat && seat.pause_reason);
  const enable = {
    "btn-answer": s === "ringing",
    "btn-hangup": talking || (s === "ringing" && call?.direction === "outbound"),
    "btn-blind": talking && !consult,
    "btn-attended": talking && !consult,
    "btn-xfer-complete": talking && Boolean(consult) && !consult.threeway,
    "btn-xfer-threeway": talking && Boolean(consult) && !consult.threeway,
    "btn-xfer-cancel": talking && Boolean(consult) && !consult.threeway,
    "btn-ready": s === "paused" || s === "wrap_up" || ((talking || s === "ringing") && paused),
    "btn-pause": s !== null && s !== "offline" && s !== "paused" && !((talking || s === "ringing") && paused),
    "btn-login": s === "offline",
    "btn-logoff": s === "ready" || s === "paused" || s === "wrap_up",
  };
  for (const [id, on] of Object.entries(enable)) {
    const button = $(id);
    if (button) button.disabled = !on;
  }
  // Placing a call: the server refuses while the seat rings or talks; say so before a click.
  const canDial = s !== null && s !== "ringing" && s !== "talking";
  for (const button of document.querySelectorAll("button[data-dial]")) {
    button.disabled = !canDial;
    button.title = canDial ? "" : "通话中不能外呼";
  }
  for (const button of document.querySelectorAll("[data-transfer]")) {
    button.disabled = !talking;
    button.title = talking ? "" : "当前没有通话，请在话机上转接";
  }
}

export async function refreshSeat() {
  const mine = ++asked;
  try {
    const fresh = await api("/api/seats/me");
    if (mine === asked) show(fresh);
  } catch (err) {
    seat = null;
    text("seat-state", "无坐席");
    applyButtons();
    toast("操作失败：" + failure(err), true);
  }
  return seat;
}

async function setState(state) {
  const reason = $("pause-reason").value;
  const done = await command("/api/seats/me/state", { state, reason }, state === "ready" ? "已示闲" : "已示忙：" + reason);
  if (done) shown(done);
}

async function queue(action) {
  const done = await command("/api/seats/me/" + action, {}, action === "login" ? "已签入" : "已签出");
  if (done) shown(done);
}

function target() {
  const picked = $("transfer-target").value;
  if (picked !== "other") return picked;
  return $("transfer-number").value.trim();
}

/** Transfer the live call: blind (直接转接) or attended (咨询转接: talk to the target first). */
export async function transferCall(to, mode) {
  const call = liveCall();
  if (!call) { toast("当前没有通话，请在话机上转接 " + to, true); return undefined; }
  if (!to) { toast("请选择转接目标或填写号码", true); $("transfer-target").focus(); return undefined; }
  const done = await command("/api/calls/transfer", { linkedid: call.linkedid, target: to, mode });
  if (done && mode === "attended") remember({ linkedid: call.linkedid, target: to, threeway: false });
  applyButtons();
  if (seat) show(seat);
  return done;
}

async function transferStep(step) {
  const call = liveCall();
  if (!call || !consult) return;
  const done = await command("/api/calls/transfer/step", { linkedid: call.linkedid, step });
  // A refusal means the phone system has no such transfer (any more): its buttons go too.
  if (done && step === "threeway") remember({ ...consult, threeway: true });
  else remember(null);
  if (seat) show(seat);
}

/** The picker's lines: the admin's transfer targets (by name; the server dials the extension),
 * then the units' own hotline numbers. Emergency numbers work typed or from the banner anyway. */
async function transferTargets(units) {
  const groups = { emergency: $("transfer-emergency"), expert: $("transfer-expert"), unit: $("transfer-units") };
  const targets = (await attempt(() => api("/api/transfer-targets"))) ?? [];
  for (const t of targets) {
    const label = t.kind === "emergency" ? `${t.extension} ${t.name}` : `${t.name} ${t.extension}`;
    groups[t.kind]?.append(el("option", { value: t.name }, label));
  }
  for (const u of units.filter((u) => u.hotline_number)) {
    groups.unit.append(el("option", { value: u.hotline_number }, `${u.short_name || u.name} ${u.hotline_number}`));
  }
  for (const group of Object.values(groups)) if (!group.children.length) group.remove();
}

/** Wire the bar's buttons; the page calls refreshSeat() when its live feed opens. */
export function startCallBar(units) {
  transferTargets(units);
  $("transfer-target").addEventListener("change", () => {
    const other = $("transfer-target").value === "other";
    $("transfer-number").classList.toggle("hidden", !other);
    if (other) $("transfer-number").focus();
  });
  $("btn-answer").addEventListener("click", () => command("/api/calls/answer"));
  $("btn-hangup").addEventListener("click", () => {
    const call = seat && seat.call;
    if (call) command("/api/calls/hangup", { linkedid: call.linkedid });
  });
  $("btn-blind").addEventListener("click", () => transferCall(target(), "blind"));
  $("btn-attended").addEventListener("click", () => transferCall(target(), "attended"));
  $("btn-xfer-complete").addEventListener("click", () => transferStep("complete"));
  $("btn-xfer-threeway").addEventListener("click", () => transferStep("threeway"));
  $("btn-xfer-cancel").addEventListener("click", () => transferStep("cancel"));
  $("btn-ready").addEventListener("click", () => setState("ready"));
  $("btn-pause").addEventListener("click", () => setState("paused"));
  $("btn-login").addEventListener("click", () => queue("login"));
  $("btn-logoff").addEventListener("click", () => queue("logoff"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "F2" && !$("btn-ready").disabled) { event.preventDefault(); setState("ready"); }
    if (event.key === "F3" && !$("btn-pause").disabled) { event.preventDefault(); setState("paused"); }
  });
}
