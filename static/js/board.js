/*
 * The establishment board scrolls its columns sideways inside itself. A shadow on the left or
 * right edge shows that more columns lie that way; it goes when the board is scrolled to that end.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var frame = board.parentElement;

  function update() {
    var end = board.scrollWidth - board.clientWidth;
    frame.classList.toggle("board-more-left", board.scrollLeft > 1);
    frame.classList.toggle("board-more-right", board.scrollLeft < end - 1);
  }

  board.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  update();
})();
