/* Career Pathways — small progressive enhancements. No framework; every page works without it.
   Loaded with `defer` from base.html. The CSP forbids inline scripts, so behaviour hangs off
   data-* attributes in the markup:
   - <html class="no-js"> becomes "js", so CSS can hide controls only needed without JavaScript;
   - input[data-browser-time-zone] (sign-up) gets the browser's IANA time zone;
   - select[data-time-zone-select] (preferences) offers the browser's time zone when it differs,
     through a [data-browser-time-zone-offer] element holding a [data-use-browser-time-zone] button;
   - button[data-confirm="Question?"] asks before submitting;
   - form[data-tick] (a task, habit or step's box, posted by htmx) and form[data-skip]: a tick the
     server refuses or cannot reach puts the box back as it was and says why in [data-plan-status]
     (what a saved one changed elsewhere on the page comes in its answer, swapped out of band);
   - form[data-in-place] (pause, resume, leave): announces the message of the page it swapped from;
   - details[data-remember-open="key"] keeps its open state in localStorage, per key;
   - form[data-drop-empty-fields] (the catalogue's live search) leaves its empty fields out of the
     request, so the address htmx puts in the history is as clean as the one the view redirects to. */
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

  // --- Disclosures that remember whether they were open ---------------------------------------

  var OPEN_PREFIX = "careerPathways.open.";

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: disclosures simply start closed
    }
  }

  function rememberOpenState(scope) {
    var store = storage();
    var all = Array.prototype.slice.call(scope.querySelectorAll("details[data-remember-open]"));
    if (scope.matches && scope.matches("details[data-remember-open]")) {
      all.push(scope);
    }
    all.forEach(function (details) {
      var key = OPEN_PREFIX + details.dataset.rememberOpen;
      if (store && store.getItem(key) === "1") {
        details.open = true;
      }
      if (!once(details, "RememberOpen")) {
        return;
      }
      details.addEventListener("toggle", function () {
        if (!store) {
          return;
        }
        if (details.open) {
          store.setItem(key, "1");
        } else {
          store.removeItem(key);
        }
      });
    });
  }

  // --- Ticks that never look saved when they are not -------------------------------------------

  function statusRegion() {
    return document.querySelector("[data-plan-status]");
  }

  var clearTimer = null;

  function announce(text, kind) {
    var region = statusRegion();
    if (!region) {
      return;
    }
    window.clearTimeout(clearTimer);
    region.textContent = "";
    region.className = "plan-status" + (kind ? " plan-status--" + kind : "");
    // A fresh text node after clearing, so the same words are read out again.
    window.setTimeout(function () {
      region.textContent = text;
      if (kind !== "error") {
        clearTimer = window.setTimeout(function () {
          region.textContent = "";
          region.className = "plan-status";
        }, 6000);
      }
    }, 50);
  }

  function itemName(form) {
    var label = form && form.querySelector(".tick__label");
    if (!label) {
      var row = form && form.closest(".plan-item");
      label = row && row.querySelector(".tick__label");
    }
    return label ? "“" + label.textContent.trim() + "”" : "this item";
  }

  function whyNotSaved(xhr) {
    var status = xhr ? xhr.status : 0;
    if (!status) {
      return "No connection: try again.";
    }
    if (status === 409) {
      return "You left this pathway in another tab: reload the page to see it as it is now.";
    }
    if (status === 403) {
      return "Your session has ended: reload the page, log in and try again.";
    }
    if (status === 404) {
      return "This is no longer in your plan: reload the page.";
    }
    if (status >= 500) {
      return "Something went wrong on our side: try again in a moment.";
    }
    var text = (xhr.responseText || "").trim();
    return text && text.length < 200 && text.indexOf("<") === -1 ? text : "The server refused it.";
  }

  // The element that sent the request: after a swap, htmx reports events from its replacement's
  // parent, but the request's own config keeps the original.
  function sourceOf(detail) {
    return (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
  }

  function isPlanForm(element) {
    return element && element.matches && element.matches("form[data-tick], form[data-skip]");
  }

  function tickFormOf(detail) {
    var elt = sourceOf(detail);
    if (elt && elt.matches && elt.matches("form[data-tick]")) {
      return elt;
    }
    var target = detail.target;
    return target && target.matches && target.matches("form[data-tick]") ? target : null;
  }

  function putBack(form) {
    if (!form) {
      return;
    }
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = box.defaultChecked; // as the server last rendered it: the saved state
    });
    form.classList.add("tick--failed");
  }

  function refused(detail) {
    var source = sourceOf(detail);
    if (!isPlanForm(source)) {
      return;
    }
    var form = tickFormOf(detail);
    putBack(form);
    var skip = source.closest("details");
    if (skip) {
      skip.open = false;
    }
    announce("Not saved: " + itemName(form || source) + ". " + whyNotSaved(detail.xhr), "error");
  }

  // While a tick is on its way, a second click would queue another: hold the box still instead.
  document.addEventListener(
    "click",
    function (event) {
      var box = event.target;
      if (box && box.matches && box.matches("form[data-tick] input[type=checkbox]")) {
        if (box.form && box.form.classList.contains("htmx-request")) {
          event.preventDefault();
        }
      }
    },
    true
  );

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPlanForm(sourceOf(event.detail))) {
      var form = tickFormOf(event.detail);
      if (form) {
        form.classList.remove("tick--failed");
        form.setAttribute("aria-busy", "true");
      }
    }
  });

  // Any refusal (400 included, which the page's htmx config would swap in) is not swapped in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (isPlanForm(sourceOf(detail)) && detail.xhr && detail.xhr.status >= 400) {
      detail.shouldSwap = false;
      detail.isError = true;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    refused(event.detail);
  });
  document.addEventListener("htmx:sendError", function (event) {
    refused(event.detail);
  });
  document.addEventListener("htmx:timeout", function (event) {
    refused(event.detail);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var form = tickFormOf(detail);
    if (form) {
      form.removeAttribute("aria-busy");
    }
    if (!isPlanForm(sourceOf(detail)) || !detail.xhr || detail.xhr.status < 200 || detail.xhr.status >= 300) {
      return;
    }
    var saved = (form && document.getElementById(form.id)) || form;
    var box = saved && saved.querySelector("input[type=checkbox]");
    var skipped = saved && saved.querySelector(".tick__skipped");
    var state = skipped ? skipped.textContent.trim() : box && box.checked ? "done" : "not done";
    announce("Saved: " + itemName(saved) + ", " + state.charAt(0).toLowerCase() + state.slice(1) + ".", "ok");
  });

  // --- Live search: no empty fields in the address -------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest && elt.closest("form[data-drop-empty-fields]");
    if (!form) {
      return;
    }
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      var value = parameters[name];
      if (typeof value === "string" && !value.trim()) {
        delete parameters[name];
      }
    });
  });

  // --- Pause, resume and leave, in place -------------------------------------------------------

  function messageOf(xhr) {
    try {
      var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      return Array.prototype.map
        .call(page.querySelectorAll(".messages .message"), function (message) {
          return message.textContent.trim();
        })
        .join(" ");
    } catch (error) {
      return "";
    }
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var elt = sourceOf(detail);
    if (!elt || !elt.matches || !elt.matches("form[data-in-place]")) {
      return;
    }
    if (!detail.successful) {
      announce(whyNotSaved(detail.xhr), "error");
      return;
    }
    var text = messageOf(detail.xhr);
    if (text) {
      announce(text, "ok");
    }
    window.setTimeout(function () {
      // The button pressed may be gone (a left pathway's card): keep the keyboard on the page.
      if (!document.activeElement || document.activeElement === document.body) {
        var fallback = document.getElementById("dashboard-title") || document.getElementById("follow-title");
        if (fallback) {
          fallback.setAttribute("tabindex", "-1");
          fallback.focus();
        }
      }
    }, 100);
  });

  function enhance(scope) {
    var timeZone = browserTimeZone();
    fillTimeZoneInputs(scope, timeZone);
    offerBrowserTimeZone(scope, timeZone);
    confirmButtons(scope);
    rememberOpenState(scope);
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
