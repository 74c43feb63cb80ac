// 用户与锁定: staff accounts — add, edit, turn off and on, reset a password, lift a lockout.
import { api, attempt, el, fill, NAMES, toast, when } from "/static/common.js";
import { onShow, options } from "/static/admin/section.js";

// The roles people log in with, in the order the picker offers them; their names from the one table.
const ROLES = ["operator", "dispatcher", "supervisor", "admin", "unit"].map((role) => [role, NAMES.role[role]]);
const $ = (id) => document.getElementById(id);
let editing = null; // the account in the edit form

/** A button that asks once more ("确认停用？") before it acts: no dialogs on these pages. */
function confirming(label, question, action) {
  const button = el("button", { type: "button" }, label);
  let timer;
  button.addEventListener("click", () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "1";
      button.textContent = question;
      button.classList.add("danger");
      timer = setTimeout(() => { delete button.dataset.armed; button.textContent = label; button.classList.remove("danger"); }, 5000);
      return;
    }
    clearTimeout(timer);
    action();
  });
  return button;
}

/** Show the unit picker only for a unit user (other roles belong to no unit). */
function unitFor(roleSelect, unitSelect) {
  const holder = unitSelect.closest(".unit-pick");
  const sync = () => {
    const unit = roleSelect.value === "unit";
    holder.hidden = !unit;
    unitSelect.required = unit;
    if (!unit) unitSelect.value = "";
  };
  roleSelect.addEventListener("change", sync);
  return sync;
}

const syncAdd = unitFor($("user-role"), $("user-unit"));
const syncEdit = unitFor($("user-edit-role"), $("user-edit-unit"));
for (const select of document.querySelectorAll("#admin-users .role-picker")) options(select, ROLES);

async function loadUnits() {
  const units = await attempt(() => api("/api/admin/units"));
  if (!units) return;
  const pairs = units.filter((u) => u.active).map((u) => [u.code, u.name]);
  for (const select of document.querySelectorAll("#admin-users .unit-picker")) options(select, pairs, "请选择单位");
}

function lockCell(user) {
  if (!user.locked_until) return el("span", { class: "muted" }, "—");
  return el("span", { class: "badge card-red" }, `已锁定至 ${when(user.locked_until)}`);
}

async function act(path, done, body) {
  const user = await attempt(() => api(path, { method: "POST", body }), done);
  if (user) await load();
  return user;
}

function actions(user) {
  const base = `/api/admin/users/${user.id}`;
  const buttons = [el("button", { type: "button", onclick: () => edit(user) }, "编辑")];
  if (user.locked_until) buttons.push(el("button", { type: "button", onclick: () => act(`${base}/unlock`, `已解除 ${user.username} 的锁定`) }, "解锁"));
  buttons.push(user.active
    ? confirming("停用", "确认停用？", () => act(`${base}/deactivate`, `已停用 ${user.username}`))
    : el("button", { type: "button", onclick: () => act(`${base}/reactivate`, `已启用 ${user.username}`) }, "启用"));
  return el("div", { class: "inline" }, buttons);
}

function row(user) {
  return el("tr", { dataset: { username: user.username }, class: user.active ? "" : "inactive" },
    el("td", {}, user.username),
    el("td", {}, user.display_name),
    el("td", {}, user.role_label),
    el("td", {}, user.unit_name || "—"),
    el("td", {}, user.active ? el("span", { class: "badge state-ready" }, "启用") : el("span", { class: "badge state-offline" }, "停用")),
    el("td", {}, String(user.failed_logins)),
    el("td", {}, lockCell(user)),
    el("td", {}, actions(user)));
}

function edit(user) {
  editing = user;
  $("user-edit-who").textContent = `${user.display_name}（${user.username}）`;
  $("user-edit-name").value = user.display_name;
  $("user-edit-role").value = user.role;
  syncEdit();
  $("user-edit-unit").value = user.unit_code ?? "";
  $("user-edit-password").value = "";
  $("user-edit").hidden = false;
  $("user-edit-name").focus();
}

function closeEdit() { editing = null; $("user-edit").hidden = true; }

async function load() {
  const users = await attempt(() => api("/api/admin/users"));
  if (!users) return;
  fill("user-rows", users.map(row), "还没有用户");
}

$("user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    username: $("user-username").value.trim(),
    display_name: $("user-name").value.trim(),
    role: $("user-role").value,
    password: $("user-password").value,
    unit_code: $("user-unit").value || null,
  };
  const made = await attempt(() => api("/api/admin/users", { method: "POST", body }), `已新建用户 ${body.username}`);
  if (!made) return; // the form keeps what was typed
  $("user-form").reset();
  syncAdd();
  await load();
});

$("user-edit").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!editing) return;
  const body = { display_name: $("user-edit-name").value.trim(), role: $("user-edit-role").value, unit_code: $("user-edit-unit").value || null };
  const saved = await attempt(() => api(`/api/admin/users/${editing.id}`, { method: "PATCH", body }), `已保存 ${editing.username}`);
  if (!saved) return;
  closeEdit();
  await load();
});

$("user-edit-reset").addEventListener("click", async () => {
  if (!editing) return;
  const input = $("user-edit-password");
  if (input.value.length < 8) { toast("新密码至少 8 个字符", true); input.focus(); return; }
  const done = await act(`/api/admin/users/${editing.id}/password`, `已重置 ${editing.username} 的密码，其原有登录已失效`, { password: input.value });
  if (done) input.value = "";
});

$("user-edit-cancel").addEventListener("click", closeEdit);
syncAdd();

onShow("users", () => Promise.all([loadUnits(), load()]));
