// The admin page's tabs: one section shown at a time, chosen by the URL's #hash. A section's
// script loads its data when it is first shown (onShow below), not all at page load.

const sections = () => [...document.querySelectorAll(".admin-section")];

function show() {
  const wanted = location.hash.slice(1);
  const all = sections();
  const current = all.find((s) => s.dataset.section === wanted) ?? all[0];
  if (!current) return;
  for (const section of all) section.hidden = section !== current;
  for (const link of document.querySelectorAll(".tabs a")) {
    link.setAttribute("aria-current", link.dataset.section === current.dataset.section ? "page" : "false");
  }
  current.dispatchEvent(new CustomEvent("admin-show", { bubbles: false }));
}

window.addEventListener("hashchange", show);
// Section scripts are modules too and run after this one: let them register first.
window.addEventListener("load", show);
