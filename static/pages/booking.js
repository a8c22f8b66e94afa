// The booking page works without this script (every step is a link or a form). With it, the
// calendar follows the browser's time zone and clock, and moves without reloading the page,
// so that nothing typed into the form is lost.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var picker = document.getElementById("picker");
  var form = document.getElementById("booking-form");
  var details = document.getElementById("details");
  if (!picker) return;

  function state() {
    return picker.querySelector("[data-picker]");
  }

  function sync() {
    var current = state();
    if (!current || !form) return;
    // namedItem: "length" is also the collection's own size.
    form.elements.namedItem("attendeeTimeZone").value = current.dataset.zone;
    form.elements.namedItem("format").value = current.dataset.format;
    form.elements.namedItem("length").value = current.dataset.length;
    if (current.dataset.chosen) {
      form.elements.namedItem("start").value = current.dataset.chosen;
      if (details.hidden) {
        details.hidden = false;
        var first = form.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      }
    }
  }

  // Only the answer to the latest request is shown: quick changes may be answered out of order.
  var latest = 0;

  function load(url) {
    var mine = ++latest;
    picker.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { "X-Rendezvous-Fragment": "picker" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok && response.status !== 409) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (mine !== latest) return;
        picker.innerHTML = html;
        history.replaceState(null, "", url);
        sync();
      })
      .catch(function (error) {
        if (mine !== latest) return;
        if (window.console) console.error(error);
        window.location.href = url;
      })
      .finally(function () {
        if (mine === latest) picker.removeAttribute("aria-busy");
      });
  }

  function controlsUrl(controls) {
    var params = new URLSearchParams(new FormData(controls));
    return window.location.pathname + "?" + params.toString();
  }

  // The month's times come with the page; a day's list is built from them.
  function renderDay(day) {
    var data = JSON.parse(picker.querySelector("#month-times").textContent);
    var entry = data.days[day];
    var container = picker.querySelector("#day-times");
    if (!entry || !container) return;
    var wrap = document.createElement("div");
    wrap.className = "times";
    wrap.dataset.times = day;
    var heading = document.createElement("h3");
    heading.textContent = entry.heading;
    var list = document.createElement("ul");
    entry.times.forEach(function (time) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.className = "time" + (time[0] === data.chosen ? " chosen" : "");
      link.href = data.slotBase + "&slot=" + encodeURIComponent(time[0]);
      link.dataset.start = time[0];
      link.textContent = time[1];
      if (time[2] !== null) {
        var seats = document.createElement("small");
        seats.textContent = time[2] + (time[2] === 1 ? " seat left" : " seats left");
        link.appendChild(document.createTextNode(" "));
        link.appendChild(seats);
      }
      item.appendChild(link);
      list.appendChild(item);
    });
    wrap.appendChild(heading);
    wrap.appendChild(list);
    container.replaceChildren(wrap);
  }

  function showDay(link) {
    var day = link.dataset.day;
    renderDay(day);
    picker.querySelectorAll("a.day.selected").forEach(function (other) {
      other.classList.remove("selected");
      other.removeAttribute("aria-current");
    });
    link.classList.add("selected");
    link.setAttribute("aria-current", "date");
    history.replaceState(null, "", link.getAttribute("href"));
    var first = picker.querySelector('[data-times="' + day + '"] .time');
    if (first) first.focus();
  }

  picker.addEventListener("click", function (event) {
    var target = event.target.closest("a[data-day], a[data-nav], [data-start]");
    if (!target || !picker.contains(target)) return;
    event.preventDefault();
    if (target.matches("a[data-day]")) {
      showDay(target);
    } else {
      load(target.getAttribute("href") || target.dataset.href);
    }
  });

  picker.addEventListener("change", function (event) {
    var controls = event.target.form;
    if (!controls || controls.id !== "controls") return;
    if (event.target.name === "timeZone") {
      var known = Array.prototype.some.call(
        controls.querySelectorAll("#time-zones option"),
        function (option) { return option.value === event.target.value; }
      );
      if (!known) return;
    }
    load(controlsUrl(controls));
  });

  picker.addEventListener("submit", function (event) {
    if (event.target.id !== "controls") return;
    event.preventDefault();
    load(controlsUrl(event.target));
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!form.elements.namedItem("start").value) {
        event.preventDefault();
        var message = picker.querySelector("#time-error") || document.createElement("p");
        message.id = "time-error";
        message.className = "error";
        message.setAttribute("role", "alert");
        message.textContent = "Choose a time first.";
        picker.appendChild(message);
        return;
      }
      var button = event.submitter || form.querySelector("button[type=submit]");
      window.setTimeout(function () { if (button) button.disabled = true; }, 0);
    });
  }

  // The first visit names no time zone: show the times in the browser's own zone and clock.
  var first = state();
  if (first && first.dataset.zoneGiven !== "true") {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var params = new URLSearchParams(window.location.search);
    if (zone) params.set("timeZone", zone);
    if (!params.has("format")) {
      var twelve = new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hour12;
      params.set("format", twelve ? "12h" : "24h");
    }
    load(window.location.pathname + "?" + params.toString());
  } else {
    sync();
  }
})();
