// On the sign-in page nobody is signed in: the workspace's service worker drops the pages it
// kept for offline use (the outbox stays: it is kept per user and sent only in their session).
(function () {
  var scope = document.currentScript && document.currentScript.dataset.scope;
  if (!scope || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistration(scope).then(function (registration) {
    var worker = registration && (registration.active || registration.waiting);
    if (worker) worker.postMessage({ type: "signed-out" });
  });
})();
