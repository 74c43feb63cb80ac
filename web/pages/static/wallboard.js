// 大屏: live over /ws/wallboard; charts with the locally served Apache ECharts.
import { el, live, pct } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const echarts = window.echarts;
const TEXT = "#e8eefc";
const charts = {};
const chart = (id) => (charts[id] ??= echarts ? echarts.init($(id), null, { renderer: "canvas" }) : null);
// The page's type follows the screen (wallboard.css sets the root font); the charts' pixel sizes follow it too.
const px = (n) => Math.round(n * parseFloat(getComputedStyle(document.documentElement).fontSize) / 16);
const axis = () => ({ axisLabel: { color: TEXT, fontSize: px(14) }, axisLine: { lineStyle: { color: "#3a5a92" } }, splitLine: { lineStyle: { color: "#1e3d73" } } });
let last = null;

function seconds(s) { return s >= 60 ? `${Math.floor(s / 60)}分${Math.round(s % 60)}秒` : `${Math.round(s)}秒`; }

function render(b) {
  last = b;
  $("clock").textContent = b.local_time;
  $("waiting").textContent = b.calls_waiting;
  $("longest").textContent = seconds(b.longest_wait_s);
  $("calls-today").textContent = b.calls_today;
  $("rate24").textContent = pct(b.answer_rate_24h.value);
  for (const tile of document.querySelectorAll(".kpi[data-key]")) {
    const f = b.figures[tile.dataset.key];
    tile.querySelector(".value").textContent = pct(f.value);
    const target = f.target;  // null for 解决率, which has no target: counts only
    tile.querySelector(".target").textContent = (target === null ? "" : `目标 ${pct(target)} · `) + `${f.numerator}/${f.denominator}`;
    tile.classList.toggle("below", target !== null && f.value !== null && f.value < target);
    tile.classList.toggle("met", target !== null && f.value !== null && f.value >= target);
  }
  const st = b.staffing;
  $("seats-needed").textContent = st.seats_needed ?? "—";
  $("seats-on").textContent = st.seats_on;
  $("level-now").textContent = st.level_now === null ? "—" : pct(st.level_now);
  $("staffing").classList.toggle("short", st.seats_needed !== null && st.seats_on < st.seats_needed);
  $("calls-hour").textContent = st.arrivals;
  $("aht").textContent = seconds(st.aht_s) + (st.aht_from === "default" ? "（默认）" : "");
  $("red").textContent = b.red_cards;
  $("yellow").textContent = b.yellow_cards;
  $("hotspots").replaceChildren(...(b.hot_spots.length ? b.hot_spots.map((h) => el("tr", {}, el("td", {}, h.district), el("td", {}, h.topic), el("td", {}, h.count + " 件")))
    : [el("tr", {}, el("td", {}, "暂无热点"))]));
  $("ranking").replaceChildren(...b.ranking.slice(0, 8).map((r) => el("tr", {}, el("td", {}, r.rank), el("td", {}, r.name), el("td", {}, r.volume), el("td", {}, pct(r.on_time)), el("td", {}, pct(r.satisfaction)), el("td", {}, pct(r.solve)))));
  $("recent").replaceChildren(...b.recent.slice(0, 5).map((t) => el("li", {}, `${t.number} ${t.district} `, t.title, ` · ${t.status_label}`)));
  if (!echarts) return;
  chart("chart-seats")?.setOption({
    tooltip: {}, legend: { show: false },
    series: [{ type: "pie", radius: ["40%", "70%"], label: { color: TEXT, fontSize: px(16), formatter: "{b} {c}", overflow: "none" },
      data: b.seats.filter((s) => s.count > 0).map((s) => ({ name: s.label, value: s.count })) }],
  });
  chart("chart-hours")?.setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0, right: px(10), textStyle: { color: TEXT, fontSize: px(14) }, data: ["今日", "昨日"] },
    grid: { left: px(50), right: px(20), top: px(40), bottom: px(30) },
    xAxis: { type: "category", data: [...Array(24).keys()].map((h) => h + "时"), ...axis() },
    yAxis: { type: "value", ...axis() },
    series: [
      { name: "今日", type: "bar", barMaxWidth: px(22), data: b.calls_per_hour_today, itemStyle: { color: "#4f8cff" } },
      { name: "昨日", type: "line", data: b.calls_per_hour_yesterday, itemStyle: { color: "#ffb74d" } },
    ],
  });
  const bars = (id, rows, color) => chart(id)?.setOption({
    grid: { left: px(110), right: px(30), top: px(10), bottom: px(20) },
    xAxis: { type: "value", ...axis() }, yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label), ...axis() },
    series: [{ type: "bar", barMaxWidth: px(26), data: rows.map((r) => r.count), itemStyle: { color }, label: { show: true, position: "right", color: TEXT, fontSize: px(12) } }],
  }, { replaceMerge: ["series", "yAxis"] });
  bars("chart-category", b.by_category, "#36c2a0");
  bars("chart-district", b.by_district, "#8c7cff");
}

live("/ws/wallboard", (topic, data) => { if (topic === "wallboard") render(data); }, (up) => {
  $("live").textContent = up ? "实时" : "重连中";
  $("live").classList.toggle("down", !up);
});
window.addEventListener("resize", () => {
  Object.values(charts).forEach((c) => c.resize());
  if (last) render(last);  // the charts' type and margins follow the new root font
});
