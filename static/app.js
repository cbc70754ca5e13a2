// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // The workspace switcher submits as soon as a workspace is chosen.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Copy buttons next to one-time secrets and links.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    }
  });

  document.documentElement.classList.add("js");
})();

// Flow settings: choosing another field or operator re-renders the form, so operators and
// value inputs follow the field's type. Without JavaScript a button does the same.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("select[data-refresh]") || !el.form) return;
    var button = el.form.querySelector("[data-refresh-button]");
    if (!button) return;
    // A click (not requestSubmit) so htmx sees which button submitted the form.
    button.click();
  });

  // Refused saves (422) and stale versions (409) carry the form with its messages:
  // htmx swaps them in like any other answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status === 422 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
