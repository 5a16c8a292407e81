/*
 * The start page's "start with who you met" box: a type-ahead over people and organisations
 * (combobox.js); picking one opens the meeting form with them chosen. Hidden without
 * JavaScript, where the "Log a meeting" button beside it does the same.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-capture-start]");
  if (!form || !window.Combobox || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-suggest-url");
  var input = form.querySelector("input");
  var TYPES = [
    ["contacts", "contact_id"],
    ["companies", "company_id"],
  ];

  function fetchGroup(type, query, signal) {
    var address = url + "?" + new URLSearchParams({ type: type[0], q: query }).toString();
    return window
      .fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: signal })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        return {
          key: type[0],
          label: form.getAttribute("data-label-" + type[0]),
          results: (body.results || []).map(function (result) {
            return { id: result.id, label: result.label, detail: result.detail, url: "?" + type[1] + "=" + result.id };
          }),
        };
      });
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault(); // only a picked suggestion opens the form
  });
  window.Combobox.attach(input, {
    textElement: form,
    holdEnter: true,
    source: function (query, signal) {
      return Promise.all(
        TYPES.map(function (type) {
          return fetchGroup(type, query, signal);
        })
      );
    },
    pick: function (result) {
      window.location.assign(form.getAttribute("action") + result.url);
    },
  });
})();
