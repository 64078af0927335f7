// Tousu desk console: clocks count down in the page; a queue reloads its rows when a case moves.
(function () {
  "use strict";
  const zh = document.documentElement.lang !== "en";
  // times in the estates' zone (TOUSU_CONSOLE_TIMEZONE), wherever the browser is
  const zone = document.documentElement.dataset.zone || undefined;

  function left(seconds) {
    const late = seconds < 0;
    let s = Math.abs(Math.round(seconds));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const parts = d ? [d + (zh ? "天" : "d"), h + (zh ? "时" : "h")] : h ? [h + (zh ? "时" : "h"), m + (zh ? "分" : "m")] : [m + (zh ? "分" : "m"), s + (zh ? "秒" : "s")];
    const text = parts.join(" ");
    return late ? (zh ? "超时 " : "late by ") + text : text;
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      const due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      if (el.dataset.status === "paused") { el.textContent = zh ? "暂停" : "paused"; el.className = "countdown paused"; return; }
      const started = Date.parse(el.dataset.started || "");
      const total = isNaN(started) ? 0 : due - started;
      const rest = due - now;
      el.textContent = left(rest / 1000);
      el.className = "countdown " + (rest < 0 ? "late" : total > 0 && rest < total / 4 ? "short" : "ample");
    });
  }

  function localTimes() {
    document.querySelectorAll("time.local").forEach(function (el) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) el.textContent = new Date(at).toLocaleString(zh ? "zh-CN" : "en-GB", { hour12: false, timeZone: zone });
    });
  }

  function live() {
    const table = document.querySelector("[data-live]");
    const casePage = document.querySelector("[data-case]");
    if (!table && !casePage || !window.EventSource) return;
    const state = document.getElementById("live-state");
    const source = new EventSource("/live");
    let pending = null;
    source.onopen = function () { if (state) state.classList.remove("off"); };
    source.onerror = function () { if (state) state.classList.add("off"); };
    source.onmessage = function (message) {
      const notice = JSON.parse(message.data);
      if (!notice.complaint_id) return;
      if (casePage && notice.complaint_id !== casePage.dataset.case) return;
      clearTimeout(pending);
      pending = setTimeout(function () { casePage ? reloadCase() : reloadRows(); }, 300);
    };
  }

  function reloadRows() {
    const url = new URL(window.location.href);
    url.searchParams.set("fragment", "1");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (html === null) return;
      document.getElementById("rows").innerHTML = html;
      tick();
    });
  }

  function reloadCase() {
    // not while someone is typing a note or an answer
    const active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA") && active.value) return;
    window.location.reload();
  }

  // the registration form: how triage would read the text so far, as the clerk types
  function suggestWhileTyping() {
    const box = document.getElementById("live-suggestion");
    const form = document.getElementById("register-form");
    if (!box || !form) return;
    let pending = null, asked = "";
    function ask() {
      const data = new URLSearchParams(new FormData(form));
      const key = data.get("estate_id") + "|" + data.get("channel") + "|" + data.get("text");
      if (key === asked || !String(data.get("text") || "").trim()) return;
      asked = key;
      const token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
      fetch(box.dataset.suggest, { method: "POST", body: data, credentials: "same-origin", headers: { "x-csrftoken": decodeURIComponent(token) } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { box.innerHTML = html; });
    }
    form.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(ask, 600); });
    ask();
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(); tick(); setInterval(tick, 1000); live(); suggestWhileTyping();
  });
})();
