/*
 * One combobox for every type-ahead in the app: an ARIA 1.2 combobox with a listbox popup.
 * Progressive enhancement, no dependencies, no inline script (the page's CSP allows none).
 * base.html loads it on every page through templates/search/_combobox_script.html, which
 * also carries the texts it speaks, translated by the server (data-text-* on the script tag);
 * a widget may override any of them with the same attribute on its own element.
 *
 * Three uses, one behaviour:
 *
 *   Search forms (the navigation bar, the search page):
 *     <form data-search-suggest="URL" data-label-companies="…" …> with <input name="q">
 *     Suggestions in groups (organisations, people, meetings); picking one opens it; Enter
 *     with none chosen submits the form to the results page, as without JavaScript.
 *
 *   Record fields, one choice:
 *     <input type="text" data-typeahead="companies|contacts|users" data-target="ID">
 *     <input type="hidden" id="ID" name="…">              the chosen id is written here
 *   Several choices:
 *     <input type="text" data-typeahead="contacts" data-multiple="FIELD">
 *     <ul data-chosen-for="FIELD">
 *       <li><input type="hidden" name="FIELD" value="ID"> <span>Label</span>
 *           <button type="button" data-remove hidden>Remove</button></li>
 *     </ul>
 *   Optional: data-suggest-url="/other/url" (default: the script's data-suggest-url).
 *
 *   Scripts: Combobox.attach(input, {source: function (query, signal) → results or a
 *   Promise of them, pick: function (result)}) — the network map's finder offers its nodes.
 *
 * Suggestions come from GET <url>?type=<type>&q=<text> answering
 *   {"results": [{"id": 1, "label": "Name", "detail": "org nr / organisation", "url": "/x/1"}]}
 * 150 ms after the last key, from 2 characters on.
 *
 * Keys: ArrowDown/ArrowUp move through the suggestions and wrap round (and open the list);
 * Enter picks the active one; Escape closes the list, or when it is closed empties the box
 * and the chosen id; Tab leaves; Home/End stay in the text. A polite live region says how
 * many were found and what was chosen.
 */
(function () {
  "use strict";

  if (window.Combobox) {
    return; // already loaded on this page
  }

  var DEBOUNCE_MS = 150;
  var MIN_LENGTH = 2;
  var SEARCH_TYPES = ["companies", "contacts", "meetings"];
  var SCRIPT = document.currentScript || document.querySelector("script[data-combobox]");
  var counter = 0;
  var adders = {}; // field name → add(result) of a "several choices" field, for other scripts

  function uniqueId(prefix) {
    counter += 1;
    return prefix + "-" + counter;
  }

  /* A translated text: the widget's own data-text-NAME, else the one on this script's tag. */
  function textFor(element, name) {
    var own = element ? element.getAttribute("data-text-" + name) : null;
    if (own) {
      return own;
    }
    return (SCRIPT && SCRIPT.getAttribute("data-text-" + name)) || "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values && key in values ? String(values[key]) : "";
    });
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  /* One chosen record in a list of several (ul[data-chosen-for]): its hidden input, its name
     and its remove button; also used by invitation.js. Returns the hidden input. */
  function addChosen(list, name, id, label, removeText) {
    var item = chip(label, removeText);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = name;
    hidden.value = String(id);
    item.insertBefore(hidden, item.firstChild);
    list.appendChild(item);
    return hidden;
  }

  /* Suggestions of one type from the server; a refusal or a sign-in page is a failure. */
  function fetchResults(url, type, query, signal) {
    var address = url + "?" + new URLSearchParams({ type: type, q: query }).toString();
    return window
      .fetch(address, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: signal,
      })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || !json) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        return (body && body.results) || [];
      });
  }

  /*
   * The widget. `options`:
   *   source(query, signal)  results, or groups [{key, label, results}], or a Promise of either
   *   pick(result)           what choosing a suggestion does
   *   exclude(result)        true for a suggestion not to offer (already chosen)
   *   typed()                the text changed (a chosen id no longer holds)
   *   cleared()              Escape emptied the box
   *   holdEnter              Enter without a suggestion does not submit the form
   *   minLength              characters before suggestions come (default 2)
   *   textElement            where data-text-* overrides are read (default: the input)
   */
  function Combobox(input, options) {
    this.input = input;
    this.options = options;
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.sequence = 0;
    this.build();
    this.bind();
  }

  Combobox.prototype.minLength = function () {
    return this.options.minLength === undefined ? MIN_LENGTH : this.options.minLength;
  };

  Combobox.prototype.text = function (name) {
    return textFor(this.options.textElement || this.input, name);
  };

  Combobox.prototype.build = function () {
    var input = this.input;
    var wrapper = document.createElement("div");
    wrapper.className = "position-relative combobox";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    this.listbox = document.createElement("div");
    this.listbox.id = uniqueId("combobox-listbox");
    this.listbox.className = "list-group position-absolute w-100 shadow z-3 combobox-listbox";
    this.listbox.setAttribute("role", "listbox");
    // Its own name ("Suggestions"), not the field's: the field's label names one thing.
    this.listbox.setAttribute("aria-label", this.text("list"));
    this.listbox.hidden = true;
    wrapper.appendChild(this.listbox);

    this.live = document.createElement("div");
    this.live.className = "visually-hidden";
    this.live.setAttribute("role", "status");
    this.live.setAttribute("aria-live", "polite");
    this.live.setAttribute("aria-atomic", "true");
    wrapper.appendChild(this.live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("spellcheck", "false");
  };

  Combobox.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      if (self.options.typed) {
        self.options.typed();
      }
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () {
        self.lookUp();
      }, DEBOUNCE_MS);
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKeydown(event);
    });
    this.input.addEventListener("focus", function () {
      if (self.results.length && self.input.value.trim().length >= self.minLength()) {
        self.open();
      }
    });
    this.input.addEventListener("blur", function () {
      self.close();
    });
    // Keep focus in the input while the pointer chooses, so blur does not close the list first.
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) {
        self.pick(Number(option.getAttribute("data-index")));
      }
    });
    this.listbox.addEventListener("mousemove", function (event) {
      var option = event.target.closest('[role="option"]');
      var index = option ? Number(option.getAttribute("data-index")) : -1;
      if (index >= 0 && index !== self.active) {
        self.setActive(index);
      }
    });
  };

  Combobox.prototype.lookUp = function () {
    var self = this;
    var query = this.input.value.trim();
    if (this.controller) {
      this.controller.abort();
      this.controller = null;
    }
    var mine = ++this.sequence;
    if (query.length < this.minLength()) {
      this.results = [];
      this.listbox.textContent = "";
      this.close();
      this.live.textContent = "";
      return;
    }
    this.controller = window.AbortController ? new AbortController() : null;
    Promise.resolve(this.options.source(query, this.controller ? this.controller.signal : undefined))
      .then(function (found) {
        if (mine === self.sequence) {
          self.show(found || []);
        }
      })
      .catch(function (error) {
        if ((error && error.name === "AbortError") || mine !== self.sequence) {
          return;
        }
        self.results = [];
        self.listbox.textContent = "";
        self.close();
        self.announce(self.text("failed"));
      });
  };

  Combobox.prototype.show = function (found) {
    var self = this;
    var groups = found.length && found[0].results ? found : [{ results: found }];
    var exclude = this.options.exclude;
    // An answer that comes while the user moves through the list keeps their place in it.
    var keep = this.isOpen() && this.active >= 0 ? this.results[this.active] : null;
    this.results = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    groups.forEach(function (group) {
      var results = exclude ? group.results.filter(function (r) { return !exclude(r); }) : group.results;
      if (!results.length) {
        return;
      }
      var parent = self.listbox;
      if (group.label) {
        parent = document.createElement("div");
        parent.setAttribute("role", "group");
        var header = document.createElement("div");
        header.id = self.listbox.id + "-" + (group.key || uniqueId("group"));
        header.className = "list-group-item small fw-semibold text-body-secondary bg-body-tertiary";
        header.setAttribute("role", "presentation");
        header.textContent = group.label;
        parent.setAttribute("aria-labelledby", header.id);
        parent.appendChild(header);
        self.listbox.appendChild(parent);
      }
      results.forEach(function (result) {
        parent.appendChild(self.option(result, self.results.length));
        self.results.push(result);
      });
    });
    var n = this.results.length;
    if (n) {
      this.open();
      if (keep) {
        this.setActive(this.indexOf(keep));
      }
    } else {
      this.close();
    }
    this.announce(n === 0 ? this.text("none") : fill(this.text(n === 1 ? "one" : "many"), { count: n }));
  };

  Combobox.prototype.indexOf = function (wanted) {
    for (var i = 0; i < this.results.length; i += 1) {
      if (this.results[i].id === wanted.id && this.results[i].url === wanted.url) {
        return i;
      }
    }
    return -1;
  };

  Combobox.prototype.option = function (result, index) {
    var option = document.createElement("div");
    option.id = this.listbox.id + "-option-" + index;
    option.className = "list-group-item list-group-item-action";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.setAttribute("data-index", String(index));
    var label = document.createElement("span");
    label.textContent = result.label;
    option.appendChild(label);
    if (result.detail) {
      var detail = document.createElement("span");
      detail.className = "d-block small text-body-secondary combobox-detail";
      detail.textContent = result.detail;
      option.appendChild(detail);
    }
    return option;
  };

  Combobox.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Combobox.prototype.open = function () {
    if (this.results.length) {
      this.listbox.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }
  };

  Combobox.prototype.close = function () {
    this.setActive(-1);
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
  };

  Combobox.prototype.setActive = function (index) {
    var options = this.listbox.querySelectorAll('[role="option"]');
    for (var i = 0; i < options.length; i += 1) {
      var on = i === index;
      options[i].setAttribute("aria-selected", on ? "true" : "false");
      options[i].classList.toggle("active", on);
      var detail = options[i].querySelector(".combobox-detail");
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

  /* One step down (1) or up (-1), round from the last to the first and back. */
  Combobox.prototype.move = function (step) {
    var n = this.results.length;
    if (!this.isOpen()) {
      this.open();
      this.setActive(step > 0 ? 0 : n - 1);
      return;
    }
    var next = this.active + step;
    this.setActive(next < 0 ? n - 1 : next >= n ? 0 : next);
  };

  Combobox.prototype.onKeydown = function (event) {
    if (event.isComposing) {
      return;
    }
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!this.results.length) {
          return;
        }
        event.preventDefault();
        this.move(event.key === "ArrowDown" ? 1 : -1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault(); // pick, do not submit the form
          this.pick(this.active);
        } else if (this.options.holdEnter) {
          event.preventDefault(); // a half-filled form is not sent from a "several" box
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.results = [];
          if (this.options.cleared) {
            this.options.cleared();
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

  Combobox.prototype.pick = function (index) {
    var result = this.results[index];
    if (!result) {
      return;
    }
    this.close();
    this.options.pick(result);
  };

  Combobox.prototype.announce = function (message) {
    var live = this.live;
    // Clearing first makes screen readers repeat an identical message.
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = message;
    }, 50);
  };

  /* The navigation bar's and the search page's box: grouped suggestions that open a record. */
  function enhanceSearchForm(form) {
    var input = form.querySelector('input[name="q"]');
    var url = form.getAttribute("data-search-suggest");
    if (!input || !url) {
      return;
    }
    var box = new Combobox(input, {
      textElement: form,
      source: function (query, signal) {
        return Promise.all(
          SEARCH_TYPES.map(function (type) {
            return fetchResults(url, type, query, signal).then(function (results) {
              return { key: type, label: form.getAttribute("data-label-" + type), results: results };
            });
          })
        );
      },
      pick: function (result) {
        if (result.url) {
          window.location.assign(result.url);
        } else {
          box.input.value = result.label;
        }
      },
    });
  }

  /* One chosen item: its label and a Remove button that names it for screen readers. */
  function chip(text, removeText) {
    var item = document.createElement("li");
    item.className = "border rounded bg-white px-2 py-1 d-inline-flex align-items-center gap-2";
    var label = document.createElement("span");
    label.textContent = text;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary py-0";
    button.setAttribute("data-remove", "");
    button.textContent = removeText;
    var buttonLabel = document.createElement("span");
    buttonLabel.className = "visually-hidden";
    buttonLabel.textContent = " " + text;
    button.appendChild(buttonLabel);
    item.appendChild(label);
    item.appendChild(button);
    return item;
  }

  /* A <select multiple data-chips>: a type-ahead over its options, the chosen ones as chips.
     The select stays in the form (hidden) and keeps its options selected, so the form posts
     exactly what it posted without JavaScript. */
  function enhanceChipSelect(select) {
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "-typeahead";
    input.className = "form-control";
    var label = select.id ? document.querySelector('label[for="' + cssEscape(select.id) + '"]') : null;
    if (label) {
      label.htmlFor = input.id;
    }
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    var list = document.createElement("ul");
    list.className = "list-unstyled d-flex flex-wrap gap-1 mb-1 combobox-chips";
    if (label) {
      list.setAttribute("aria-label", label.textContent.trim());
    }
    select.hidden = true;
    select.parentNode.insertBefore(list, select);
    select.parentNode.insertBefore(input, select);
    var box;

    function render() {
      list.textContent = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.selected) {
          var item = chip(option.text, box.text("remove"));
          item.setAttribute("data-value", option.value);
          list.appendChild(item);
        }
      });
      list.hidden = !list.children.length;
    }

    box = new Combobox(input, {
      holdEnter: true,
      minLength: 1,
      source: function (query) {
        var wanted = query.toLowerCase();
        return Array.prototype.filter
          .call(select.options, function (option) {
            return !option.selected && option.text.toLowerCase().indexOf(wanted) !== -1;
          })
          .slice(0, 20)
          .map(function (option) {
            return { id: option.value, label: option.text };
          });
      },
      pick: function (result) {
        Array.prototype.forEach.call(select.options, function (option) {
          if (option.value === String(result.id)) {
            option.selected = true;
          }
        });
        input.value = "";
        box.results = [];
        render();
        box.announce(fill(box.text("added"), { label: result.label }));
      },
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-remove]");
      if (!button) {
        return;
      }
      event.preventDefault();
      var item = button.closest("li");
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.value === item.getAttribute("data-value")) {
          option.selected = false;
        }
      });
      var text = item.querySelector("span").textContent;
      var sibling = item.nextElementSibling || item.previousElementSibling;
      var value = sibling ? sibling.getAttribute("data-value") : null;
      render();
      var next = value ? list.querySelector('li[data-value="' + cssEscape(value) + '"] button') : null;
      (next || input).focus();
      box.announce(fill(box.text("removed"), { label: text }));
    });
    render();
  }

  /* A form field that chooses one record (hidden id) or several (a list of hidden inputs). */
  function enhanceRecordField(input) {
    var type = input.getAttribute("data-typeahead");
    var url = input.getAttribute("data-suggest-url") || (SCRIPT && SCRIPT.getAttribute("data-suggest-url"));
    var multiple = input.getAttribute("data-multiple");
    var target = multiple ? null : document.getElementById(input.getAttribute("data-target") || "");
    var chosen = multiple
      ? document.querySelector('ul[data-chosen-for="' + cssEscape(multiple) + '"]')
      : null;
    var box;

    function setTarget(value) {
      if (target && target.value !== value) {
        target.value = value;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function chosenIds() {
      var ids = {};
      var inputs = chosen ? chosen.querySelectorAll('input[type="hidden"]') : [];
      for (var i = 0; i < inputs.length; i += 1) {
        ids[inputs[i].value] = true;
      }
      return ids;
    }

    function add(result) {
      addChosen(chosen, multiple, result.id, result.label, box.text("remove"));
      chosen.dispatchEvent(new CustomEvent("combobox:change", { bubbles: true }));
    }

    function remove(item) {
      var labelNode = item.querySelector("span");
      var label = labelNode ? labelNode.textContent.trim() : "";
      // Keep keyboard focus on the list: the next remove button, else the previous, else the box.
      var sibling = item.nextElementSibling || item.previousElementSibling;
      item.parentNode.removeChild(item);
      chosen.dispatchEvent(new CustomEvent("combobox:change", { bubbles: true }));
      var next = sibling ? sibling.querySelector("button") : null;
      (next || input).focus();
      box.announce(fill(box.text("removed"), { label: label }));
    }

    box = new Combobox(input, {
      holdEnter: Boolean(multiple),
      source: function (query, signal) {
        return fetchResults(url, type, query, signal);
      },
      exclude: function (result) {
        return Boolean(chosenIds()[String(result.id)]);
      },
      typed: function () {
        setTarget(""); // the text no longer names the chosen record: post no stale id
      },
      cleared: function () {
        setTarget("");
      },
      pick: function (result) {
        // Other scripts may follow a pick (the meeting form adds a person's organisation).
        input.dispatchEvent(new CustomEvent("combobox:pick", { bubbles: true, detail: result }));
        if (chosen) {
          if (!chosenIds()[String(result.id)]) {
            add(result);
          }
          input.value = "";
          box.results = [];
          box.announce(fill(box.text("added"), { label: result.label }));
        } else {
          input.value = result.label;
          setTarget(String(result.id));
          box.announce(fill(box.text("chosen"), { label: result.label }));
        }
      },
    });

    if (chosen) {
      adders[multiple] = function (result) {
        if (!chosenIds()[String(result.id)]) {
          add(result);
        }
      };
      // Remove buttons are hidden until JavaScript can make them work.
      Array.prototype.forEach.call(chosen.querySelectorAll("button[data-remove]"), function (b) {
        b.hidden = false;
      });
      chosen.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-remove]");
        if (button && chosen.contains(button)) {
          event.preventDefault();
          remove(button.closest("li"));
        }
      });
    }
  }

  /* Enhance every search form and record field below `root` once. */
  function init(root) {
    var scope = root || document;
    Array.prototype.forEach.call(scope.querySelectorAll("form[data-search-suggest]"), function (form) {
      if (!form.hasAttribute("data-combobox-ready")) {
        form.setAttribute("data-combobox-ready", "");
        enhanceSearchForm(form);
      }
    });
    Array.prototype.forEach.call(scope.querySelectorAll("select[multiple][data-chips]"), function (select) {
      if (!select.hasAttribute("data-combobox-ready")) {
        select.setAttribute("data-combobox-ready", "");
        enhanceChipSelect(select);
      }
    });
    Array.prototype.forEach.call(scope.querySelectorAll("input[data-typeahead]"), function (input) {
      if (!input.hasAttribute("data-combobox-ready")) {
        input.setAttribute("data-combobox-ready", "");
        enhanceRecordField(input);
      }
    });
  }

  window.Combobox = {
    init: init,
    addChosen: addChosen,
    /* Add {id, label} to the "several choices" field named `field`, as if picked. */
    choose: function (field, result) {
      if (adders[field]) {
        adders[field](result);
      }
    },
    attach: function (input, options) {
      return new Combobox(input, options);
    },
  };
  if (!window.fetch) {
    return; // the forms keep working without suggestions
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
