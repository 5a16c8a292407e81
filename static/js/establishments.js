/*
 * The establishment board: move cases by drag-and-drop or with the keyboard.
 * Progressive enhancement: without JavaScript each card's form (stage list + Move) posts as is.
 * With it, a move posts that same form by fetch (its CSRF token included), asking for JSON,
 * then moves the card in the page. Each card gets "Previous stage" and "Next stage" buttons;
 * focus stays on the pressed button of the moved card. A refusal (e.g. established needs the
 * place and date) is shown with a link to the full form.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board || board.getAttribute("data-can-move") !== "true") {
    return;
  }
  var statusRegion = document.getElementById("board-status");
  var errorBox = document.getElementById("board-error");
  var columns = Array.prototype.slice.call(board.querySelectorAll("[data-stage-column]"));
  var dragged = null;

  function text(name) {
    return board.getAttribute("data-text-" + name) || "";
  }

  function announce(message) {
    statusRegion.textContent = "";
    window.setTimeout(function () { statusRegion.textContent = message; }, 50);
  }

  function showError(message, formUrl) {
    errorBox.textContent = message + " ";
    if (formUrl) {
      var link = document.createElement("a");
      link.href = formUrl;
      link.className = "alert-link";
      link.textContent = text("details");
      errorBox.appendChild(link);
    }
    errorBox.hidden = false;
    errorBox.setAttribute("tabindex", "-1");
    errorBox.focus();
  }

  function columnIndex(stageId) {
    for (var i = 0; i < columns.length; i++) {
      if (columns[i].getAttribute("data-stage-column") === String(stageId)) {
        return i;
      }
    }
    return -1;
  }

  function updateCount(column, delta) {
    var badge = column.querySelector("[data-stage-count]");
    if (badge) {
      badge.textContent = String(Math.max(0, parseInt(badge.textContent, 10) + delta));
    }
  }

  function placeCard(card, stageId) {
    var from = columns[columnIndex(card.getAttribute("data-stage-id"))];
    var to = columns[columnIndex(stageId)];
    to.querySelector("[data-stage-list]").appendChild(card);
    card.setAttribute("data-stage-id", String(stageId));
    card.querySelector("select[name=stage_id]").value = String(stageId);
    updateCount(from, -1);
    updateCount(to, 1);
    updateButtons(card);
  }

  function move(card, stageId, focusName, confirmed) {
    if (String(stageId) === card.getAttribute("data-stage-id")) {
      return;
    }
    var form = card.querySelector("[data-move-form]");
    var data = new FormData(form);
    data.set("stage_id", String(stageId));
    if (confirmed) {
      data.set("confirmed", "y");
    }
    errorBox.hidden = true;
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false }; });
      })
      .then(function (result) {
        if (!result.ok && result.confirm) {
          // Unanswered questions of the stage: ask, never block (the server's own words).
          var list = (result.unanswered || []).map(function (item) { return "– " + item; });
          if (window.confirm([result.message].concat(list).join("\n"))) {
            move(card, stageId, focusName, true);
          } else {
            card.querySelector("select[name=stage_id]").value = card.getAttribute("data-stage-id");
          }
          return;
        }
        if (!result.ok) {
          card.querySelector("select[name=stage_id]").value = card.getAttribute("data-stage-id");
          showError(result.message || text("failed"), result.form_url);
          return;
        }
        placeCard(card, result.stage_id);
        var stageName = columns[columnIndex(result.stage_id)].getAttribute("data-stage-name");
        var name = card.querySelector("[data-case-name]").textContent;
        announce(text("moved").replace("{name}", name).replace("{stage}", stageName));
        var target = focusName && card.querySelector("[data-move=" + focusName + "]");
        if (target && !target.disabled) {
          target.focus();
        } else {
          card.querySelector("select[name=stage_id]").focus();
        }
      })
      .catch(function () {
        showError(text("failed"));
      });
  }

  function neighbour(card, offset) {
    var index = columnIndex(card.getAttribute("data-stage-id")) + offset;
    return index >= 0 && index < columns.length ? columns[index] : null;
  }

  function updateButtons(card) {
    ["previous", "next"].forEach(function (name) {
      var button = card.querySelector("[data-move=" + name + "]");
      button.disabled = neighbour(card, name === "previous" ? -1 : 1) === null;
    });
  }

  function enhance(card) {
    var name = card.querySelector("[data-case-name]").textContent;
    var group = document.createElement("div");
    group.className = "d-flex gap-1 mt-2";
    [["previous", "← "], ["next", ""]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.setAttribute("data-move", pair[0]);
      var label = pair[0] === "previous" ? "← " + text("previous") : text("next") + " →";
      button.textContent = label;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ": " + name;
      button.appendChild(hidden);
      button.addEventListener("click", function () {
        var column = neighbour(card, pair[0] === "previous" ? -1 : 1);
        if (column) {
          move(card, column.getAttribute("data-stage-column"), pair[0]);
        }
      });
      group.appendChild(button);
    });
    card.querySelector(".card-body").appendChild(group);
    updateButtons(card);

    var form = card.querySelector("[data-move-form]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      move(card, form.querySelector("select[name=stage_id]").value, null);
    });

    card.setAttribute("draggable", "true");
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-case-id"));
      card.classList.add("opacity-50");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("opacity-50");
      dragged = null;
    });
  }

  columns.forEach(function (column) {
    var box = column.firstElementChild;
    column.addEventListener("dragover", function (event) {
      if (dragged) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        box.classList.add("border-primary");
      }
    });
    column.addEventListener("dragleave", function () {
      box.classList.remove("border-primary");
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      box.classList.remove("border-primary");
      if (dragged) {
        move(dragged, column.getAttribute("data-stage-column"), null);
      }
    });
  });

  Array.prototype.forEach.call(board.querySelectorAll("[data-case-id]"), enhance);
})();
