// The submit form: the category list shows only the categories of the chosen kind (each kind's
// categories are an <optgroup> labelled like the kind's option). Without JavaScript every group
// shows and the server refuses a category of another kind.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  var category = document.getElementById("id_category");
  if (!kind || !category) return;
  function sync() {
    var label = kind.options[kind.selectedIndex] ? kind.options[kind.selectedIndex].text : "";
    var groups = category.getElementsByTagName("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var match = groups[i].label === label;
      groups[i].hidden = !match;
      groups[i].disabled = !match;
    }
    var chosen = category.options[category.selectedIndex];
    if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) {
      category.value = "";
    }
  }
  kind.addEventListener("change", sync);
  sync();
})();
