// 类别与派单目录: the category tree; each row renames, moves, sets its default unit and 水电气暖.
import { api, attempt, el, fill, text, toast } from "/static/common.js";
import { onShow, options } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);
let data = { categories: [], units: [] };

const unitPairs = () => data.units.map((u) => [u.code, u.name]);
const parentPairs = (except) => data.categories.filter((c) => c.id !== except).map((c) => [String(c.id), c.path]);

function select(pairs, value, none, label) {
  const node = el("select", { "aria-label": label });
  options(node, pairs, none);
  node.value = value ?? "";
  return node;
}

async function save(category, fields) {
  const changes = {};
  const name = fields.name.value.trim();
  if (name !== category.name) changes.name = name;
  const parent = fields.parent.value ? Number(fields.parent.value) : null;
  if (parent !== category.parent_id) changes.parent_id = parent;
  if (fields.unit.value !== category.default_unit_code) changes.default_unit_code = fields.unit.value;
  if (fields.utility.checked !== category.utility) changes.utility = fields.utility.checked;
  if (!Object.keys(changes).length) { toast("没有修改"); return; }
  const saved = await attempt(() => api(`/api/admin/categories/${category.id}`, { method: "PATCH", body: changes }), "已保存类别：" + name);
  if (saved) load();
}

function row(category) {
  const fields = {
    name: el("input", { type: "text", value: category.name, maxlength: 64, "aria-label": "类别名称" }),
    parent: select(parentPairs(category.id), category.parent_id ? String(category.parent_id) : "", "（顶级类别）", "上级类别"),
    unit: select(unitPairs(), category.default_unit_code, "（不指定）", "派单单位"),
    utility: el("input", { type: "checkbox", checked: category.utility, "aria-label": "水电气暖" }),
  };
  const unknown = category.default_unit_code && !category.default_unit_name;
  return el("tr", { dataset: { code: category.code, search: `${category.path} ${category.code} ${category.default_unit_name}` } },
    el("td", { class: "text" }, category.path),
    el("td", {}, category.code),
    el("td", {}, fields.name),
    el("td", {}, fields.parent),
    el("td", {}, fields.unit, unknown ? el("div", { class: "error" }, `原单位「${category.default_unit_code}」已停用`) : null),
    el("td", {}, fields.utility),
    el("td", {}, el("button", { type: "button", onclick: () => save(category, fields) }, "保存")));
}

function filter() {
  const term = $("cat-filter").value.trim();
  let shown = 0;
  for (const tr of $("cat-rows").querySelectorAll("tr[data-code]")) {
    tr.hidden = Boolean(term) && !tr.dataset.search.includes(term);
    if (!tr.hidden) shown += 1;
  }
  text("cat-total", `共 ${data.categories.length} 个类别${term ? `，显示 ${shown} 个` : ""}`);
}

async function load() {
  const found = await attempt(() => api("/api/admin/categories"));
  if (!found) return;
  data = found;
  options("cat-parent", parentPairs(null), "上级：无（顶级类别）");
  options("cat-unit", unitPairs(), "派单单位：不指定");
  fill("cat-rows", data.categories.map(row), "还没有类别");
  filter();
}

async function create(event) {
  event.preventDefault();
  const body = {
    code: $("cat-code").value.trim(),
    name: $("cat-name").value.trim(),
    parent_id: $("cat-parent").value ? Number($("cat-parent").value) : null,
    default_unit_code: $("cat-unit").value,
    utility: $("cat-utility").checked,
  };
  const made = await attempt(() => api("/api/admin/categories", { method: "POST", body }), "已新建类别：" + body.name);
  if (made) { $("cat-code").value = ""; $("cat-name").value = ""; load(); }
}

onShow("categories", load);
$("cat-form").addEventListener("submit", create);
$("cat-filter").addEventListener("input", filter);
