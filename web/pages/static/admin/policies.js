// 时限规则: the policies in the order they are tried, an editor, and which rule a ticket gets.
import { api, attempt, el, fill, text, toast } from "/static/common.js";
import { onShow } from "/static/admin/section.js";
import { confirmButton } from "/static/admin/confirm.js";

const $ = (id) => document.getElementById(id);
const CRITERIA = ["nature", "urgency", "channel", "utility", "complex"];
let editing = null; // the policy being edited, or null for a new one

const tri = (value) => (value === "" ? null : value === "true");
const triValue = (value) => (value === null || value === undefined ? "" : String(value));

function formBody() {
  return {
    name: $("pol-name").value.trim(),
    priority: Number($("pol-priority").value || 0),
    nature: $("pol-nature").value || null,
    urgency: $("pol-urgency").value || null,
    channel: $("pol-channel").value || null,
    utility: tri($("pol-utility").value),
    complex: tri($("pol-complex").value),
    sign_amount: Number($("pol-sign-amount").value),
    sign_unit: $("pol-sign-unit").value,
    handle_amount: Number($("pol-handle-amount").value),
    handle_unit: $("pol-handle-unit").value,
    active: $("pol-active").checked,
  };
}

/** The policy as the API takes it (for 停用/启用 from the list). */
const bodyOf = (p) => Object.fromEntries(["name", "priority", ...CRITERIA, "sign_amount", "sign_unit", "handle_amount", "handle_unit", "active"].map((k) => [k, p[k]]));

function edit(policy) {
  editing = policy;
  text("pol-form-title", policy ? `编辑规则：${policy.name}` : "新建规则");
  $("pol-cancel").hidden = !policy;
  const p = policy ?? { name: "", priority: 0, sign_amount: 1, sign_unit: "working_days", handle_amount: 7, handle_unit: "working_days", active: true };
  $("pol-name").value = p.name;
  $("pol-priority").value = p.priority;
  for (const key of ["nature", "urgency", "channel", "utility", "complex"]) $(`pol-${key}`).value = triValue(p[key]);
  $("pol-sign-amount").value = p.sign_amount;
  $("pol-sign-unit").value = p.sign_unit;
  $("pol-handle-amount").value = p.handle_amount;
  $("pol-handle-unit").value = p.handle_unit;
  $("pol-active").checked = p.active;
  if (policy) $("pol-name").focus();
}

async function save(event) {
  event.preventDefault();
  const body = formBody();
  if (!Number.isInteger(body.sign_amount) || body.sign_amount < 1 || !Number.isInteger(body.handle_amount) || body.handle_amount < 1) {
    toast("时限应为不小于 1 的整数", true);
    return;
  }
  const saved = editing
    ? await attempt(() => api(`/api/admin/policies/${editing.id}`, { method: "PUT", body }), "已保存规则：" + body.name)
    : await attempt(() => api("/api/admin/policies", { method: "POST", body }), "已新建规则：" + body.name);
  if (saved) { edit(null); load(); }
}

async function toggle(policy) {
  const body = { ...bodyOf(policy), active: !policy.active };
  const done = await attempt(() => api(`/api/admin/policies/${policy.id}`, { method: "PUT", body }), (body.active ? "已启用：" : "已停用：") + policy.name);
  if (done) load();
}

async function remove(policy) {
  const done = await attempt(() => api(`/api/admin/policies/${policy.id}`, { method: "DELETE" }), "已删除规则：" + policy.name);
  if (done) { if (editing?.id === policy.id) edit(null); load(); }
}

function row(policy) {
  return el("tr", { class: policy.active ? "" : "inactive", dataset: { policy: policy.name } },
    el("td", {}, String(policy.priority)),
    el("td", { class: "text" }, policy.name),
    el("td", {}, policy.criteria_label),
    el("td", {}, policy.sign_label),
    el("td", {}, policy.handle_label),
    el("td", {}, policy.active ? "启用" : el("span", { class: "badge" }, "已停用")),
    el("td", { class: "actions" },
      el("button", { type: "button", onclick: () => edit(policy) }, "编辑"),
      el("button", { type: "button", onclick: () => toggle(policy) }, policy.active ? "停用" : "启用"),
      confirmButton("删除", () => remove(policy))));
}

async function preview() {
  const params = new URLSearchParams({
    nature: $("pv-nature").value, urgency: $("pv-urgency").value, channel: $("pv-channel").value,
    utility: $("pv-utility").checked, complex: $("pv-complex").checked,
  });
  const found = await attempt(() => api(`/api/admin/policies/preview?${params}`));
  text("pv-result", found ? `适用「${found.name}」：签收 ${found.sign_label}，办理 ${found.handle_label}` : "");
}

async function load() {
  const found = await attempt(() => api("/api/admin/policies"));
  if (!found) return;
  fill("pol-rows", found.policies.map(row), "没有时限规则");
  preview();
}

onShow("policies", load);
$("pol-form").addEventListener("submit", save);
$("pol-cancel").addEventListener("click", () => edit(null));
$("pol-preview").addEventListener("change", preview);
$("pol-preview").addEventListener("submit", (event) => { event.preventDefault(); preview(); });
