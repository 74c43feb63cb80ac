// 坐席: the seats with their phones and who works at each; add a seat, assign an operator or nobody.
import { api, attempt, el, fill } from "/static/common.js";
import { onShow, options } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);

function row(seat, operators) {
  const picker = el("select", { "aria-label": `坐席 ${seat.code} 的话务员` });
  options(picker, operators, "（无人）");
  picker.value = seat.operator_username ?? "";
  const assign = el("button", { type: "button" }, "分配");
  assign.addEventListener("click", async () => {
    const username = picker.value || null;
    const name = picker.selectedOptions[0].text.replace(/，现在坐席 .*）$/, "）");
    const done = username ? `坐席 ${seat.code} 已分配给 ${name}` : `坐席 ${seat.code} 已改为无人`;
    const saved = await attempt(() => api(`/api/seats/${encodeURIComponent(seat.code)}/operator`, { method: "PUT", body: { username } }), done);
    if (saved) await load();
  });
  return el("tr", { dataset: { code: seat.code } },
    el("td", {}, seat.code),
    el("td", {}, seat.interface),
    el("td", {}, seat.name),
    el("td", {}, el("span", { class: `badge state-${seat.state}` }, seat.state_label)),
    el("td", {}, seat.operator_name || el("span", { class: "muted" }, "（无人）")),
    el("td", {}, el("div", { class: "inline" }, picker, assign)));
}

async function load() {
  const [seats, users] = await Promise.all([attempt(() => api("/api/admin/seats")), attempt(() => api("/api/admin/users"))]);
  if (!seats || !users) return;
  // An operator holds one seat: the picker says where each sits now, as assigning moves them.
  const at = new Map(seats.filter((s) => s.operator_username).map((s) => [s.operator_username, s.code]));
  const operators = users.filter((u) => u.role === "operator" && u.active)
    .map((u) => [u.username, `${u.display_name}（${u.username}${at.has(u.username) ? `，现在坐席 ${at.get(u.username)}` : ""}）`]);
  fill("seat-rows", seats.map((s) => row(s, operators)), "还没有坐席");
}

$("seat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { code: $("seat-code").value.trim(), interface: $("seat-interface").value.trim(), name: $("seat-name").value.trim() };
  const made = await attempt(() => api("/api/seats", { method: "POST", body }), `已添加坐席 ${body.code}`);
  if (!made) return;
  $("seat-form").reset();
  await load();
});

onShow("seats", load);
