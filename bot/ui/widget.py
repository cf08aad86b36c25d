"""``/widget.js``: one ``<script>`` tag adds a floating chat button that opens Parley's ``/embed`` view.

Options (data- attributes of the script tag): ``data-position`` (``bottom-right`` | ``bottom-left``),
``data-title``, ``data-accent`` (a CSS colour), ``data-initial-message`` (the first thing Parley says).
The script builds its DOM with ``textContent`` only: no option is ever parsed as HTML."""

from __future__ import annotations

WIDGET_JS = r"""(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__parleyWidget) { return; }
  window.__parleyWidget = true;
  var base = new URL(script.src, document.baseURI);
  var origin = base.origin + base.pathname.replace(/\/widget\.js$/, "");
  var data = script.dataset || {};
  var position = data.position === "bottom-left" ? "left" : "right";
  var title = (data.title || "Ask Parley").slice(0, 60);
  var accent = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgb\([0-9., ]+\))$/.test(data.accent || "") ? data.accent : "#4f46e5";
  var greeting = (data.initialMessage || "").slice(0, 300);

  var style = document.createElement("style");
  style.textContent =
    ".parley-w-btn{position:fixed;bottom:20px;" + position + ":20px;z-index:2147483000;width:60px;height:60px;" +
    "border-radius:50%;border:0;background:var(--parley-accent);color:#fff;cursor:pointer;display:grid;place-items:center;" +
    "box-shadow:0 6px 24px rgba(0,0,0,.25);transition:transform .15s}" +
    ".parley-w-btn:hover{transform:scale(1.06)}.parley-w-btn:focus-visible{outline:3px solid #111;outline-offset:3px}" +
    ".parley-w-panel{position:fixed;bottom:92px;" + position + ":20px;z-index:2147483000;width:min(420px,calc(100vw - 24px));" +
    "height:min(640px,calc(100vh - 120px));background:#fff;border-radius:16px;overflow:hidden;display:none;" +
    "flex-direction:column;box-shadow:0 12px 48px rgba(0,0,0,.3);font-family:system-ui,-apple-system,'Segoe UI',sans-serif}" +
    ".parley-w-panel[data-open=true]{display:flex}" +
    ".parley-w-head{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;" +
    "background:var(--parley-accent);color:#fff;font-weight:600;font-size:15px}" +
    ".parley-w-close{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:2px 6px;border-radius:6px}" +
    ".parley-w-close:focus-visible{outline:2px solid #fff}" +
    ".parley-w-frame{flex:1;border:0;width:100%}" +
    "@media (max-width:480px){.parley-w-panel{left:0;right:0;bottom:0;width:100vw;height:100vh;border-radius:0}}";
  document.head.appendChild(style);

  var button = document.createElement("button");
  button.type = "button";
  button.className = "parley-w-btn";
  button.style.setProperty("--parley-accent", accent);
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "parley-w-panel");
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
  svg.appendChild(path);
  button.appendChild(svg);

  var panel = document.createElement("div");
  panel.className = "parley-w-panel";
  panel.id = "parley-w-panel";
  panel.style.setProperty("--parley-accent", accent);
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = document.createElement("div");
  head.className = "parley-w-head";
  var label = document.createElement("span");
  label.textContent = title;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "parley-w-close";
  close.setAttribute("aria-label", "Close chat");
  close.textContent = "\u00D7";
  head.appendChild(label);
  head.appendChild(close);
  panel.appendChild(head);

  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "parley-w-frame";
      frame.title = title;
      var src = new URL(origin + "/embed/");
      if (greeting) { src.searchParams.set("greeting", greeting); }
      frame.src = src.toString();
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    panel.setAttribute("data-open", "true");
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  function hide() {
    panel.setAttribute("data-open", "false");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () {
    if (panel.getAttribute("data-open") === "true") { hide(); } else { open(); }
  });
  close.addEventListener("click", hide);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && panel.getAttribute("data-open") === "true") { hide(); }
  });
  document.body.appendChild(panel);
  document.body.appendChild(button);
})();
"""
