/* Storefront behaviour shared by every wallet page.
 *
 * - Forms marked data-submit-once disable their submit button after the first submission, so a
 *   double click sends one request (the server refuses a second payment anyway).
 * - An error summary (or the field at fault) marked data-autofocus takes the focus, so screen
 *   readers announce it.
 * - A live region marked data-live-status says what is happening: its data-busy-message
 *   ("Processing payment…") when its form is sent, and its data-outcome (a decline, say)
 *   once the page that answered is shown.
 */
(function () {
  "use strict";

  function lock(form) {
    form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (button) {
      var label = button.getAttribute("data-busy-label");
      var target = button.querySelector("[data-button-label]") || button;
      if (label) {
        button.setAttribute("data-idle-label", target.textContent);
        target.textContent = label;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
    form.setAttribute("data-submitted", "true");
    var status = form.querySelector("[data-live-status]");
    if (status && status.getAttribute("data-busy-message")) {
      status.textContent = status.getAttribute("data-busy-message");
    }
  }

  function unlock(form) {
    form.removeAttribute("data-submitted");
    form.querySelectorAll("button[aria-busy]").forEach(function (button) {
      var target = button.querySelector("[data-button-label]") || button;
      var idle = button.getAttribute("data-idle-label");
      if (idle) {
        target.textContent = idle;
      }
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  // Listens on the document, so it runs after the form's own submit handlers and can tell
  // whether one of them cancelled the submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-submit-once]")) {
      return;
    }
    if (form.getAttribute("data-submitted") === "true") {
      event.preventDefault();
      return;
    }
    if (!event.defaultPrevented) {
      lock(form);
    }
  });

  // Coming back with the back button shows the page from the cache: make it usable again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-submitted]").forEach(unlock);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) {
      summary.focus();
    }
    // Filled a moment after load: a live region's first content is not always announced.
    document.querySelectorAll("[data-live-status][data-outcome]").forEach(function (status) {
      window.setTimeout(function () {
        status.textContent = status.getAttribute("data-outcome");
      }, 250);
    });
  });
})();
