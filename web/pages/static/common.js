// Shared helpers for the hotline pages. Data is only ever put on the page with textContent
// (el() below): never innerHTML, so a caller's "<script>" stays text.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  /** ``code``: the server's machine-readable class of error (the body's "error"), e.g. "Conflict". */
  constructor(status, detail, code = "") { super(detail); this.status = status; this.code = code; }
}

/** fetch JSON from our API; state-changing requests carry the session's CSRF token. */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname); }
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = data && (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
    throw new ApiError(response.status, detail || response.statusText, data?.error ?? "");
  }
  return data;
}

/** Build an element: el("td", {class: "x", onclick: fn}, "text", child...). Text is always text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function fill(target, rows, empty = "无") {
  const node = typeof target === "string" ? document.getElementById(target) : target;
  // The "nothing here" row spans the whole table, however many columns its header has.
  const columns = node.closest?.("table")?.querySelector("thead tr")?.children.length || 6;
  node.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { class: "muted", colspan: columns }, empty))]));
}

export function text(id, value) { document.getElementById(id).textContent = value ?? ""; }

const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
export function when(iso) { return iso ? timeFormat.format(new Date(iso)) : ""; }

export function pct(value) { return value === null || value === undefined ? "—" : (value * 100).toFixed(2) + "%"; }

/** The Chinese names of the core's codes (hotline/names.py), put on every staff page by base.html. */
export const NAMES = JSON.parse(document.getElementById("names")?.textContent || "{}");
export const CARD = NAMES.card ?? {};

let toastTimer;
export function toast(message, error = false) {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.classList.remove("hidden");
  node.style.background = error ? "#b71c1c" : "#263238";
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.add("hidden"), 5000);
}

/** Run an action, show its error (if any) in a toast; returns the result or undefined. */
export async function attempt(action, done) {
  try {
    const result = await action();
    if (done) toast(done);
    return result;
  } catch (err) {
    toast("操作失败：" + failure(err), true);
    return undefined;
  }
}

/** A websocket to our server that reconnects, until the session ends; onMessage(topic, data). */
export function live(path, onMessage, onState = () => {}) {
  const SESSION_ENDED = 4401; // the server's close code when the session ended (web/routers/live.py)
  let delay = 500;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${path}`);
    socket.onopen = () => { delay = 500; onState(true); };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      onMessage(message.topic, message.data);
    };
    socket.onclose = (event) => {
      onState(false);
      if (event.code === SESSION_ENDED) { // reconnecting would only be refused: log in again
        window.location.href = "/login?next=" + encodeURIComponent(location.pathname);
        return;
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

const CJK = /[\u4e00-\u9fff]/;
/** What to tell a person about a failed request, in Chinese: the server's own words where it gave them. */
export function failure(err) {
  if (err instanceof ApiError) return CJK.test(err.message) ? err.message : `服务器未能完成操作（HTTP ${err.status}）`;
  return "无法连接服务器，请检查网络后重试";
}
