// 转接目标: the lines the seat page's transfer picker offers; add, edit, deactivate, delete.
import { api, attempt, el, fill, toast } from "/static/common.js";
import { onShow } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);
let editing = null; // the target being edited, or null: the form adds

function form(target) {
  editing = target;
  $("transfer-name").value = target ? target.name : "";
  $("transfer-extension").value = target ? target.extension : "";
  $("transfer-kind").value = target ? target.kind : "expert";
  $("transfer-order").value = target ? target.sort_order : 0;
  $("transfer-active").checked = target ? target.active : true;
  $("transfer-save").textContent = target ? "保存修改" : "添加";
  $("transfer-cancel").hidden = !target;
  if (target) $("transfer-name").focus();
}

function confirmed(label, ask, action) {
  // Two clicks: the first asks, the second acts (no dialog boxes on these pages).
  const button = el("button", { type: "button", class: "danger" }, label);
  button.addEventListener("click", () => {
    if (!button.dataset.armed) { button.dataset.armed = "1"; button.textContent = ask; return; }
    action();
  });
  return button;
}

async function change(target, body, done) {
  const saved = await attempt(() => api(`/api/admin/transfer-targets/${target.id}`, { method: "PATCH", body }), done);
  if (saved) load();
}

async function remove(target) {
  const gone = await attempt(() => api(`/api/admin/transfer-targets/${target.id}`, { method: "DELETE" }), `已删除 ${target.name}`);
  if (gone) { if (editing?.id === target.id) form(null); load(); }
}

function row(target) {
  return el("tr", { dataset: { target: target.name }, class: target.active ? undefined : "muted" },
    el("td", {}, target.kind_label),
    el("td", {}, target.name),
    el("td", {}, target.extension),
    el("td", {}, String(target.sort_order)),
    el("td", {}, target.active ? "启用" : el("span", { class: "badge" }, "已停用")),
    el("td", {}, el("span", { class: "inline" },
      el("button", { type: "button", onclick: () => form(target) }, "编辑"),
      el("button", { type: "button", onclick: () => change(target, { active: !target.active }, `${target.active ? "已停用" : "已启用"} ${target.name}`) },
        target.active ? "停用" : "启用"),
      confirmed("删除", "确认删除？", () => remove(target)))));
}

async function load() {
  const targets = await attempt(() => api("/api/admin/transfer-targets"));
  if (targets) fill("transfer-rows", targets.map(row), "尚无转接目标");
}

onShow("transfer", load);
$("transfer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const order = Number($("transfer-order").value || 0);
  if (!Number.isInteger(order)) { toast("排序应为整数", true); return; }
  const body = {
    name: $("transfer-name").value.trim(),
    extension: $("transfer-extension").value.trim(),
    kind: $("transfer-kind").value,
    sort_order: order,
    active: $("transfer-active").checked,
  };
  if (!body.name || !body.extension) { toast("请填写名称和号码", true); return; }
  const saved = editing
    ? await attempt(() => api(`/api/admin/transfer-targets/${editing.id}`, { method: "PATCH", body }), `已保存 ${body.name}`)
    : await attempt(() => api("/api/admin/transfer-targets", { method: "POST", body }), `已添加 ${body.name}`);
  if (!saved) return; // the form keeps what was typed
  form(null);
  load();
});
$("transfer-cancel").addEventListener("click", () => form(null));
