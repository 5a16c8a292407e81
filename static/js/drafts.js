/*
 * Nothing typed is ever lost: a form marked <form data-draft="NAME" data-draft-user="ID"> keeps
 * what is typed in the browser (localStorage "kb-draft:ID:NAME") while the user types. Opened
 * again (data-draft-restore: a fresh form, not one the server sent back with errors), the form
 * gets the draft back, with a notice and a "discard draft" button ([data-draft-notice]).
 *
 * So an expired session, a lost network or a closed tab costs nothing: after signing in again
 * (the sign-in page returns to the form through ?next=) the input is there to save.
 *
 * Drafts go away: one when the server says it was saved (<body data-draft-saved="NAME …">),
 * all of them at sign-out (a form[data-sign-out] being sent, and <body data-drafts-clear> on
 * the page after it), so a shared computer keeps nothing. Loaded on every page by base.html.
 */
(function () {
  "use strict";

  var PREFIX = "kb-draft:";
  var SAVE_DELAY_MS = 300;

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: forms work as before
    }
  }

  function keys() {
    var store = storage();
    var found = [];
    for (var i = 0; store && i < store.length; i += 1) {
      if (store.key(i).indexOf(PREFIX) === 0) {
        found.push(store.key(i));
      }
    }
    return found;
  }

  function clearAll() {
    keys().forEach(function (key) {
      storage().removeItem(key);
    });
  }

  function clearNamed(names) {
    keys().forEach(function (key) {
      var name = key.split(":").slice(2).join(":");
      if (names.indexOf(name) !== -1) {
        storage().removeItem(key);
      }
    });
  }

  /* What the form holds: named fields (not the CSRF token or version), and chosen records. */
  function snapshot(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "version" || el.disabled) {
        return;
      }
      if (el.type === "hidden" && el.closest("ul[data-chosen-for]")) {
        return; // chosen records are kept with their names below
      }
      if (el.type === "checkbox" || el.type === "radio") {
        fields.push([el.name, el.value, el.checked]);
      } else if (el.type !== "submit" && el.type !== "button" && el.type !== "file") {
        fields.push([el.name, el.value]);
      }
    });
    var chosen = {};
    Array.prototype.forEach.call(form.querySelectorAll("ul[data-chosen-for]"), function (list) {
      chosen[list.getAttribute("data-chosen-for")] = Array.prototype.map.call(
        list.querySelectorAll("li"),
        function (item) {
          return {
            id: item.querySelector('input[type="hidden"]').value,
            label: item.querySelector("span").textContent.trim(),
          };
        }
      );
    });
    var rows = form.querySelectorAll("[data-task-row]").length;
    return { fields: fields, chosen: chosen, rows: rows };
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function restore(form, draft) {
    if (draft.rows) {
      form.dispatchEvent(new CustomEvent("draft:rows", { detail: { count: draft.rows } }));
    }
    Object.keys(draft.chosen || {}).forEach(function (field) {
      var list = form.querySelector('ul[data-chosen-for="' + field + '"]');
      if (!list) {
        return;
      }
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (item) {
        list.removeChild(item);
      });
      draft.chosen[field].forEach(function (record) {
        window.Combobox.choose(field, record);
      });
    });
    var seen = {};
    draft.fields.forEach(function (entry) {
      var name = entry[0];
      var matches = form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
      if (entry.length === 3) {
        Array.prototype.forEach.call(matches, function (el) {
          if (el.value === entry[1]) {
            el.checked = entry[2];
            var details = el.closest("details");
            if (details && el.checked) {
              details.open = true;
            }
          }
        });
        return;
      }
      var index = seen[name] || 0;
      seen[name] = index + 1;
      var el = Array.prototype.filter.call(matches, function (m) {
        return !m.closest("ul[data-chosen-for]");
      })[index];
      if (el) {
        el.value = entry[1];
        var details = el.closest("details");
        if (details && entry[1]) {
          details.open = true;
        }
      }
    });
  }

  function timeText(iso) {
    var lang = document.documentElement.lang || undefined;
    try {
      return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
    } catch (error) {
      return iso;
    }
  }

  function keepDrafts(form) {
    var store = storage();
    if (!store) {
      return;
    }
    var key = PREFIX + form.getAttribute("data-draft-user") + ":" + form.getAttribute("data-draft");
    var fresh = snapshot(form);
    var timer = null;
    var touched = false;

    function save() {
      window.clearTimeout(timer);
      if (!touched) {
        return;
      }
      var now = snapshot(form);
      try {
        if (same(now, fresh)) {
          store.removeItem(key);
        } else {
          store.setItem(key, JSON.stringify({ at: new Date().toISOString(), form: now }));
        }
      } catch (error) {
        // full or forbidden: the form still posts as usual
      }
    }

    function later() {
      touched = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, SAVE_DELAY_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("combobox:change", later);
    form.addEventListener("submit", save);
    window.addEventListener("pagehide", save);

    var stored = null;
    try {
      stored = JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      stored = null;
    }
    if (!form.hasAttribute("data-draft-restore") || !stored || !stored.form || same(stored.form, fresh)) {
      return;
    }
    restore(form, stored.form);
    touched = true;
    var notice = form.querySelector("[data-draft-notice]");
    if (notice) {
      var text = notice.querySelector("span");
      text.textContent = text.textContent.replace("{time}", timeText(stored.at));
      notice.hidden = false;
      notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
        store.removeItem(key);
        touched = false;
        window.location.reload();
      });
    }
  }

  // At once (this script runs at the end of the body), not at "load": a saved draft must be
  // gone as soon as the page that says so is there, whatever else it still loads.
  function clearFinished() {
    var body = document.body;
    if (body.hasAttribute("data-drafts-clear")) {
      clearAll();
    }
    var saved = (body.getAttribute("data-draft-saved") || "").split(/\s+/).filter(Boolean);
    if (saved.length) {
      clearNamed(saved);
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sign-out]"), function (form) {
      form.addEventListener("submit", clearAll);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), keepDrafts);
  }

  clearFinished();
  // After combobox.js and the form's own script have set the fields up.
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
