// 分派模型: retrain from the city's own tickets in the background, read each version's held-out
// report beside the model in use, promote or roll back with a second click.
import { api, attempt, el, fill, when } from "/static/common.js";
import { confirmButton } from "/static/admin/confirm.js";
import { onShow } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1500;
const STATUS = { idle: "尚未训练", running: "训练中", succeeded: "训练完成", failed: "训练失败", interrupted: "训练中断" };
let poller;

const pct = (figures, key) => (figures && figures[key] !== undefined ? `${(figures[key] * 100).toFixed(1)}%` : "—");

function showJob(job) {
  const box = $("models-job");
  const parts = [STATUS[job.status] ?? job.status];
  if (job.status === "running") parts.push(`${job.stage}（${Math.round(job.progress * 100)}%）`);
  if (job.started_at) parts.push(`开始于 ${when(job.started_at)}${job.by ? `，由 ${job.by} 发起` : ""}`);
  if (job.status === "succeeded" && job.version) parts.push(`候选版本 ${job.version}`);
  if (job.error) parts.push(job.error);
  box.replaceChildren(el("span", { class: job.status === "failed" || job.status === "interrupted" ? "error" : "" }, parts.join(" · ")));
  box.dataset.status = job.status;
  $("models-retrain").disabled = job.status === "running";
}

function showDetail(item) {
  const classes = item.report.candidate?.per_class ?? [];
  $("models-detail-version").textContent = item.version;
  fill("models-classes", classes.map((c) => el("tr", {},
    el("td", {}, c.name ? `${c.name}（${c.label}）` : c.label),
    el("td", {}, pct(c, "precision")), el("td", {}, pct(c, "recall")), el("td", {}, pct(c, "f1")),
    el("td", {}, String(c.support)))), "无");
  $("models-detail").hidden = false;
  $("models-detail").open = true;
}

function row(item) {
  const r = item.report;
  const cand = r.candidate;
  const active = r.active;
  const compared = active
    ? `${active.version ?? "随系统发布的模型"}：macro-F1 ${pct(active, "macro_f1")}，top-1 ${pct(active, "top1")}，top-3 ${pct(active, "top3")}`
    : "—";
  const promote = item.active ? "" : confirmButton("启用", async () => {
    const done = await attempt(() => api(`/api/admin/models/${encodeURIComponent(item.version)}/promote`, { method: "POST" }), `已启用模型 ${item.version}`);
    if (done) show(done);
  }, "确认启用？");
  return el("tr", { dataset: { version: item.version }, class: item.active ? "current" : undefined },
    el("td", {}, item.version, r.created_at ? el("div", { class: "muted" }, `${when(r.created_at)}${r.created_by ? ` · ${r.created_by}` : ""}`) : ""),
    el("td", {}, `${r.n_train ?? "?"} / ${r.n_test ?? "?"}`, el("div", { class: "muted" }, `已办结 ${r.n_closed ?? "?"}，改派 ${r.n_corrections ?? "?"}，${r.classes ?? "?"} 个单位`)),
    el("td", {}, pct(cand, "macro_f1")), el("td", {}, pct(cand, "top1")), el("td", {}, pct(cand, "top3")),
    el("td", {}, compared),
    el("td", {}, item.active ? el("span", { class: "badge" }, "在用") : "候选"),
    el("td", {}, el("button", { type: "button", onclick: () => showDetail(item) }, "各单位"), promote));
}

function show(data) {
  $("models-active").textContent = data.active_label;
  fill("models-rows", data.versions.map(row), "还没有训练过的候选模型");
  const rollback = confirmButton("回退到上一个模型", async () => {
    const done = await attempt(() => api("/api/admin/models/rollback", { method: "POST" }), "已回退到上一个模型");
    if (done) show(done);
  }, "确认回退？");
  $("models-rollback-slot").replaceChildren(data.can_rollback ? rollback : "");
  showJob(data.job);
  if (data.job.status === "running") watch();
}

async function load() {
  const data = await attempt(() => api("/api/admin/models"));
  if (data) show(data);
}

function watch() {
  if (poller) return;
  poller = setInterval(async () => {
    const job = await attempt(() => api("/api/admin/models/job"));
    if (!job) return;
    showJob(job);
    if (job.status !== "running") {
      clearInterval(poller);
      poller = undefined;
      load();
    }
  }, POLL_MS);
}

onShow("models", load);
$("models-retrain").addEventListener("click", async () => {
  const job = await attempt(() => api("/api/admin/models/retrain", { method: "POST" }), "已开始训练，可离开本页，训练在后台继续");
  if (!job) return;
  showJob(job);
  watch();
});
