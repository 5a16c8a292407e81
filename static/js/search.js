/*
 * Answers as you type: the navigation bar's search box (templates/search/_navbar_form.html)
 * shows suggestions of organisations, people and meetings from /search/suggest.
 *
 * ARIA 1.2 combobox with a grouped listbox: the input keeps focus, arrow keys move the active
 * option (aria-activedescendant), Enter opens the active suggestion, and Enter with none chosen
 * submits the form to the full results page as it would without JavaScript. Escape closes.
 * Texts come from data attributes of the form, so they are translated by the server.
 */
(function () {
  "use strict";

  var TYPES = ["companies", "contacts", "meetings"];
  var DEBOUNCE_MS = 150;
  var MIN_LENGTH = 2;
  var instances = 0;

  function enhance(form) {
    if (form.getAttribute("data-search-enhanced") === "true") {
      return; // the partial may be included, and this file loaded, more than once
    }
    var input = form.querySelector('input[name="q"]');
    var endpoint = form.getAttribute("data-search-suggest");
    if (!input || !endpoint || !window.fetch) {
      return;
    }
    form.setAttribute("data-search-enhanced", "true");
    instances += 1;
    var prefix = (input.id || "search") + "-suggest-" + instances;

    var list = document.createElement("div");
    list.id = prefix + "-list";
    list.className = "dropdown-menu shadow py-1";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-text-list") || "");
    // Bootstrap places a menu with data-bs-popper right under its positioned parent, which the
    // templates make the input's container (position-relative).
    list.setAttribute("data-bs-popper", "static");
    input.parentNode.appendChild(list);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var options = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var sequence = 0;

    function text(name) {
      return form.getAttribute("data-" + name) || "";
    }

    function setActive(index) {
      if (active >= 0 && options[active]) {
        options[active].classList.remove("active");
        options[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].classList.add("active");
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      setActive(-1);
      list.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (options.length) {
        list.classList.add("show");
        input.setAttribute("aria-expanded", "true");
      }
    }

    function go(option) {
      var url = option.getAttribute("data-url");
      if (url) {
        window.location.assign(url);
      } else {
        input.value = option.getAttribute("data-label") || "";
        close();
      }
    }

    function render(groups) {
      list.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      groups.forEach(function (group) {
        if (!group.results.length) {
          return;
        }
        var box = document.createElement("div");
        box.setAttribute("role", "group");
        var header = document.createElement("div");
        header.id = prefix + "-" + group.type;
        header.className = "dropdown-header";
        header.setAttribute("role", "presentation");
        header.textContent = text("label-" + group.type);
        box.setAttribute("aria-labelledby", header.id);
        box.appendChild(header);
        group.results.forEach(function (result) {
          var option = document.createElement("div");
          option.id = prefix + "-" + group.type + "-" + result.id;
          option.className = "dropdown-item text-wrap";
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.setAttribute("data-label", result.label);
          if (result.url) {
            option.setAttribute("data-url", result.url);
          }
          var label = document.createElement("span");
          label.textContent = result.label;
          option.appendChild(label);
          if (result.detail) {
            var detail = document.createElement("span");
            detail.className = "d-block small text-body-secondary";
            detail.textContent = result.detail;
            option.appendChild(detail);
          }
          box.appendChild(option);
          options.push(option);
        });
        list.appendChild(box);
      });
      if (options.length) {
        status.textContent = text("text-count").replace("{count}", String(options.length));
        open();
      } else {
        status.textContent = text("text-none");
        close();
      }
    }

    function fetchType(type, q, signal) {
      var url = endpoint + "?" + new URLSearchParams({ type: type, q: q }).toString();
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: signal,
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || !json) {
          // Signed out meanwhile (redirect to the login page) or refused: no suggestions.
          return { type: type, results: [] };
        }
        return response.json().then(function (body) {
          return { type: type, results: body.results || [] };
        });
      });
    }

    function lookUp() {
      var q = input.value.trim();
      if (controller) {
        controller.abort();
      }
      if (q.length < MIN_LENGTH) {
        list.textContent = "";
        options = [];
        status.textContent = "";
        close();
        return;
      }
      controller = window.AbortController ? new AbortController() : null;
      var mine = ++sequence;
      Promise.all(
        TYPES.map(function (type) {
          return fetchType(type, q, controller ? controller.signal : undefined);
        })
      )
        .then(function (groups) {
          if (mine === sequence) {
            render(groups);
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          if (mine === sequence) {
            render([]);
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = list.classList.contains("show");
      switch (event.key) {
        case "ArrowDown":
          if (!options.length) {
            return;
          }
          event.preventDefault();
          if (!isOpen) {
            open();
            setActive(0);
          } else {
            setActive(active + 1 < options.length ? active + 1 : 0);
          }
          break;
        case "ArrowUp":
          if (!options.length) {
            return;
          }
          event.preventDefault();
          if (!isOpen) {
            open();
            setActive(options.length - 1);
          } else {
            setActive(active > 0 ? active - 1 : options.length - 1);
          }
          break;
        case "Enter":
          if (isOpen && active >= 0) {
            event.preventDefault();
            go(options[active]);
          }
          // Otherwise the form is submitted to the search page, as without JavaScript.
          break;
        case "Escape":
          if (isOpen) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("focus", function () {
      if (options.length && input.value.trim().length >= MIN_LENGTH) {
        open();
      }
    });

    input.addEventListener("blur", function () {
      close();
    });

    // Keep focus in the input while the pointer chooses, so blur does not close the list first.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) {
        go(option);
      }
    });

    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest('[role="option"]');
      var index = option ? options.indexOf(option) : -1;
      if (index >= 0 && index !== active) {
        setActive(index);
      }
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-search-suggest]");
    Array.prototype.forEach.call(forms, enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
