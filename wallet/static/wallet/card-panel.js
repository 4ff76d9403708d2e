/* What the two card scripts share, as window.walletCardPanel: tokenize.js (the shop's own card
 * fields) and stripe-checkout.js (Stripe's card element) both bind the card-entry panel of
 * wallet/includes/card_entry.html. Load this script before either of them.
 *
 * - enableScriptOnly(form): entering a new card works only with a script, so the controls
 *   marked data-needs-js (the "Pay with a new card" option) are enabled once one runs.
 * - followNewCardChoice(form, panel): the panel shows only while "Pay with a new card"
 *   (data-new-card-radio) is chosen. Returns a function that says whether a new card is being
 *   entered: always, on a form without that option (adding or updating a card).
 * - showFieldError(field, output, message): shows a field's error message in its output and
 *   marks the field invalid; an empty message clears both, except a field the server marked
 *   invalid (data-server-invalid) stays so.
 */
(function () {
  "use strict";

  function enableScriptOnly(form) {
    form.querySelectorAll("[data-needs-js]").forEach(function (element) {
      element.disabled = false;
      element.removeAttribute("data-needs-js");
    });
  }

  function followNewCardChoice(form, panel) {
    var newRadio = form.querySelector("[data-new-card-radio]");

    function chosen() {
      return !newRadio || newRadio.checked;
    }

    function sync() {
      if (newRadio && panel) panel.hidden = !newRadio.checked;
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "payment_method") sync();
    });
    sync();
    return chosen;
  }

  function showFieldError(field, output, message) {
    if (message) {
      field.setAttribute("aria-invalid", "true");
      output.textContent = message;
      output.hidden = false;
    } else {
      if (!field.hasAttribute("data-server-invalid")) field.removeAttribute("aria-invalid");
      output.textContent = "";
      output.hidden = true;
    }
  }

  window.walletCardPanel = {
    enableScriptOnly: enableScriptOnly,
    followNewCardChoice: followNewCardChoice,
    showFieldError: showFieldError
  };
})();
