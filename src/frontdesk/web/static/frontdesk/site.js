// frontdesk: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";
  // Move focus to an error summary (or a confirmation) so screen readers announce it at once.
  var target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
})();
