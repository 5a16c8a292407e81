/*
 * Log a meeting from the calendar: an invitation (.ics, or an .eml with one attached) chosen or
 * dropped on a form fills the form's fields. No dependencies, no inline script (CSP).
 *
 * Markup (templates/_partials/invitation_drop.html makes it; the form needs
 * enctype="multipart/form-data" for the path without JavaScript):
 *
 *   <form …>                                       (holds the csrf_token input)
 *     <div data-invitation-url="/meetings/invitation"        (or on the <form> itself)
 *          data-invitation-fields='{"title": "title", "companies": "company_ids", …}'
 *          data-text-reading="…" data-text-done="…" data-text-failed="…"
 *          data-text-remove="…" data-text-choose="…">
 *       <input type="file" data-invitation-file>   the file input (drop on the zone works too)
 *       <div data-invitation-drop>                 optional: where a file may be dropped
 *       <button data-invitation-submit>            the path without JavaScript: removed here
 *       <select data-invitation-occurrence hidden> a series: which meeting (no name: not posted)
 *       <p data-invitation-status role="status">   what happened, in words
 *       <ul data-invitation-unmatched hidden>      attendees not found: "Name <email>"
 *
 * data-invitation-fields maps the JSON answer's keys to the form's input NAMES. Scalars
 * (title, day, time, duration_minutes, location, notes) set the input or textarea of that name;
 * notes already typed are kept, the invitation's added below them. Lists of {id, name}
 * (companies, contacts, staff) add a chip to ul[data-chosen-for=NAME] (the type-ahead's list,
 * made by combobox.js's Combobox.addChosen), else select the options of select[name=NAME] (adding missing ones), else
 * tick the checkboxes of that name. Every changed input gets "input" and "change" events, and
 * the form an "invitation:filled" event whose detail is the whole answer (unmatched people,
 * occurrences) for a page that wants more.
 *
 * The endpoint answers POST multipart {file, csrf_token, on?} with
 *   {title, day, time, duration_minutes, location, notes, companies, contacts, staff,
 *    unmatched: [{name, email}], occurrences: [{day, time}], errors: [text]}
 * or 400 {errors: [text]}.
 */
(function () {
  "use strict";

  var SCALARS = ["title", "day", "time", "duration_minutes", "location", "notes"];

  function changed(element) {
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  function setScalar(form, name, key, value) {
    var element = form.elements.namedItem(name);
    if (!element || (element.length !== undefined && !element.tagName)) {
      return; // no such field, or a group of radios: not a scalar field
    }
    var text = value === null || value === undefined ? "" : String(value);
    if (key === "notes") {
      var typed = element.value.trim();
      if (!text || typed.indexOf(text.trim()) !== -1) {
        return;
      }
      text = typed ? typed + "\n\n" + text : text;
    }
    if (element.value !== text) {
      element.value = text;
      changed(element);
    }
  }

  function addChip(list, name, item, removeText) {
    var present = list.querySelectorAll('input[type="hidden"]');
    for (var i = 0; i < present.length; i += 1) {
      if (present[i].value === String(item.id)) {
        return;
      }
    }
    // The type-ahead's own chip (combobox.js, loaded on every page), so its remove button works.
    changed(window.Combobox.addChosen(list, name, item.id, item.name, removeText));
  }

  function setList(form, name, items, removeText) {
    if (!items || !items.length) {
      return;
    }
    var list = form.querySelector('ul[data-chosen-for="' + cssEscape(name) + '"]');
    if (list && window.Combobox && window.Combobox.addChosen) {
      items.forEach(function (item) {
        addChip(list, name, item, removeText);
      });
      return;
    }
    var select = form.querySelector('select[name="' + cssEscape(name) + '"]');
    if (select) {
      items.forEach(function (item) {
        var option = Array.prototype.find.call(select.options, function (o) {
          return o.value === String(item.id);
        });
        if (!option) {
          option = new Option(item.name, String(item.id));
          select.add(option);
        }
        option.selected = true;
      });
      changed(select);
      return;
    }
    var boxes = form.querySelectorAll('input[type="checkbox"][name="' + cssEscape(name) + '"]');
    items.forEach(function (item) {
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.value === String(item.id) && !box.checked) {
          box.checked = true;
          changed(box);
        }
      });
    });
  }

  function enhance(root) {
    var form = root.tagName === "FORM" ? root : root.closest("form");
    var input = root.querySelector("input[type=file][data-invitation-file]");
    if (!form || !input) {
      return;
    }
    var url = root.getAttribute("data-invitation-url");
    var fields = {};
    try {
      fields = JSON.parse(root.getAttribute("data-invitation-fields") || "{}");
    } catch (error) {
      fields = {};
    }
    var zone = root.querySelector("[data-invitation-drop]") || root;
    var status = root.querySelector("[data-invitation-status]");
    var occurrence = root.querySelector("select[data-invitation-occurrence]");
    var unmatched = root.querySelector("[data-invitation-unmatched]");
    var submit = root.querySelector("[data-invitation-submit]");
    var lang = document.documentElement.lang || undefined;
    var file = null;

    function text(name) {
      return root.getAttribute("data-text-" + name) || "";
    }

    function say(message, failed) {
      if (status) {
        status.textContent = message;
        status.classList.toggle("text-danger", Boolean(failed));
      }
    }

    function occurrenceLabel(item) {
      var parts = item.day.split("-").map(Number);
      var day = new Date(parts[0], parts[1] - 1, parts[2]);
      var label = new Intl.DateTimeFormat(lang, {
        weekday: "short",
        day: "numeric",
        month: "short",
        year: "numeric",
      }).format(day);
      return item.time ? label + " " + item.time : label;
    }

    function showOccurrences(answer) {
      if (!occurrence) {
        return;
      }
      occurrence.textContent = "";
      var items = answer.occurrences || [];
      items.forEach(function (item) {
        var option = new Option(occurrenceLabel(item), item.day);
        option.selected = item.day === answer.day;
        occurrence.add(option);
      });
      var wrapper = occurrence.closest("[data-invitation-occurrences]") || occurrence;
      wrapper.hidden = items.length < 2;
    }

    function showUnmatched(answer) {
      if (!unmatched) {
        return;
      }
      var list = unmatched.querySelector("ul") || unmatched;
      list.textContent = "";
      var addUrl = root.getAttribute("data-new-person-url");
      (answer.unmatched || []).forEach(function (person) {
        var li = document.createElement("li");
        li.textContent = (person.name ? person.name + " <" + person.email + ">" : person.email) + " ";
        if (addUrl) {
          // A new tab: the form stays as it is (and its draft is kept meanwhile).
          var link = document.createElement("a");
          link.href = addUrl + "?" + new URLSearchParams({ name: person.name || "", email: person.email });
          link.target = "_blank";
          link.rel = "noopener";
          link.textContent = text("add-person");
          var who = document.createElement("span");
          who.className = "visually-hidden";
          who.textContent = " " + (person.name || person.email);
          link.appendChild(who);
          li.appendChild(link);
        }
        list.appendChild(li);
      });
      unmatched.hidden = !(answer.unmatched || []).length;
    }

    function fill(answer) {
      Object.keys(fields).forEach(function (key) {
        if (!(key in answer)) {
          return;
        }
        if (SCALARS.indexOf(key) !== -1) {
          setScalar(form, fields[key], key, answer[key]);
        } else if (Array.isArray(answer[key])) {
          setList(form, fields[key], answer[key], text("remove"));
        }
      });
      showOccurrences(answer);
      showUnmatched(answer);
      var notes = (answer.errors || []).join(" ");
      say(notes ? text("done") + " " + notes : text("done"), false);
      form.dispatchEvent(new CustomEvent("invitation:filled", { bubbles: true, detail: answer }));
    }

    function read(on) {
      if (!file) {
        return;
      }
      var body = new FormData();
      body.append("file", file, file.name);
      var token = form.querySelector('input[name="csrf_token"]');
      if (token) {
        body.append("csrf_token", token.value);
      }
      if (on) {
        body.append("on", on);
      }
      say(text("reading"), false);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) {
            throw new Error(text("failed"));
          }
          return response.json().then(function (answer) {
            if (!response.ok) {
              throw new Error((answer.errors || []).join(" ") || text("failed"));
            }
            return answer;
          });
        })
        .then(fill)
        .catch(function (error) {
          say(error && error.message ? error.message : text("failed"), true);
        });
    }

    if (submit) {
      // The file is read as soon as it is chosen. Removed, not hidden: as the form's first
      // submit button it would be the one Enter in any field presses.
      submit.remove();
    }
    input.addEventListener("change", function () {
      file = input.files && input.files[0];
      read(null);
    });
    if (occurrence) {
      occurrence.addEventListener("change", function () {
        read(occurrence.value);
      });
    }
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("invitation-drop-active");
    });
    zone.addEventListener("dragleave", function () {
      zone.classList.remove("invitation-drop-active");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("invitation-drop-active");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        file = files[0];
        read(null);
      }
    });
  }

  function init() {
    if (!window.fetch || !window.FormData) {
      return; // the button posts the form: the server fills it in
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-invitation-url]"), function (root) {
      if (!root.hasAttribute("data-invitation-ready")) {
        root.setAttribute("data-invitation-ready", "");
        enhance(root);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
