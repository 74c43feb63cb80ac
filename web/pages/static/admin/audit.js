// 操作日志: who changed what and when, with the values before and after; filters and the export.
import { api, attempt, el, fill, when } from "/static/common.js";
import { onShow } from "/static/admin/section.js";

const PAGE = 100;
let offset = 0;
let rows = [];

function query() {
  const params = new URLSearchParams();
  const pick = { action: "audit-action", target_kind: "audit-kind", target_id: "audit-target", start: "audit-start", end: "audit-end" };
  for (const [name, id] of Object.entries(pick)) {
    const value = document.getElementById(id).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

const show = (value) => (value === null || value === undefined || value === "" ? "（空）" : String(value));

function changes(entry) {
  const fields = entry.changed.length ? entry.changed : Object.keys(entry.after ?? entry.before ?? {});
  if (!fields.length) return entry.note;
  const lines = fields.map((field) => el("li", {}, `${field}：`,
    entry.before ? el("del", {}, show(entry.before[field])) : "", entry.before && entry.after ? " → " : "",
    entry.after ? el("ins", {}, show(entry.after[field])) : ""));
  return [el("ul", { class: "changes" }, lines), entry.note ? el("div", { class: "muted" }, entry.note) : ""];
}

function row(entry) {
  const target = [entry.target_kind_label, entry.target_label || entry.target_id].filter(Boolean).join(" · ");
  return el("tr", { dataset: { action: entry.action } },
    el("td", {}, when(entry.at)),
    el("td", {}, entry.actor_name || "（未登录）", el("div", { class: "muted" }, entry.actor_role_label)),
    el("td", {}, entry.action_label),
    el("td", {}, target),
    el("td", {}, changes(entry)),
    el("td", {}, entry.address));
}

async function load(more = false) {
  offset = more ? offset + PAGE : 0;
  const params = query();
  params.set("limit", PAGE);
  params.set("offset", offset);
  const page = await attempt(() => api(`/api/admin/audit?${params}`));
  if (!page) return;
  rows = more ? rows.concat(page.entries) : page.entries;
  fill("audit-rows", rows.map(row), "没有符合条件的记录");
  document.getElementById("audit-total").textContent = `共 ${page.total} 条`;
  document.getElementById("audit-more").hidden = rows.length >= page.total;
  document.getElementById("audit-export").href = `/api/admin/audit/export.xlsx?${query()}`;
}

onShow("audit", () => load());
document.getElementById("audit-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
document.getElementById("audit-more").addEventListener("click", () => load(true));
