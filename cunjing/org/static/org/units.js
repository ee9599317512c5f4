/* The unit page's tree: a "show the units below" button goes away once they are shown (what an
 * hx-on attribute would do, which needs eval and is refused by the Content-Security-Policy). */
"use strict";
document.addEventListener("htmx:afterRequest", function (event) {
  var button = event.detail.elt;
  if (event.detail.successful && button.matches("[data-shown-once]")) button.remove();
});
