// The help request form, enhanced: the form works without this script.
// - Markers ("required"/"optional") and the money-taken section follow the
//   symptom as it is chosen; the server sends each marker's words for every
//   case (data-required / data-optional / data-unknown), so nothing here
//   knows the rules or the language.
// - The boxes of "what have you tried?" follow the symptom too.
// - A chosen screenshot is shown, so the customer sees it is the right one.
(function () {
  "use strict";
  var symptom = document.getElementById("symptom");
  if (symptom) {
    var follow = function () {
      var code = symptom.value;
      var nodes = document.querySelectorAll("[data-required-for]");
      for (var i = 0; i < nodes.length; i++) {
        var el = nodes[i];
        var needed = code !== "" && el.getAttribute("data-required-for").split(" ").indexOf(code) >= 0;
        if (el.tagName === "DETAILS") {
          if (needed) el.open = true;
        } else {
          el.textContent = code === "" ? el.dataset.unknown : needed ? el.dataset.required : el.dataset.optional;
        }
      }
    };
    // The boxes of "what have you tried?" are the chosen symptom's advice;
    // a ticked box always stays in sight.
    var followChecks = function () {
      var code = symptom.value;
      var boxes = document.querySelectorAll("[data-checks-for]");
      for (var i = 0; i < boxes.length; i++) {
        var box = boxes[i];
        var fits = code === "" || box.getAttribute("data-checks-for").split(" ").indexOf(code) >= 0;
        var ticked = box.querySelector("input").checked;
        box.hidden = !fits && !ticked;
      }
    };
    symptom.addEventListener("change", follow);
    symptom.addEventListener("change", followChecks);
  }

  var file = document.getElementById("screenshot");
  var preview = document.getElementById("screenshot-preview");
  if (file && preview && window.URL && URL.createObjectURL) {
    file.addEventListener("change", function () {
      if (preview.src) URL.revokeObjectURL(preview.src);
      var chosen = file.files && file.files[0];
      if (chosen && /^image\//.test(chosen.type)) {
        preview.src = URL.createObjectURL(chosen);
        preview.hidden = false;
      } else {
        preview.removeAttribute("src");
        preview.hidden = true;
      }
    });
  }
})();
