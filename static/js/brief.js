/*
 * The visit brief: its strongest ties take a graph to work out, so they load after the page
 * (a server-rendered fragment). Without JavaScript the link to the network stays.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var placeholder = document.querySelector("[data-brief-ties-url]");
    if (!placeholder) {
      return;
    }
    fetch(placeholder.getAttribute("data-brief-ties-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fragment = new DOMParser().parseFromString(html, "text/html");
        placeholder.replaceChildren.apply(placeholder, Array.from(fragment.body.childNodes));
        placeholder.setAttribute("data-ready", "true");
      })
      .catch(function (error) {
        placeholder.setAttribute("data-ready", "error");
        if (window.console) console.warn(error);
      });
  });
})();
