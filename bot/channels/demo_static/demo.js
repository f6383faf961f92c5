// Classroom demo chat. Plain JS, no libraries, nothing loaded from the internet.
(function () {
  "use strict";
  var ui = null, lang = "en", session = newSession(), busy = false;
  var log = document.getElementById("log"), input = document.getElementById("input");

  function newSession() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function clearEmpty() { var e = document.getElementById("empty"); if (e) e.remove(); }

  function render() {
    var t = ui[lang];
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-ui]").forEach(function (node) {
      var key = node.getAttribute("data-ui");
      if (t[key] !== undefined) node.textContent = t[key];
    });
    document.getElementById("badge").title = t.badge_note;
    input.placeholder = t.placeholder;
    ["en", "es"].forEach(function (l) {
      document.getElementById("lang-" + l).setAttribute("aria-pressed", String(l === lang));
    });
    var list = document.getElementById("scenario-list");
    list.innerHTML = "";
    t.scenarios.forEach(function (s) {
      var b = el("button", "scenario " + s.tone);
      b.type = "button";
      b.id = "scenario-" + s.id;
      b.appendChild(el("span", "icon", s.icon));
      var words = el("span", "words");
      words.appendChild(el("span", "label", s.label));
      words.appendChild(el("span", "hint", s.hint));
      b.appendChild(words);
      b.addEventListener("click", function () { say(s.text); });
      list.appendChild(b);
    });
  }

  function showBot(messages) {
    messages.forEach(function (m) {
      // Replies that name 911 are the danger path: marked so a counselor can point to them.
      if (m.text) log.appendChild(el("div", /\b911\b/.test(m.text) ? "msg bot urgent" : "msg bot", m.text));
      if (m.buttons && m.buttons.length) {
        var row = el("div", "buttons");
        m.buttons.forEach(function (b) {
          var btn = el("button", "", b.title);
          btn.type = "button";
          btn.addEventListener("click", function () { send({ button: b.payload }, b.title); });
          row.appendChild(btn);
        });
        log.appendChild(row);
      }
    });
    scrollDown();
  }

  function send(body, shown) {
    if (busy) return Promise.resolve();
    busy = true;
    clearEmpty();
    log.appendChild(el("div", "msg me", shown));
    var typing = el("div", "typing", "…");
    log.appendChild(typing);
    scrollDown();
    body.session = session;
    return fetch("webhook", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { typing.remove(); showBot(data.messages || []); })
      .catch(function () { typing.remove(); log.appendChild(el("div", "msg error", ui[lang].error)); scrollDown(); })
      .then(function () { busy = false; });
  }

  function say(text) { return send({ message: text }, text); }

  function setLanguage(l) {
    if (l === lang) return;
    lang = l;
    render();
    say(ui[lang].switch_phrase);
  }

  function reset() {
    session = newSession();
    log.innerHTML = "";
    var empty = el("p", "empty", ui[lang].empty);
    empty.id = "empty";
    log.appendChild(empty);
    input.focus();
  }

  document.getElementById("lang-en").addEventListener("click", function () { setLanguage("en"); });
  document.getElementById("lang-es").addEventListener("click", function () { setLanguage("es"); });
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  });

  fetch("static/scenarios.json").then(function (r) { return r.json(); }).then(function (data) {
    ui = data;
    render();
    document.body.setAttribute("data-ready", "true");
  });
})();
