// Starts Swagger UI on /docs (web/vecdot_web/docs.py) with the service's own document.
// A file, not an inline script, so the page's Content-Security-Policy can forbid those.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default would send the document to validator.swagger.io: never leave this host.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
