/* Start the vendored Swagger UI on /api/v1/docs (kept out of the page: the CSP forbids inline scripts). */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function start() {
    var host = document.getElementById("swagger");
    if (!host || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: host.getAttribute("data-spec-url") || "/api/v1/openapi.json",
      dom_id: "#swagger",
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // "Try it out" with the session cookie: writes need the CSRF header.
      requestInterceptor: function (request) {
        var method = (request.method || "GET").toUpperCase();
        if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
          request.headers["X-CSRFToken"] = csrfToken();
        }
        return request;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
