// 知识库: the articles operators answer from; expired ones are marked, searches see edits at once.
import { api, attempt, el, fill, text, toast, when } from "/static/common.js";
import { onShow, options } from "/static/admin/section.js";
import { confirmButton } from "/static/admin/confirm.js";

const $ = (id) => document.getElementById(id);
const BODY_MAX = 20000;
let editing = null;

function count() { text("kn-count", `${$("kn-body").value.length} / ${BODY_MAX} 字`); }

function open(article) {
  editing = article;
  $("kn-form").hidden = false;
  text("kn-form-title", article ? `编辑知识：${article.title}` : "新建知识");
  $("kn-title").value = article?.title ?? "";
  $("kn-keywords").value = article?.keywords ?? "";
  $("kn-unit").value = article?.owner_unit_id ? String(article.owner_unit_id) : "";
  $("kn-category").value = article?.category_id ? String(article.category_id) : "";
  $("kn-expires").value = article?.expires_on ?? "";
  $("kn-body").value = article?.body ?? "";
  count();
  $("kn-title").focus();
}

function close() { editing = null; $("kn-form").hidden = true; }

async function save(event) {
  event.preventDefault();
  const body = {
    title: $("kn-title").value.trim(),
    keywords: $("kn-keywords").value.trim(),
    owner_unit_id: $("kn-unit").value ? Number($("kn-unit").value) : null,
    category_id: $("kn-category").value ? Number($("kn-category").value) : null,
    expires_on: $("kn-expires").value || null,
    body: $("kn-body").value,
  };
  if (body.body.length > BODY_MAX) { toast(`正文最多 ${BODY_MAX} 字`, true); return; }
  const saved = editing
    ? await attempt(() => api(`/api/admin/knowledge/${editing.id}`, { method: "PUT", body }), "已保存知识：" + body.title)
    : await attempt(() => api("/api/admin/knowledge", { method: "POST", body }), "已新建知识：" + body.title);
  if (saved) { close(); load(); }
}

async function remove(article) {
  const done = await attempt(() => api(`/api/admin/knowledge/${article.id}`, { method: "DELETE" }), "已删除知识：" + article.title);
  if (done) { if (editing?.id === article.id) close(); load(); }
}

function row(article) {
  return el("tr", { class: article.expired ? "inactive" : "", dataset: { article: article.id } },
    el("td", { class: "text" }, article.title),
    el("td", { class: "text" }, article.keywords),
    el("td", {}, article.owner_unit_name),
    el("td", {}, article.category_name),
    el("td", {}, article.expires_on ?? "长期", article.expired ? el("span", { class: "badge card-red" }, "已过期") : null),
    el("td", {}, when(article.updated_at)),
    el("td", { class: "actions" },
      el("button", { type: "button", onclick: () => open(article) }, "编辑"),
      confirmButton("删除", () => remove(article))));
}

async function load() {
  const q = $("kn-q").value.trim();
  const found = await attempt(() => api(`/api/admin/knowledge?${new URLSearchParams({ q })}`));
  if (!found) return;
  options("kn-unit", found.units.map((u) => [String(u.id), u.name]), "（无）");
  options("kn-category", found.categories.map((c) => [String(c.id), c.name]), "（无）");
  fill("kn-rows", found.articles.map(row), q ? "没有符合条件的知识" : "知识库还是空的");
  text("kn-total", `共 ${found.articles.length} 条`);
}

onShow("knowledge", load);
$("kn-search").addEventListener("submit", (event) => { event.preventDefault(); load(); });
$("kn-new").addEventListener("click", () => open(null));
$("kn-cancel").addEventListener("click", close);
$("kn-form").addEventListener("submit", save);
$("kn-body").addEventListener("input", count);
