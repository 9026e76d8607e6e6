/* The editor's enhancements (macros.html `editor`): Markdown buttons and @mention
   suggestions. Without this script the textarea, the "Vorschau" and "Entwurf speichern"
   buttons work as plain form submits; the live preview and the draft saved while typing
   are htmx attributes in the template. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  // Nicknames: letters, digits, ".", "_" and "-" (accounts/validation.py).
  var MENTION = /(?:^|[^\p{L}\p{N}_.\-@\/])@([\p{L}\p{N}_.\-]{1,20})$/u;

  function changed(area) {
    // htmx's triggers (draft save, live preview) listen for input events.
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function replaceSelection(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder || "";
    area.setRangeText(before + chosen + after, start, end, "end");
    // The chosen (or placeholder) text stays selected, ready to be typed over.
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function prefixLines(area, prefix) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = value.slice(start, end).split("\n");
    var text = lines.map(function (line) { return prefix + line; }).join("\n");
    area.setRangeText(text, start, end, "end");
  }

  var ACTIONS = {
    bold: function (a) { replaceSelection(a, "**", "**"); },
    italic: function (a) { replaceSelection(a, "*", "*"); },
    code: function (a) {
      var chosen = a.value.slice(a.selectionStart, a.selectionEnd);
      if (chosen.indexOf("\n") >= 0) replaceSelection(a, "```\n", "\n```");
      else replaceSelection(a, "`", "`");
    },
    link: function (a) {
      var start = a.selectionStart, end = a.selectionEnd;
      var label = a.value.slice(start, end);
      a.setRangeText("[" + label + "](https://)", start, end, "end");
      var url = start + label.length + 3;
      a.setSelectionRange(url, url + 8);
    },
    list: function (a) { prefixLines(a, "- "); },
    quote: function (a) { prefixLines(a, "> "); }
  };

  function setUpToolbar(editor, area) {
    var toolbar = editor.querySelector(".editor-toolbar");
    if (!toolbar) return;
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-md]");
      if (!button) return;
      area.focus();
      ACTIONS[button.dataset.md](area);
      changed(area);
    });
    // One Tab stop for the whole toolbar, the arrow keys, Home and End inside it (the
    // WAI-ARIA toolbar pattern): six stops before every text field were six too many.
    var tools = Array.prototype.slice.call(toolbar.querySelectorAll("button[data-md]"));
    tools.forEach(function (tool, i) { tool.tabIndex = i === 0 ? 0 : -1; });
    toolbar.addEventListener("keydown", function (event) {
      var at = tools.indexOf(document.activeElement);
      if (at < 0) return;
      var next = {ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tools.length - 1}[event.key];
      if (next === undefined) return;
      event.preventDefault();
      next = (next + tools.length) % tools.length;
      tools[at].tabIndex = -1;
      tools[next].tabIndex = 0;
      tools[next].focus();
    });
  }

  function setUpMentions(editor, area) {
    var list = editor.querySelector(".mention-list");
    var form = area.form;
    if (!list || !form) return;
    var csrf = form.querySelector("input[name=csrf_token]");
    var thread = editor.dataset.thread;
    var active = -1, items = [], timer = null, asked = "";
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === index)); });
      if (index >= 0) area.setAttribute("aria-activedescendant", items[index].id);
    }

    function choose(nickname) {
      var caret = area.selectionStart;
      var match = MENTION.exec(area.value.slice(0, caret));
      if (!match) return close();
      var start = caret - match[1].length - 1;
      area.setRangeText("@" + nickname + " ", start, caret, "end");
      close();
      area.focus();
      changed(area);
    }

    function show(names) {
      close();
      if (!names.length) return;
      names.forEach(function (name, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = "@" + name;
        li.dataset.nickname = name;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the caret in the textarea
          choose(name);
        });
        list.appendChild(li);
        items.push(li);
      });
      list.hidden = false;
      highlight(0);
    }

    function lookUp() {
      var match = MENTION.exec(area.value.slice(0, area.selectionStart));
      if (!match) { asked = ""; return close(); }
      var prefix = match[1];
      if (prefix === asked) return;
      asked = prefix;
      var url = "/api/v1/mentions/suggest?q=" + encodeURIComponent(prefix) +
        (thread ? "&thread_id=" + encodeURIComponent(thread) : "");
      fetch(url, {
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" }
      }).then(function (response) {
        return response.ok ? response.json() : { items: [] };
      }).then(function (data) {
        if (asked === prefix) show(data.items || []);
      }).catch(close);
    }

    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 150);
    });
    area.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(items[Math.max(active, 0)].dataset.nickname);
      } else if (event.key === "Escape") { close(); }
    });
    area.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function setUp() {
    document.querySelectorAll("[data-editor]").forEach(function (editor) {
      var area = editor.querySelector("textarea");
      if (!area) return;
      setUpToolbar(editor, area);
      setUpMentions(editor, area);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
