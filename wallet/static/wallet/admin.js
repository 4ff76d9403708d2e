// The admin's autocomplete widgets (select2) draw a combobox named only by its current value,
// which is empty until something is chosen: name each one by its field's label, then its value.
// select2 draws them after the page loads, so every combobox is named as it appears.
"use strict";
(() => {
  const name = () => {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = document.querySelector(`label[for="${select.id}"]`);
      const container = select.nextElementSibling;
      const combobox = container && container.querySelector(".select2-selection[role=combobox]");
      const rendered = container && container.querySelector(".select2-selection__rendered");
      if (!label || !combobox || !rendered || combobox.dataset.walletNamed) return;
      label.id = label.id || `${select.id}-label`;
      rendered.setAttribute("role", "none");
      rendered.removeAttribute("aria-readonly");
      combobox.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
      combobox.dataset.walletNamed = "1";
    });
  };
  document.addEventListener("DOMContentLoaded", () => {
    name();
    new MutationObserver(name).observe(document.body, { childList: true, subtree: true });
  });
})();
