/*
 * The meeting capture form (templates/meetings/form.html), on top of combobox.js:
 *   - picking a person adds their current organisation (the suggestion carries it);
 *   - follow-up task rows: "Add another task" copies the last row, and each row's organisation
 *     list follows the organisations chosen above;
 *   - the strategy finder: a type-ahead over the strategy checkboxes ("1.1 Innovasjons…").
 * Without JavaScript the form works as plain fields; nothing here is needed to save.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-draft]");
  if (!form || !window.Combobox) {
    return;
  }

  /* A person brings their organisation along. */
  var people = form.querySelector('input[data-multiple="contact_ids"]');
  if (people) {
    people.addEventListener("combobox:pick", function (event) {
      var company = event.detail && event.detail.company;
      if (company) {
        window.Combobox.choose("company_ids", company);
      }
    });
  }

  /* Follow-up task rows. */
  var rows = form.querySelector("[data-task-rows]");
  var companies = form.querySelector('ul[data-chosen-for="company_ids"]');

  function chosenCompanies() {
    return Array.prototype.map.call(companies.querySelectorAll("li"), function (item) {
      return {
        id: item.querySelector('input[type="hidden"]').value,
        label: item.querySelector("span").textContent.trim(),
      };
    });
  }

  function syncCompanyOptions() {
    if (!rows || !companies) {
      return;
    }
    var list = chosenCompanies();
    Array.prototype.forEach.call(rows.querySelectorAll('select[name$="-company_id"]'), function (select) {
      var value = select.value;
      while (select.options.length > 1) {
        select.remove(1); // the first option is "the meeting's main organisation"
      }
      list.forEach(function (company) {
        select.add(new Option(company.label, company.id, false, company.id === value));
      });
    });
  }

  function addRow() {
    var all = rows.querySelectorAll("[data-task-row]");
    var last = all[all.length - 1];
    var index = all.length;
    var copy = last.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("[id],[for],[name],[aria-describedby]"), function (el) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) {
          el.setAttribute(attribute, value.replace(/tasks-\d+-/g, "tasks-" + index + "-"));
        }
      });
    });
    Array.prototype.forEach.call(copy.querySelectorAll(".invalid-feedback"), function (el) {
      el.parentNode.removeChild(el);
    });
    Array.prototype.forEach.call(copy.querySelectorAll("input, select"), function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
      if (el.tagName === "INPUT") {
        el.value = "";
      }
    });
    // A new row is for the same colleague as the row above, by default.
    var assignee = last.querySelector('select[name$="-assignee_id"]');
    var newAssignee = copy.querySelector('select[name$="-assignee_id"]');
    if (assignee && newAssignee) {
      newAssignee.value = assignee.value;
    }
    last.parentNode.insertBefore(copy, last.nextSibling);
    return copy;
  }

  if (rows) {
    var button = rows.querySelector("[data-add-task]");
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = addRow();
      row.querySelector("input").focus();
    });
    if (companies) {
      companies.addEventListener("combobox:change", syncCompanyOptions);
    }
    form.addEventListener("draft:rows", function (event) {
      while (rows.querySelectorAll("[data-task-row]").length < event.detail.count) {
        addRow();
      }
      syncCompanyOptions();
    });
  }

  /* Organisations added in the browser: their earlier meetings' strategies move up first. */
  var suggested = form.querySelector("[data-suggested-strategies]");
  function offerEarlierStrategies() {
    var ids = chosenCompanies().map(function (company) {
      return ["company_id", company.id];
    });
    if (!ids.length || !window.fetch) {
      return;
    }
    var url = suggested.getAttribute("data-suggested-strategies") + "?" + new URLSearchParams(ids).toString();
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { ids: [] };
      })
      .then(function (body) {
        (body.ids || []).forEach(function (id) {
          var box = document.getElementById("strategy-" + id);
          var item = box ? box.closest(".form-check") : null;
          if (item && !suggested.contains(item)) {
            suggested.appendChild(item);
            suggested.hidden = false;
          }
        });
      })
      .catch(function () {
        // Suggestions are a help; without them every strategy is still under its focus area.
      });
  }
  if (suggested && companies) {
    companies.addEventListener("combobox:change", offerEarlierStrategies);
  }

  /* The strategy finder: suggestions from the checkboxes on the page. */
  var finder = form.querySelector("[data-strategy-finder]");
  if (finder) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="strategy_ids"]'));
    var input = finder.querySelector("input");
    finder.hidden = false;
    var combo = window.Combobox.attach(input, {
      holdEnter: true,
      source: function (query) {
        var words = query.toLowerCase().split(/\s+/);
        return boxes
          .filter(function (box) {
            var text = form.querySelector('label[for="' + box.id + '"]').textContent.toLowerCase();
            return !box.checked && words.every(function (word) {
              return text.indexOf(word) !== -1;
            });
          })
          .slice(0, 10)
          .map(function (box) {
            return { id: box.id, label: form.querySelector('label[for="' + box.id + '"]').textContent.trim() };
          });
      },
      pick: function (result) {
        var box = document.getElementById(result.id);
        box.checked = true;
        var details = box.closest("details");
        if (details) {
          details.open = true;
        }
        box.dispatchEvent(new Event("change", { bubbles: true }));
        input.value = "";
        combo.announce(result.label);
      },
    });
  }
})();
