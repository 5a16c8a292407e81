// "Select all on this page" for the bulk bar under a list: the box is hidden without script.
(function () {
  "use strict";
  const all = document.querySelector("input.select-all");
  if (!all) {
    return;
  }
  const rows = () => document.querySelectorAll('input[name="ids"][form="bulk-form"]');
  all.hidden = false;
  all.addEventListener("change", () => {
    rows().forEach((box) => {
      box.checked = all.checked;
    });
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches('input[name="ids"][form="bulk-form"]')) {
      const boxes = Array.from(rows());
      const chosen = boxes.filter((box) => box.checked).length;
      all.checked = chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  });
})();
