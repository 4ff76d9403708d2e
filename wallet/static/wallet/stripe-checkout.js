/* The storefront's side of Stripe: Stripe.js makes the card's PaymentMethod, the shop never
 * sees the card number.
 *
 * - On the payment page of a Stripe order (form[data-stripe-form]), "Pay with a new card" shows
 *   Stripe's card element. On submit Stripe.js turns it into a PaymentMethod, and only its id
 *   (pm_…) and the holder's name are posted. Where Stripe.js cannot make a PaymentMethod
 *   directly (a stand-in such as localstripe's), a SetupIntent from the shop makes it.
 * - The wallet's "Add card" with Stripe (form[data-stripe-form][data-setup-only]) always
 *   confirms a SetupIntent of the customer's Stripe Customer (3-D Secure included if the bank
 *   asks), then posts the PaymentMethod's id.
 * - On the 3-D Secure page of a Stripe order (form[data-stripe-authenticate]), Stripe.js runs the
 *   bank's challenge at once (handleNextAction, or confirmCardPayment), then the form is posted so
 *   the shop reads the outcome from Stripe and completes the order.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function message(error, fallback) {
    return (error && error.message) || fallback;
  }

  /* Resolve to {paymentMethod: {id}} or {error}. */
  function makePaymentMethod(stripe, card, form, holder) {
    var details = { name: holder };
    var direct = form.hasAttribute("data-setup-only")
      ? null
      : stripe.createPaymentMethod({ type: "card", card: card, billing_details: details });
    return Promise.resolve(direct).then(function (result) {
      if (result && (result.paymentMethod || result.error)) return result;
      return fetch(form.getAttribute("data-setup-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) }
      })
        .then(function (response) {
          if (!response.ok) throw new Error("setup intent " + response.status);
          return response.json();
        })
        .then(function (data) {
          return stripe.confirmCardSetup(data.client_secret, {
            payment_method: { card: card, billing_details: details }
          });
        })
        .then(function (setup) {
          if (setup.error) return { error: setup.error };
          return { paymentMethod: { id: setup.setupIntent.payment_method } };
        });
    });
  }

  function setBusy(form, busy) {
    var button = form.querySelector("[data-pay-button]");
    var status = form.querySelector("[data-live-status]");
    if (!button) return;
    var label = button.querySelector("[data-button-label]") || button;
    if (busy) {
      button.setAttribute("data-idle-label", label.textContent);
      label.textContent = button.getAttribute("data-busy-label") || label.textContent;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      if (status) status.textContent = status.getAttribute("data-busy-message") || "";
    } else {
      label.textContent = button.getAttribute("data-idle-label") || label.textContent;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function bindCheckout(form) {
    if (typeof window.Stripe !== "function") return;
    var panels = window.walletCardPanel;
    var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
    var mount = form.querySelector("[data-stripe-card]");
    var panel = form.querySelector("[data-card-panel]");
    var errorOutput = form.querySelector("[data-stripe-error]");
    var holderInput = form.querySelector("[data-card-holder]");
    var tokenOutput = form.querySelector("[data-token-output]");
    var holderOutput = form.querySelector("[data-holder-output]");
    var card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount(mount);

    panels.enableScriptOnly(form);
    var newCardChosen = panels.followNewCardChoice(form, panel);
    var holderError = form.querySelector('[data-error-for="card-holder"]');

    var ready = false;
    form.addEventListener("submit", function (event) {
      if (ready || !newCardChosen()) {
        if (!ready) tokenOutput.value = "";
        return;
      }
      event.preventDefault();
      var holder = holderInput.value.trim();
      if (!holder) {
        var required = panel.getAttribute("data-msg-holder-required");
        panels.showFieldError(holderInput, holderError, required);
        holderInput.focus();
        return;
      }
      panels.showFieldError(holderInput, holderError, "");
      panels.showFieldError(mount, errorOutput, "");
      setBusy(form, true);
      makePaymentMethod(stripe, card, form, holder)
        .then(function (result) {
          if (result.error) throw result.error;
          tokenOutput.value = result.paymentMethod.id;
          holderOutput.value = holder;
          ready = true;
          form.setAttribute("data-submitted", "true");
          form.submit();
        })
        .catch(function (error) {
          setBusy(form, false);
          var fallback = panel.getAttribute("data-msg-number-invalid");
          panels.showFieldError(mount, errorOutput, message(error, fallback));
          mount.focus();
        });
    });
  }

  function bindAuthentication(form) {
    if (typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
    var secret = form.getAttribute("data-client-secret");
    var running = false;

    function challenge() {
      if (running) return;
      running = true;
      // No challenge left at Stripe (answered in another tab, say): let the shop read the outcome.
      if (!secret) return form.submit();
      var action = stripe.handleNextAction
        ? stripe.handleNextAction({ clientSecret: secret })
        : stripe.confirmCardPayment(secret);
      // Whatever Stripe.js says, the shop asks Stripe for the outcome: post the form.
      Promise.resolve(action).then(
        function () {
          form.submit();
        },
        function () {
          form.submit();
        }
      );
    }

    form.addEventListener("submit", function (event) {
      if (running) return;
      event.preventDefault();
      challenge();
    });
    if (!form.hasAttribute("data-retry")) challenge();
  }

  document.querySelectorAll("form[data-stripe-form]").forEach(bindCheckout);
  document.querySelectorAll("form[data-stripe-authenticate]").forEach(bindAuthentication);
})();
