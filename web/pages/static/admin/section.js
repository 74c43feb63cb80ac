// What each admin section shares: load when first shown, reload after a change.

/** Call load() the first time the section with this key is shown, and return a reload function. */
export function onShow(key, load) {
  const section = document.getElementById(`admin-${key}`);
  let loaded = false;
  section?.addEventListener("admin-show", () => {
    if (!loaded) { loaded = true; load(); }
  });
  return load;
}

/** A <select>'s options from [value, label] pairs, the first one optional ("" = none). */
export function options(select, pairs, none) {
  const node = typeof select === "string" ? document.getElementById(select) : select;
  const keep = node.value;
  node.replaceChildren();
  if (none !== undefined) node.append(new Option(none, ""));
  for (const [value, label] of pairs) node.append(new Option(label, value));
  if ([...node.options].some((o) => o.value === keep)) node.value = keep;
}
