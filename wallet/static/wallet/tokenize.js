/* The test gateway's browser "SDK": turns a new card into a payment token in the browser.
 *
 * The card number and CVC inputs have no name attribute, so the browser never submits them.
 * On submit this script checks the card, detects its brand, and writes only
 *   tok_test_<brand>_<last4>_<MMYY>
 * (the format wallet/gateways/test.py reads) and the holder's name into hidden inputs.
 * The test card 4000 0000 0000 0002 gets a token the test gateway declines, and
 * 4000 0027 6000 3184 one that asks for 3-D Secure (the storefront's challenge page).
 */
(function () {
  "use strict";

  var DECLINED_TEST_CARDS = ["4000000000000002"];
  var THREE_D_SECURE_TEST_CARDS = ["4000002760003184", "4000000000003220"];
  var BRAND_NAMES = {
    visa: "Visa",
    mastercard: "Mastercard",
    amex: "American Express",
    discover: "Discover",
    other: "Card"
  };

  function digitsOf(value) {
    return String(value || "").replace(/\D/g, "");
  }

  function detectBrand(digits) {
    if (/^3[47]/.test(digits)) return "amex";
    if (/^4/.test(digits)) return "visa";
    if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return "mastercard";
    if (/^(6011|65|64[4-9])/.test(digits)) return "discover";
    return "other";
  }

  function luhnValid(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var n = Number(digits.charAt(digits.length - 1 - i));
      if (i % 2 === 1) {
        n *= 2;
        if (n > 9) n -= 9;
      }
      sum += n;
    }
    return sum % 10 === 0;
  }

  function formatNumber(digits, brand) {
    if (brand === "amex") {
      return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)].filter(Boolean).join(" ");
    }
    return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
  }

  function parseExpiry(value) {
    var match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(String(value || ""));
    if (!match) return null;
    var month = Number(match[1]);
    var year = Number(match[2]);
    if (year < 100) year += 2000;
    if (month < 1 || month > 12) return null;
    return { month: month, year: year };
  }

  function isPast(expiry, now) {
    var current = now.getFullYear() * 12 + now.getMonth() + 1;
    return expiry.year * 12 + expiry.month < current;
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // English defaults; the page passes its translations as data-msg-* attributes of the panel.
  var MESSAGES = {
    numberRequired: "Enter your card number.",
    numberInvalid: "This card number is not valid. Check it and try again.",
    expiryRequired: "Enter the expiry date.",
    expiryInvalid: "Enter the expiry date as MM/YY.",
    expiryPast: "This card has expired.",
    cvcRequired: "Enter the security code.",
    cvcInvalid: "The security code has {n} digits.",
    holderRequired: "Enter the name on the card.",
    holderInvalid: "Enter the name as it appears on the card."
  };

  /* Public for tests and for a shop that builds its own form. */
  function tokenize(card, now) {
    var digits = digitsOf(card.number);
    var brand = detectBrand(digits);
    var errors = {};
    var maxLength = brand === "amex" ? 15 : 19;
    if (!digits) {
      errors.number = MESSAGES.numberRequired;
    } else if (digits.length < 12 || digits.length > maxLength || !luhnValid(digits)) {
      errors.number = MESSAGES.numberInvalid;
    }
    var expiry = parseExpiry(card.expiry);
    if (!String(card.expiry || "").trim()) {
      errors.expiry = MESSAGES.expiryRequired;
    } else if (!expiry) {
      errors.expiry = MESSAGES.expiryInvalid;
    } else if (isPast(expiry, now || new Date())) {
      errors.expiry = MESSAGES.expiryPast;
    }
    var cvc = digitsOf(card.cvc);
    var cvcLength = brand === "amex" ? 4 : 3;
    if (!cvc) {
      errors.cvc = MESSAGES.cvcRequired;
    } else if (cvc.length !== cvcLength || cvc !== String(card.cvc).trim()) {
      errors.cvc = MESSAGES.cvcInvalid.replace("{n}", String(cvcLength));
    }
    var holder = String(card.holder || "").trim();
    if (!holder) {
      errors.holder = MESSAGES.holderRequired;
    } else if (/\d{6,}/.test(holder.replace(/[\s-]/g, ""))) {
      errors.holder = MESSAGES.holderInvalid;
    }
    if (Object.keys(errors).length) {
      return { ok: false, errors: errors, brand: brand };
    }
    var last4 = digits.slice(-4);
    var token = "tok_test_" + brand + "_" + last4 + "_" + pad2(expiry.month) + pad2(expiry.year % 100);
    if (DECLINED_TEST_CARDS.indexOf(digits) !== -1) {
      token += "_decline";
    } else if (THREE_D_SECURE_TEST_CARDS.indexOf(digits) !== -1) {
      token += "_3ds";
    }
    return {
      ok: true,
      token: token,
      brand: brand,
      display: {
        brand: brand,
        brandName: BRAND_NAMES[brand],
        last4: last4,
        expiry: pad2(expiry.month) + "/" + expiry.year,
        holder: holder,
        label: BRAND_NAMES[brand] + " \u2022\u2022\u2022\u2022 " + last4
      }
    };
  }

  window.walletTokenize = tokenize;

  /* Bind one form holding the gateway's card fields: the checkout (where the fields belong to
   * the "Pay with a new card" option) or the wallet's "Add card" and "Update card" forms. */
  function bind(form) {
    var panels = window.walletCardPanel;
    var panel = form.querySelector("[data-card-panel]");
    var numberInput = form.querySelector("[data-card-number]");
    var expiryInput = form.querySelector("[data-card-expiry]");
    var cvcInput = form.querySelector("[data-card-cvc]");
    var holderInput = form.querySelector("[data-card-holder]");
    var tokenOutput = form.querySelector("[data-token-output]");
    var holderOutput = form.querySelector("[data-holder-output]");
    var expiryOutput = form.querySelector("[data-expiry-output]");
    var brands = form.querySelector("[data-accepted-brands]");
    var announcer = form.querySelector("[data-brand-announcer]");
    if (!panel || !numberInput) return;

    var inputs = { number: numberInput, expiry: expiryInput, cvc: cvcInput, holder: holderInput };
    Object.keys(MESSAGES).forEach(function (key) {
      var translated = panel.dataset["msg" + key.charAt(0).toUpperCase() + key.slice(1)];
      if (translated) MESSAGES[key] = translated;
    });

    panels.enableScriptOnly(form);
    var newCardChosen = panels.followNewCardChoice(form, panel);

    function showError(key, message) {
      var input = inputs[key];
      var output = form.querySelector('[data-error-for="' + input.id + '"]');
      panels.showFieldError(input, output, message);
    }

    var lastBrand = "";
    numberInput.addEventListener("input", function () {
      var digits = digitsOf(numberInput.value).slice(0, 19);
      var brand = detectBrand(digits);
      numberInput.value = formatNumber(digits, brand);
      cvcInput.maxLength = brand === "amex" ? 4 : 3;
      if (brands) {
        if (digits.length >= 2 && brand !== "other") {
          brands.setAttribute("data-detected", brand);
        } else {
          brands.removeAttribute("data-detected");
        }
      }
      var shown = digits.length >= 2 ? brand : "";
      if (shown !== lastBrand && announcer) {
        lastBrand = shown;
        announcer.textContent = shown && shown !== "other" ? BRAND_NAMES[shown] : "";
      }
      if (numberInput.getAttribute("aria-invalid")) showError("number", "");
    });

    expiryInput.addEventListener("input", function (event) {
      var digits = digitsOf(expiryInput.value).slice(0, 4);
      var deleting = event.inputType && event.inputType.indexOf("delete") === 0;
      if (digits.length >= 3 || (digits.length === 2 && !deleting)) {
        expiryInput.value = digits.slice(0, 2) + "/" + digits.slice(2);
      } else {
        expiryInput.value = digits;
      }
      if (expiryInput.getAttribute("aria-invalid")) showError("expiry", "");
    });

    [cvcInput, holderInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var key = input === cvcInput ? "cvc" : "holder";
        if (input.getAttribute("aria-invalid")) showError(key, "");
      });
    });

    form.addEventListener("submit", function (event) {
      tokenOutput.value = "";
      holderOutput.value = "";
      if (expiryOutput) expiryOutput.value = "";
      if (!newCardChosen()) return;
      var result = tokenize({
        number: numberInput.value,
        expiry: expiryInput.value,
        cvc: cvcInput.value,
        holder: holderInput.value
      });
      var firstInvalid = null;
      ["number", "expiry", "cvc", "holder"].forEach(function (key) {
        var message = result.ok ? "" : result.errors[key] || "";
        showError(key, message);
        if (message && !firstInvalid) firstInvalid = inputs[key];
      });
      if (!result.ok) {
        event.preventDefault();
        firstInvalid.focus();
        return;
      }
      tokenOutput.value = result.token;
      holderOutput.value = result.display.holder;
      if (expiryOutput) expiryOutput.value = expiryInput.value.trim();
    });
  }

  document.querySelectorAll("[data-card-form]").forEach(bind);
})();
