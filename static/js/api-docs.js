// The API's docs page: Swagger UI on the OpenAPI description, started from a file (CSP: no
// inline script). "Try it out" sends the token typed under "Authorize", never the session.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: false,
    docExpansion: "none",
    defaultModelsExpandDepth: 0,
    withCredentials: false,
    requestInterceptor: function (request) {
      request.credentials = "omit";
      return request;
    },
  });
})();
