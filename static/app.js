/* Career Pathways — small progressive enhancements. No framework; every page works without it.
   Loaded with `defer` from base.html. The CSP forbids inline scripts, so behaviour hangs off
   data-* attributes in the markup:
   - <html class="no-js"> becomes "js", so CSS can hide controls only needed without JavaScript;
   - input[data-browser-time-zone] (sign-up) gets the browser's IANA time zone;
   - select[data-time-zone-select] (preferences) offers the browser's time zone when it differs,
     through a [data-browser-time-zone-offer] element holding a [data-use-browser-time-zone] button;
   - button[data-confirm="Question?"] asks before submitting. */
(function () {
  "use strict";

  if (window.careerPathways) {
    return; // already loaded
  }
  window.careerPathways = {};

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function browserTimeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function once(element, name) {
    var key = "enhanced" + name;
    if (element.dataset[key]) {
      return false;
    }
    element.dataset[key] = "1";
    return true;
  }

  function fillTimeZoneInputs(scope, timeZone) {
    scope.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
      if (!input.value && timeZone) {
        input.value = timeZone;
      }
    });
  }

  function offerBrowserTimeZone(scope, timeZone) {
    scope.querySelectorAll("select[data-time-zone-select]").forEach(function (select) {
      if (!once(select, "TimeZone") || !timeZone || select.value === timeZone) {
        return;
      }
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === timeZone;
      });
      var form = select.form;
      var offer = form && form.querySelector("[data-browser-time-zone-offer]");
      var button = offer && offer.querySelector("[data-use-browser-time-zone]");
      if (!known || !button) {
        return;
      }
      button.textContent = "Use this device’s time zone (" + timeZone.replace(/_/g, " ") + ")";
      offer.hidden = false;
      button.addEventListener("click", function () {
        select.value = timeZone;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        offer.hidden = true;
        select.focus();
      });
      select.addEventListener("change", function () {
        offer.hidden = select.value === timeZone;
      });
    });
  }

  function confirmButtons(scope) {
    scope.querySelectorAll("button[data-confirm]").forEach(function (button) {
      if (!once(button, "Confirm")) {
        return;
      }
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
  }

  function enhance(scope) {
    var timeZone = browserTimeZone();
    fillTimeZoneInputs(scope, timeZone);
    offerBrowserTimeZone(scope, timeZone);
    confirmButtons(scope);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enhance(document);
    });
  } else {
    enhance(document);
  }
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) {
      enhance(event.target);
    }
  });
})();
