// The waiting-room board: polls board.json and redraws the numbers; after a failed poll it says so and keeps
// trying, slower each time (up to 30 s), and recovers by itself. Without this file the page refreshes itself
// (a meta refresh inside <noscript>). Only numbers and window names ever reach the screen.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) {
    return;
  }
  var url = board.getAttribute("data-board-url");
  var every = Math.max(2, parseInt(board.getAttribute("data-poll-seconds"), 10) || 5) * 1000;
  var status = document.getElementById("board-status");
  var announce = document.getElementById("board-announce");
  var chimeButton = document.getElementById("board-chime");
  var chimeOn = false;
  var audio = null;
  var failures = 0;
  // The calls already on screen when the page loaded: only calls after them are announced.
  var seen = Array.prototype.map.call(document.querySelectorAll("#board-serving tr[data-key]"), function (row) {
    return row.getAttribute("data-key");
  });

  function text(name, values) {
    var out = board.getAttribute(name) || "";
    Object.keys(values).forEach(function (key) {
      out = out.split(key).join(values[key]);
    });
    return out;
  }

  function minutes(n) {
    return n === 1 ? board.getAttribute("data-minutes-one") : text("data-minutes-many", { __N__: String(n) });
  }

  function chime() {
    if (!chimeOn || !audio) {
      return;
    }
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.8);
  }

  function cell(tag, value, scope) {
    var el = document.createElement(tag);
    if (scope) {
      el.setAttribute("scope", scope);
    }
    el.textContent = value;
    return el;
  }

  function render(state) {
    var body = document.querySelector("#board-serving tbody");
    var rows = document.createDocumentFragment();
    state.now_serving.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-key", c.key);
      tr.appendChild(cell("th", c.number, "row"));
      tr.appendChild(cell("td", c.window));
      rows.appendChild(tr);
    });
    if (!state.now_serving.length) {
      var empty = document.createElement("tr");
      var td = cell("td", board.getAttribute("data-nobody"));
      td.setAttribute("colspan", "2");
      td.className = "fd-board__empty";
      empty.appendChild(td);
      rows.appendChild(empty);
    }
    body.replaceChildren(rows);
    var recent = document.getElementById("board-recent");
    var items = document.createDocumentFragment();
    state.recent.forEach(function (c) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(c.number + " "));
      var arrow = cell("span", "→");
      arrow.className = "fd-board__arrow";
      arrow.setAttribute("aria-hidden", "true");
      li.appendChild(arrow);
      var label = cell("span", board.getAttribute("data-window-label"));
      label.className = "usa-sr-only";
      li.appendChild(label);
      li.appendChild(document.createTextNode(" " + c.window));
      items.appendChild(li);
    });
    recent.replaceChildren(items);
    document.getElementById("board-wait").textContent = minutes(state.wait_minutes);

    var fresh = state.now_serving.filter(function (c) {
      return seen.indexOf(c.key) === -1;
    });
    if (fresh.length) {
      announce.textContent = fresh
        .map(function (c) {
          return text("data-called-text", { __NUMBER__: c.number, __WINDOW__: c.window });
        })
        .join(" ");
      chime();
    }
    seen = state.now_serving.map(function (c) {
      return c.key;
    });
  }

  function poll() {
    fetch(url, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("board " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        status.hidden = true;
        board.removeAttribute("data-offline");
        render(state);
        window.setTimeout(poll, every);
      })
      .catch(function () {
        failures += 1;
        status.hidden = false;
        board.setAttribute("data-offline", "true");
        window.setTimeout(poll, Math.min(30000, every * Math.pow(2, Math.min(failures, 4))));
      });
  }

  if (chimeButton) {
    document.getElementById("board-chime-row").hidden = false;
    chimeButton.addEventListener("click", function () {
      chimeOn = !chimeOn;
      chimeButton.setAttribute("aria-pressed", chimeOn ? "true" : "false");
      if (chimeOn && !audio && window.AudioContext) {
        audio = new window.AudioContext(); // created on a tap: browsers allow sound only after one
      }
      chime();
    });
  }
  window.setTimeout(poll, every);
})();
