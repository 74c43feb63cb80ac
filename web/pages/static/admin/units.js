// 单位: member units, inactive ones too — filter, add, edit, take out of use and back.
import { api, attempt, debounce, el, fill } from "/static/common.js";
import { onShow, options } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);
// The form's fields (ids after the prefix) and the API's names for them.
const FIELDS = { name: "name", short: "short_name", kind: "kind", district: "district", parent: "parent_code", liaison: "liaison_name", phone: "liaison_phone", line: "hotline_number" };
let editing = null;

function read(prefix) {
  const body = {};
  for (const [id, field] of Object.entries(FIELDS)) body[field] = $(prefix + id).value.trim();
  body.parent_code = body.parent_code || null;
  return body;
}

function write(prefix, unit) {
  for (const [id, field] of Object.entries(FIELDS)) $(prefix + id).value = unit[field] ?? "";
}

async function loadParents() {
  const all = await attempt(() => api("/api/admin/units"));
  if (!all) return;
  const pairs = all.map((u) => [u.code, u.active ? u.name : `${u.name}（已停用）`]);
  for (const select of document.querySelectorAll("#admin-units .unit-parent")) options(select, pairs, "（无）");
}

async function change(unit, body, done) {
  const saved = await attempt(() => api(`/api/admin/units/${unit.id}`, { method: "PATCH", body }), done);
  if (saved) await Promise.all([load(), loadParents()]);
  return saved;
}

/** Asks once more before taking a unit out of use: no dialogs on these pages. */
function deactivate(unit) {
  const button = el("button", { type: "button" }, "停用");
  button.addEventListener("click", () => {
    if (button.dataset.armed) { change(unit, { active: false }, `已停用 ${unit.name}`); return; }
    button.dataset.armed = "1";
    button.textContent = "确认停用？";
    button.classList.add("danger");
  });
  return button;
}

function row(unit) {
  const toggle = unit.active ? deactivate(unit)
    : el("button", { type: "button", onclick: () => change(unit, { active: true }, `已启用 ${unit.name}`) }, "启用");
  return el("tr", { dataset: { code: unit.code }, class: unit.active ? "" : "inactive" },
    el("td", {}, unit.code),
    el("td", {}, unit.name),
    el("td", {}, unit.short_name),
    el("td", {}, unit.kind_label),
    el("td", {}, unit.district),
    el("td", {}, unit.parent_name),
    el("td", {}, unit.liaison_name),
    el("td", {}, unit.liaison_phone),
    el("td", {}, unit.hotline_number),
    el("td", {}, unit.active ? el("span", { class: "badge state-ready" }, "启用") : el("span", { class: "badge state-offline" }, "停用")),
    el("td", {}, el("div", { class: "inline" }, el("button", { type: "button", onclick: () => edit(unit) }, "编辑"), toggle)));
}

function edit(unit) {
  editing = unit;
  $("unit-edit-who").textContent = `${unit.name}（${unit.code}）`;
  write("unit-edit-", unit);
  $("unit-edit").hidden = false;
  $("unit-edit-name").focus();
}

function closeEdit() { editing = null; $("unit-edit").hidden = true; }

async function load() {
  const q = $("unit-filter").value.trim();
  const units = await attempt(() => api(`/api/admin/units?${new URLSearchParams({ q })}`));
  if (!units) return;
  fill("unit-rows", units.map(row), q ? "没有符合条件的单位" : "还没有单位");
  $("unit-total").textContent = `共 ${units.length} 个`;
}

$("unit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { code: $("unit-code").value.trim(), ...read("unit-") };
  const made = await attempt(() => api("/api/admin/units", { method: "POST", body }), `已新建单位 ${body.name}`);
  if (!made) return; // the form keeps what was typed
  $("unit-form").reset();
  await Promise.all([load(), loadParents()]);
});

$("unit-edit").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!editing) return;
  if (await change(editing, read("unit-edit-"), `已保存 ${editing.name}`)) closeEdit();
});

$("unit-edit-cancel").addEventListener("click", closeEdit);
$("unit-filter").addEventListener("input", debounce(load, 250));

onShow("units", () => Promise.all([loadParents(), load()]));
