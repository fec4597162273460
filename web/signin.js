/*
 * The waiting page of a web sign-in (docs/web.md): follows the request's
 * state with the long-poll of GET /v1/signin/ID and shows it; once a device
 * approved it, sends the page's completion form, which opens the account page.
 */
"use strict";
(function () {
  var form = document.getElementById("complete");
  var state = document.getElementById("state");
  var words = document.getElementById("words");
  var again = document.getElementById("again");
  if (!form || !state || !words || !again) {
    return;
  }
  var id = form.getAttribute("data-request");
  var texts = {
    approved: "Approved on your device. Opening your account\u2026",
    denied: "Denied on your device, or the number typed there was not this one. " +
      "Nothing was signed in.",
    expired: "The request expired before a device answered it. Nothing was signed in."
  };

  function show(s) {
    state.textContent = s;
    document.body.setAttribute("data-state", s);
    words.textContent = texts[s];
    if (s !== "approved") {
      again.hidden = false;
    }
  }

  function poll(delay) {
    window.setTimeout(function () {
      fetch("/v1/signin/" + encodeURIComponent(id) + "?wait=25", {
        cache: "no-store",
        credentials: "same-origin"
      }).then(function (r) {
        if (r.status === 404) {
          return { state: "expired" };
        }
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      }).then(function (d) {
        if (d.state === "pending") {
          poll(0);
          return;
        }
        if (!texts.hasOwnProperty(d.state)) {
          throw new Error("unknown state");
        }
        show(d.state);
        if (d.state === "approved") {
          /* A moment to read it, then the account page. */
          window.setTimeout(function () { form.submit(); }, 800);
        }
      }).catch(function () {
        words.textContent = "Cannot reach the server; trying again\u2026";
        poll(3000);
      });
    }, delay);
  }

  poll(0);
}());
