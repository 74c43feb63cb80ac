// 工单草稿: the seat's ticket form kept in this browser (localStorage) while the operator types,
// one draft per operator and call, so neither a reload nor the next call loses what was typed.
// Drafts hold citizens' words: they stay on this machine only and expire after a day.

const PREFIX = "hotline.draft.v1";
const MAX_AGE_MS = 24 * 3600 * 1000;

export class DraftStore {
  constructor(user, storage = window.localStorage) {
    this.user = user;
    this.storage = storage;
    this.prefix = `${PREFIX}:${user}:`;
    this.pointer = `${PREFIX}-active:${user}`;
  }

  /** Keep a draft (the form's fields, its call and ticket); false when the browser refuses. */
  save(id, draft) {
    try {
      this.storage.setItem(this.prefix + id, JSON.stringify({ ...draft, id, saved_at: Date.now() }));
      return true;
    } catch {
      return false; // storage full or switched off: the form itself still holds the text
    }
  }

  load(id) {
    const raw = id ? this.storage.getItem(this.prefix + id) : null;
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch {
      return null;
    }
  }

  remove(id) {
    this.storage.removeItem(this.prefix + id);
  }

  /** This operator's drafts, newest first; drafts past their age are dropped on the way. */
  list() {
    const drafts = [];
    for (let i = this.storage.length - 1; i >= 0; i -= 1) {
      const key = this.storage.key(i);
      if (!key || !key.startsWith(this.prefix)) continue;
      const draft = this.load(key.slice(this.prefix.length));
      if (!draft || Date.now() - draft.saved_at > MAX_AGE_MS) this.storage.removeItem(key);
      else drafts.push(draft);
    }
    return drafts.sort((a, b) => b.saved_at - a.saved_at);
  }

  /** Which draft the form showed last: the one a reload brings back. */
  get active() { return this.storage.getItem(this.pointer) || ""; }
  set active(id) {
    try {
      this.storage.setItem(this.pointer, id);
    } catch {
      // nothing to do: without storage there is nothing to restore either
    }
  }
}
