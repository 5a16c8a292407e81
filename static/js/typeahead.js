/*
 * Type-ahead for organisations, people and users: an ARIA 1.2 combobox with a listbox popup.
 * Progressive enhancement, no dependencies. Without JavaScript the page still posts what was
 * chosen before (hidden inputs), so forms keep working.
 *
 * Contract (other templates rely on it):
 *
 *   One choice:
 *     <input type="text" data-typeahead="companies|contacts|users" data-target="ID">
 *     <input type="hidden" id="ID" name="...">          the chosen id is written here
 *
 *   Several choices:
 *     <input type="text" data-typeahead="contacts" data-multiple="FIELD">
 *     <ul data-chosen-for="FIELD">
 *       <li><input type="hidden" name="FIELD" value="ID"> <span>Label</span>
 *           <button type="button" data-remove>Remove</button></li>
 *     </ul>
 *
 *   Optional: data-suggest-url="/other/url" (default /search/suggest).
 *
 * Suggestions come from GET <url>?type=<type>&q=<text> answering
 *   {"results": [{"id": 1, "label": "Name", "detail": "org nr / organisation", "url": "/x/1"}]}
 * after 150 ms without typing and at least 2 characters.
 * Keys: ArrowDown/ArrowUp move (and open), Enter picks, Escape closes (or clears when closed),
 * Home/End stay in the text, Tab leaves. A polite live region says how many were found.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;
  var DEFAULT_URL = "/search/suggest";

  var TEXTS = {
    nb: {
      none: "Ingen treff.",
      one: "1 treff. Bruk pil opp og ned for å velge.",
      many: "{n} treff. Bruk pil opp og ned for å velge.",
      failed: "Søket mislyktes. Prøv igjen.",
      added: "{label} er lagt til.",
      removed: "{label} er fjernet.",
      chosen: "{label} er valgt.",
      remove: "Fjern",
      searching: "Søker …"
    },
    en: {
      none: "No results.",
      one: "1 result. Use the up and down arrows to choose.",
      many: "{n} results. Use the up and down arrows to choose.",
      failed: "The search failed. Try again.",
      added: "{label} added.",
      removed: "{label} removed.",
      chosen: "{label} chosen.",
      remove: "Remove",
      searching: "Searching …"
    }
  };

  function texts() {
    var lang = (document.documentElement.lang || "nb").slice(0, 2).toLowerCase();
    return TEXTS[lang] || TEXTS.nb;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values && key in values ? String(values[key]) : "";
    });
  }

  var counter = 0;
  function uniqueId(prefix) {
    counter += 1;
    return prefix + "-" + counter;
  }

  /* A hidden live region per widget: screen readers hear counts and changes. */
  function makeLiveRegion() {
    var region = document.createElement("div");
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    return region;
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  function Typeahead(input) {
    this.input = input;
    this.type = input.getAttribute("data-typeahead");
    this.url = input.getAttribute("data-suggest-url") || DEFAULT_URL;
    this.multipleName = input.getAttribute("data-multiple");
    this.target = null;
    this.chosenList = null;
    if (this.multipleName) {
      this.chosenList = document.querySelector(
        'ul[data-chosen-for="' + cssEscape(this.multipleName) + '"]'
      );
    } else if (input.getAttribute("data-target")) {
      this.target = document.getElementById(input.getAttribute("data-target"));
    }
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.lastQuery = null;
    this.build();
    this.bind();
  }

  Typeahead.prototype.build = function () {
    var input = this.input;
    var wrapper = document.createElement("div");
    wrapper.className = "position-relative";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    this.listbox = document.createElement("ul");
    this.listbox.id = uniqueId("typeahead-listbox");
    this.listbox.className = "list-group position-absolute w-100 shadow z-3 typeahead-listbox";
    this.listbox.setAttribute("role", "listbox");
    var label = input.labels && input.labels.length ? input.labels[0].textContent.trim() : "";
    if (label) {
      this.listbox.setAttribute("aria-label", label);
    }
    this.listbox.hidden = true;
    wrapper.appendChild(this.listbox);

    this.live = makeLiveRegion();
    wrapper.appendChild(this.live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("spellcheck", "false");

    if (this.chosenList) {
      // Remove buttons are hidden until JavaScript can make them work.
      var buttons = this.chosenList.querySelectorAll("button");
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].hidden = false;
      }
    }
  };

  Typeahead.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      self.onInput();
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKeydown(event);
    });
    this.input.addEventListener("blur", function () {
      // Let a click on an option land before the list closes.
      window.setTimeout(function () {
        if (!self.listbox.contains(document.activeElement)) {
          self.close();
        }
      }, 150);
    });
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep focus in the input
    });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) {
        self.pick(Number(option.getAttribute("data-index")));
      }
    });
    if (this.chosenList) {
      this.chosenList.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (button && self.chosenList.contains(button)) {
          event.preventDefault();
          self.remove(button.closest("li"));
        }
      });
    }
  };

  Typeahead.prototype.onInput = function () {
    var query = this.input.value.trim();
    if (this.target && this.target.value) {
      // The text no longer names the chosen record: do not post a stale id.
      this.target.value = "";
      this.target.dispatchEvent(new Event("change", { bubbles: true }));
    }
    window.clearTimeout(this.timer);
    if (query.length < MIN_CHARS) {
      this.abort();
      this.lastQuery = null;
      this.close();
      return;
    }
    var self = this;
    this.timer = window.setTimeout(function () {
      self.fetch(query);
    }, DEBOUNCE_MS);
  };

  Typeahead.prototype.abort = function () {
    if (this.request) {
      this.request.abort();
      this.request = null;
    }
  };

  Typeahead.prototype.fetch = function (query) {
    var self = this;
    this.abort();
    var controller = window.AbortController ? new AbortController() : null;
    this.request = controller;
    var url = this.url + "?type=" + encodeURIComponent(this.type) + "&q=" + encodeURIComponent(query);
    this.lastQuery = query;
    window
      .fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (self.input.value.trim() !== query) {
          return; // the user typed on; a newer request answers
        }
        self.request = null;
        self.show((data && data.results) || []);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        self.request = null;
        self.results = [];
        self.close();
        self.announce(texts().failed);
      });
  };

  Typeahead.prototype.chosenIds = function () {
    var ids = {};
    if (this.chosenList) {
      var inputs = this.chosenList.querySelectorAll('input[type="hidden"]');
      for (var i = 0; i < inputs.length; i += 1) {
        ids[inputs[i].value] = true;
      }
    }
    return ids;
  };

  Typeahead.prototype.show = function (results) {
    var chosen = this.chosenIds();
    this.results = results.filter(function (result) {
      return !chosen[String(result.id)];
    });
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    var t = texts();
    for (var i = 0; i < this.results.length; i += 1) {
      var result = this.results[i];
      var option = document.createElement("li");
      option.id = this.listbox.id + "-option-" + i;
      option.className = "list-group-item list-group-item-action";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(i));
      var label = document.createElement("span");
      label.textContent = result.label;
      option.appendChild(label);
      if (result.detail) {
        var detail = document.createElement("span");
        detail.className = "d-block small text-body-secondary typeahead-detail";
        detail.textContent = result.detail;
        option.appendChild(detail);
      }
      this.listbox.appendChild(option);
    }
    if (this.results.length) {
      this.open();
    } else {
      this.close();
    }
    var n = this.results.length;
    this.announce(n === 0 ? t.none : n === 1 ? t.one : say(t.many, { n: n }));
  };

  Typeahead.prototype.open = function () {
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Typeahead.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Typeahead.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Typeahead.prototype.move = function (step) {
    if (!this.results.length) {
      return;
    }
    if (!this.isOpen()) {
      this.open();
    }
    var next = this.active + step;
    if (next < 0) {
      next = this.results.length - 1;
    } else if (next >= this.results.length) {
      next = 0;
    }
    this.setActive(next);
  };

  Typeahead.prototype.setActive = function (index) {
    var options = this.listbox.querySelectorAll('[role="option"]');
    for (var i = 0; i < options.length; i += 1) {
      var on = i === index;
      options[i].setAttribute("aria-selected", on ? "true" : "false");
      options[i].classList.toggle("active", on);
      var detail = options[i].querySelector(".typeahead-detail");
      if (detail) {
        detail.classList.toggle("text-body-secondary", !on); // keep contrast on the blue
      }
    }
    this.active = index;
    if (index >= 0 && options[index]) {
      this.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Typeahead.prototype.onKeydown = function (event) {
    if (event.isComposing) {
      return;
    }
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        if (!this.isOpen() && this.results.length) {
          this.open();
          this.setActive(event.altKey ? -1 : 0);
        } else {
          this.move(1);
        }
        break;
      case "ArrowUp":
      case "Up":
        event.preventDefault();
        if (!this.isOpen() && this.results.length) {
          this.open();
          this.setActive(this.results.length - 1);
        } else {
          this.move(-1);
        }
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault(); // pick, do not submit the form
          this.pick(this.active);
        } else if (this.multipleName) {
          // Enter in a "several" box would submit a half-filled form.
          event.preventDefault();
        }
        break;
      case "Escape":
      case "Esc":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          if (this.target && this.target.value) {
            this.target.value = "";
          }
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  Typeahead.prototype.pick = function (index) {
    var result = this.results[index];
    if (!result) {
      return;
    }
    var t = texts();
    if (this.chosenList) {
      this.add(result);
      this.input.value = "";
      this.results = [];
      this.close();
      this.announce(say(t.added, { label: result.label }));
    } else {
      this.input.value = result.label;
      if (this.target) {
        this.target.value = String(result.id);
        this.target.dispatchEvent(new Event("change", { bubbles: true }));
      }
      this.close();
      this.announce(say(t.chosen, { label: result.label }));
    }
    this.input.focus();
  };

  Typeahead.prototype.add = function (result) {
    if (this.chosenIds()[String(result.id)]) {
      return;
    }
    var t = texts();
    var item = document.createElement("li");
    item.className = "border rounded bg-white px-2 py-1 d-inline-flex align-items-center gap-2";
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = this.multipleName;
    hidden.value = String(result.id);
    var label = document.createElement("span");
    label.textContent = result.label;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary py-0";
    button.setAttribute("data-remove", "");
    button.textContent = t.remove;
    var buttonLabel = document.createElement("span");
    buttonLabel.className = "visually-hidden";
    buttonLabel.textContent = " " + result.label;
    button.appendChild(buttonLabel);
    item.appendChild(hidden);
    item.appendChild(label);
    item.appendChild(button);
    this.chosenList.appendChild(item);
  };

  Typeahead.prototype.remove = function (item) {
    if (!item) {
      return;
    }
    var labelNode = item.querySelector("span");
    var label = labelNode ? labelNode.textContent.trim() : "";
    // Keep keyboard focus on the list: the next remove button, else the previous, else the box.
    var sibling = item.nextElementSibling || item.previousElementSibling;
    item.parentNode.removeChild(item);
    var nextButton = sibling ? sibling.querySelector("button") : null;
    (nextButton || this.input).focus();
    this.announce(say(texts().removed, { label: label }));
  };

  Typeahead.prototype.announce = function (message) {
    var live = this.live;
    // Clearing first makes screen readers repeat an identical message.
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = message;
    }, 50);
  };

  function init(root) {
    var inputs = (root || document).querySelectorAll("input[data-typeahead]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (!inputs[i].hasAttribute("data-typeahead-ready")) {
        inputs[i].setAttribute("data-typeahead-ready", "");
        new Typeahead(inputs[i]);
      }
    }
  }

  window.Typeahead = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
