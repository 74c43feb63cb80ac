// An inline second-click confirmation, instead of a confirm() dialog: the first click asks
// "确认删除？", a second click within a few seconds acts, otherwise the button resets.
import { el } from "/static/common.js";

const WAIT_MS = 4000;

/** A button labelled `label` that runs `action` on a second click; `ask` is the question shown. */
export function confirmButton(label, action, ask = "确认删除？") {
  let timer;
  const button = el("button", { type: "button", class: "confirm" }, label);
  const reset = () => { clearTimeout(timer); button.textContent = label; button.classList.remove("danger"); delete button.dataset.armed; };
  button.addEventListener("click", async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "1";
      button.textContent = ask;
      button.classList.add("danger");
      timer = setTimeout(reset, WAIT_MS);
      return;
    }
    reset();
    button.disabled = true;
    try { await action(); } finally { button.disabled = false; }
  });
  return button;
}
