// Progressive enhancement for the confirmation page: a "Copy link" button
// beside the private link. Without JavaScript the link stays in a readonly
// field the customer can select; with it, one tap copies it.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    if (!field) {
      return;
    }
    button.hidden = false;
    // Selecting the whole link on focus makes a manual copy easy too.
    field.addEventListener("focus", function () {
      field.select();
    });
    button.addEventListener("click", function () {
      var copied = function () {
        if (status) {
          status.textContent = button.getAttribute("data-copied");
        }
      };
      var fallback = function () {
        field.focus();
        field.select();
        try {
          if (document.execCommand("copy")) {
            copied();
          }
        } catch (e) {
          // Selected: the customer can still copy it by hand.
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, fallback);
      } else {
        fallback();
      }
    });
  });
})();
