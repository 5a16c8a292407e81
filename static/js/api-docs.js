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
    // The page has its own h1 and introduction: Swagger UI's info block (a second h1) is left out.
    plugins: [
      function () {
        var nothing = function () {
          return function () {
            return null;
          };
        };
        return { wrapComponents: { InfoContainer: nothing, info: nothing } };
      },
    ],
    requestInterceptor: function (request) {
      request.credentials = "omit";
      return request;
    },
  });
})();
