/*
 * Keyboard shortcuts, on every page (base.html). A link with data-shortcut="m" opens with "m"
 * when the focus is not in a field, or with Alt+Shift+M anywhere. The header's "Logg et møte"
 * is such a link; its title attribute tells the shortcut, the README lists it.
 */
(function () {
  "use strict";

  function inField(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey) {
      return;
    }
    var key = (event.code || "").replace(/^Key/, "").toLowerCase();
    var chord = event.altKey && event.shiftKey;
    var plain = !event.altKey && !event.shiftKey && !inField(event.target);
    if (!chord && !plain) {
      return;
    }
    var link = document.querySelector('a[data-shortcut="' + key + '"]');
    if (link && (chord || event.key.toLowerCase() === key)) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
