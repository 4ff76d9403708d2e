// The admin's autocomplete widgets (select2) draw a combobox named only by its current value,
// which is empty until something is chosen: name each one by its field's label, then its value.
"use strict";
window.addEventListener("load", () => {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const container = select.nextElementSibling;
    const combobox = container && container.querySelector(".select2-selection[role=combobox]");
    const rendered = container && container.querySelector(".select2-selection__rendered");
    if (!label || !combobox || !rendered) return;
    label.id = label.id || `${select.id}-label`;
    rendered.setAttribute("role", "none");
    rendered.removeAttribute("aria-readonly");
    combobox.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
  });
});
