// 统计报表: period figures, breakdowns by unit, district and category, ranking, XLSX export.
import { api, attempt, el, fill, pct } from "/static/common.js";

const $ = (id) => document.getElementById(id);

function range() {
  const params = new URLSearchParams();
  if ($("start").value) params.set("start", $("start").value);
  if ($("end").value) params.set("end", $("end").value);
  return params;
}
const row = (r) => el("tr", {}, el("td", {}, r.label || "—"), el("td", {}, r.created), el("td", {}, pct(r.rates.on_time.value)),
  el("td", {}, pct(r.rates.satisfaction.value)), el("td", {}, pct(r.rates.solve.value)), el("td", {}, pct(r.rates.response.value)));

async function load(event) {
  event?.preventDefault();
  const params = range();
  $("export").href = "/api/reports/export.xlsx?" + params;
  const [totals, units, districts, categories, ranking, pairs] = await Promise.all([
    attempt(() => api("/api/reports/period?" + params)),
    api("/api/reports/breakdown?by=unit&" + params).catch(() => []),
    api("/api/reports/breakdown?by=district&" + params).catch(() => []),
    api("/api/reports/breakdown?by=category&" + params).catch(() => []),
    api("/api/reports/ranking?" + params).catch(() => []),
    api("/api/reports/ping-pong?" + params).catch(() => []),
  ]);
  if (totals) {
    const figure = (label, value) => el("div", { class: "figure" }, label, el("b", {}, value));
    $("totals").replaceChildren(
      figure("呼入", totals.calls.offered), figure("接通率", pct(totals.calls.answer_rate.value)),
      figure("15秒接通率", pct(totals.calls.service_level.value)), figure("受理工单", totals.counts.created),
      figure("按时办结率", pct(totals.rates.on_time.value)), figure("回访率", pct(totals.rates.callback.value)),
      figure("满意率", pct(totals.rates.satisfaction.value)), figure("解决率", pct(totals.rates.solve.value)),
      figure("响应率", pct(totals.rates.response.value)));
  }
  fill("by-unit", units.map(row));
  fill("by-district", districts.map(row));
  fill("by-category", categories.map(row));
  fill("pingpong-pairs", pairs.map((p) => el("tr", {}, el("td", {}, p.unit_a), el("td", {}, p.unit_b), el("td", {}, p.tickets))), "没有来回推诿");
  fill("ranking", ranking.map((u) => el("tr", {}, el("td", {}, u.rank), el("td", {}, u.name), el("td", {}, u.volume),
    ...[u.on_time, u.satisfaction, u.solve, u.response].map((f) => el("td", {}, pct(f.value))), el("td", {}, u.score.toFixed(3)))));
}
$("period-form").addEventListener("submit", load);
load();
