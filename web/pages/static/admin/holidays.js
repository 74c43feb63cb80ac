// 节假日: a year's rest days and make-up working days (调休上班), the package's and the admin's.
import { api, attempt, el, fill, text, toast } from "/static/common.js";
import { onShow } from "/static/admin/section.js";
import { confirmButton } from "/static/admin/confirm.js";

const $ = (id) => document.getElementById(id);
let year = null;

function status(data) {
  const source = data.package_knows ? "内置节假日库已收录该年官方安排" : "内置节假日库未收录该年";
  const verdict = data.trustworthy ? "工作日时限按真实节假日计算" : "工作日时限按周一至周五计算";
  return `${data.year}年：${source}；已录入休息日 ${data.days_off} 天、调休上班 ${data.workdays} 天。${verdict}。`;
}

function show(data) {
  year = data.year;
  $("hol-year").value = data.year;
  const line = $("hol-status");
  line.textContent = status(data);
  line.className = data.trustworthy ? "ok" : "error";
  $("hol-warning").hidden = !data.warning;
  text("hol-warning", data.warning);
  const cells = (d) => [el("td", {}, d.day), el("td", {}, d.weekday), el("td", {}, d.kind_label), el("td", { class: "text" }, d.name || "（未命名）")];
  fill("hol-rows", data.overrides.map((d) => el("tr", { dataset: { day: d.day } }, ...cells(d),
    el("td", {}, confirmButton("删除", () => remove(d.day))))), `${data.year}年没有管理员录入的日子`);
  text("hol-package-title", `内置节假日库收录的安排（${data.package_days.length} 天）`);
  fill("hol-package-rows", data.package_days.map((d) => el("tr", {}, ...cells(d))), "内置节假日库未收录该年");
}

async function load(wanted) {
  const query = wanted ? `?year=${wanted}` : "";
  const data = await attempt(() => api(`/api/admin/holidays${query}`));
  if (data) show(data);
}

async function remove(day) {
  const data = await attempt(() => api(`/api/admin/holidays/${day}`, { method: "DELETE" }), `已删除 ${day} 的录入`);
  if (data) show(data);
}

async function save(event) {
  event.preventDefault();
  const start = $("hol-start").value, end = $("hol-end").value;
  if (!start) { toast("请选择开始日期", true); return; }
  if (end && end < start) { toast("结束日期不能早于开始日期", true); return; }
  const workday = $("hol-kind").value === "work";
  const body = { start, end: end || null, workday, name: $("hol-name").value.trim() };
  const span = end && end !== start ? `${start} 至 ${end}` : start;
  const data = await attempt(() => api("/api/admin/holidays", { method: "POST", body }),
    `已录入${workday ? "调休上班" : "休息日"}：${span} ${body.name}`);
  if (data) { show(data); $("hol-end").value = ""; }
}

onShow("holidays", () => load());
$("hol-form").addEventListener("submit", save);
$("hol-year-form").addEventListener("submit", (event) => { event.preventDefault(); load(Number($("hol-year").value) || year); });
