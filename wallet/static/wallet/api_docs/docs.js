/* Swagger UI on the wallet's OpenAPI document (the page's data-schema-url).

Swagger UI draws a few controls without a name (the multiple selects of array parameters, the
request body's textarea, the dialog's close button) and scrollable code blocks that a keyboard
cannot reach; each time it draws, they get their name and a tab stop. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");

  function label(element, text) {
    if (text && !element.getAttribute("aria-label") && !element.getAttribute("aria-labelledby")) {
      element.setAttribute("aria-label", text);
    }
  }

  function nameControls(scope) {
    scope.querySelectorAll("tr[data-param-name] select, tr[data-param-name] input, tr[data-param-name] textarea").forEach(function (control) {
      var row = control.closest("tr[data-param-name]");
      label(control, row.getAttribute("data-param-name") + " (" + row.getAttribute("data-param-in") + ")");
    });
    scope.querySelectorAll(".body-param textarea, textarea.body-param__text").forEach(function (area) {
      label(area, "Request body");
    });
    scope.querySelectorAll(".responses-inner select, .response-control-media-type select, .content-type-wrapper select").forEach(function (select) {
      label(select, "Media type");
    });
    scope.querySelectorAll("button.close-modal").forEach(function (button) {
      label(button, "Close");
    });
    // The dialog's buttons say "Authorize"/"Logout": their names must start with that text.
    scope.querySelectorAll(".auth-btn-wrapper button[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    scope.querySelectorAll(".auth-container input").forEach(function (input) {
      var wrapper = input.closest(".wrapper, div");
      var text = wrapper && wrapper.querySelector("label") ? wrapper.querySelector("label").textContent : input.name;
      label(input, (text || "").replace(/:\s*$/, "").trim());
    });
    scope.querySelectorAll("pre.microlight, .highlight-code pre, .microlight").forEach(function (block) {
      if (!block.hasAttribute("tabindex")) {
        block.setAttribute("tabindex", "0");
      }
    });
  }

  new MutationObserver(function () {
    nameControls(document);
  }).observe(document.body, { childList: true, subtree: true });

  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Deep links draw the path as a link inside the operation's toggle button.
    deepLinking: false,
    defaultModelsExpandDepth: -1,
    displayRequestDuration: true,
    persistAuthorization: false
  });
})();
