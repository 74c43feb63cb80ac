// 接口密钥: Open311 partners' keys. A new key is shown once, here; the list shows only its prefix.
import { api, attempt, el, fill, toast, when } from "/static/common.js";
import { onShow } from "/static/admin/section.js";

const $ = (id) => document.getElementById(id);

function revokeButton(key) {
  // Two clicks: the first asks, the second revokes (no dialog boxes on these pages).
  const button = el("button", { type: "button", class: "danger" }, "吊销");
  button.addEventListener("click", async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "1";
      button.textContent = "确认吊销？";
      return;
    }
    const done = await attempt(() => api(`/api/admin/apikeys/${key.id}/revoke`, { method: "POST" }), `已吊销 ${key.partner} 的密钥`);
    if (done) load();
  });
  return button;
}

function row(key) {
  return el("tr", { dataset: { key: key.id }, class: key.revoked ? "muted" : undefined },
    el("td", {}, key.partner),
    el("td", {}, el("code", {}, `${key.prefix}…`)),
    el("td", {}, when(key.created_at), key.created_by_name ? el("div", { class: "muted" }, key.created_by_name) : ""),
    el("td", {}, key.last_used_at ? when(key.last_used_at) : "从未使用"),
    el("td", {}, key.revoked ? el("span", { class: "badge" }, `已吊销 ${when(key.revoked_at)}`) : "使用中"),
    el("td", {}, key.revoked ? "" : revokeButton(key)));
}

async function load() {
  const keys = await attempt(() => api("/api/admin/apikeys"));
  if (keys) fill("apikey-rows", keys.map(row), "尚未创建接口密钥");
}

function showKey(value) {
  $("apikey-value").textContent = value;
  $("apikey-new").hidden = !value;
}

onShow("apikeys", load);
$("apikey-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const partner = $("apikey-partner").value.trim();
  if (!partner) { toast("请填写合作方名称", true); return; }
  const created = await attempt(() => api("/api/admin/apikeys", { method: "POST", body: { partner } }), `已为 ${partner} 新建密钥`);
  if (!created) return;
  $("apikey-partner").value = "";
  showKey(created.key); // only in this page's memory: a reload shows it no more
  load();
});
$("apikey-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("apikey-value").textContent);
    toast("已复制到剪贴板");
  } catch {
    // No clipboard (plain http, or refused): select the text so Ctrl+C copies it.
    getSelection().selectAllChildren($("apikey-value"));
    toast("请按 Ctrl+C 复制已选中的密钥");
  }
});
$("apikey-dismiss").addEventListener("click", () => showKey(""));
