// A button with data-print prints the page (no inline script: the pages run under a CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
