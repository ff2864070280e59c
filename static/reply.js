// The ticket page's canned replies, enhanced: a canned reply goes in at the
// cursor of the reply box, as Zammad's text modules and Zendesk's macros do,
// without leaving the page. Without this script the button posts the draft
// and the page comes back with the canned reply added after it (nothing is
// lost either way).
(function () {
  "use strict";
  var box = document.getElementById("reply-body");
  if (!box) {
    return;
  }
  var buttons = document.querySelectorAll("button[data-canned-text]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var text = button.getAttribute("data-canned-text");
      var start = box.selectionStart;
      var end = box.selectionEnd;
      if (typeof start !== "number") {
        start = end = box.value.length;
      }
      var before = box.value.slice(0, start);
      var after = box.value.slice(end);
      // A canned reply starts its own paragraph when it follows words.
      var gap = before.trim() === "" ? "" : /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
      box.value = before.replace(/^\s+$/, "") + gap + text + after;
      var cursor = box.value.length - after.length;
      box.focus();
      box.setSelectionRange(cursor, cursor);
      var details = button.closest("details");
      if (details) {
        details.open = false;
      }
    });
  });
})();
