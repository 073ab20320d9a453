/* kerasoptim site script (pkgdown copies it into every page, after
 * pkgdown's own scripts). Nothing here is fetched from the network:
 *
 * 1. Stand-ins for the scripts pkgdown's pages take from CDNs, so that
 *    pkgdown.js runs offline; "On this page" is built here (Toc.init).
 * 2. One R/Python choice for the whole site: a page marks what is for one
 *    language with `::: {.lang-r}` / `::: {.lang-python}` blocks; each run
 *    of neighbouring blocks becomes a group with an "R | Python" bar, and a
 *    click on any bar switches every group of the page. The choice is kept
 *    in localStorage (and sessionStorage), so the next page opens in it;
 *    `?lang=python` in a link chooses too.
 */
(function () {
  "use strict";
  var $ = window.jQuery;

  // --- 1. stand-ins -------------------------------------------------------
  if ($ && !$.fn.headroom) { $.fn.headroom = function () { return this; }; }
  if ($ && !$.fn.autocomplete) {
    $.fn.autocomplete = function () { return this; };
  }
  if (!window.Mark) { window.Mark = function () { this.mark = function () {}; }; }
  if (!window.ClipboardJS) {
    window.ClipboardJS = { isSupported: function () { return false; } };
  }

  function headingId(h) {
    if (h.id) { return h.id; }
    var section = h.parentElement;
    if (section && section.id && section.firstElementChild === h) {
      return section.id;
    }
    return null;
  }

  function headingText(h) {
    var copy = h.cloneNode(true);
    copy.querySelectorAll(".anchor, .headerlink").forEach(function (a) {
      a.remove();
    });
    return (h.getAttribute("data-toc-text") || copy.textContent).trim();
  }

  // "On this page": the h2 and h3 of <main>, h3 nested under their h2.
  function buildToc(nav, headings) {
    if (!nav) { return; }
    var top = document.createElement("ul");
    top.className = "nav nav-pills flex-column";
    var current = null;
    headings.forEach(function (h) {
      var level = h.tagName.toLowerCase();
      if ((level !== "h2" && level !== "h3") || h.hasAttribute("data-toc-skip")) {
        return;
      }
      if (h.closest(".lang-pane")) { return; }  // hidden half of a group
      var id = headingId(h);
      if (!id) { return; }
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "nav-link";
      a.href = "#" + id;
      a.textContent = headingText(h);
      li.appendChild(a);
      if (level === "h2" || !current) {
        top.appendChild(li);
        current = li;
      } else {
        var sub = current.querySelector("ul");
        if (!sub) {
          sub = document.createElement("ul");
          sub.className = "nav nav-pills flex-column";
          current.appendChild(sub);
        }
        sub.appendChild(li);
      }
    });
    if (top.children.length === 0) {
      var aside = nav.closest("aside");
      nav.remove();  // no empty "On this page"
      if (aside && !aside.textContent.trim()) { aside.remove(); }
      return;
    }
    nav.innerHTML = "";
    var title = document.createElement("h2");
    title.setAttribute("data-toc-skip", "");
    title.textContent = "On this page";
    nav.appendChild(title);
    nav.appendChild(top);
  }

  // Always ours: the same list online and offline.
  window.Toc = {
    init: function (options) {
      var nav = options.$nav && options.$nav[0];
      var scope = options.$scope ? options.$scope.toArray() : [];
      buildToc(nav, scope);
    }
  };

  // --- 2. one R/Python choice ------------------------------------------------
  var LANGS = { r: "R", python: "Python" };
  var KEY = "kerasoptim-lang";

  function stored() {
    var fromUrl = new URLSearchParams(window.location.search).get("lang");
    if (fromUrl && LANGS[fromUrl.toLowerCase()]) { return fromUrl.toLowerCase(); }
    var value = null;
    try { value = window.localStorage.getItem(KEY); } catch (e) { /* none */ }
    if (!value) {
      try { value = window.sessionStorage.getItem(KEY); } catch (e) { /* none */ }
    }
    return LANGS[value] ? value : "r";
  }

  function choose(lang, keep) {
    document.documentElement.setAttribute("data-lang", lang);
    document.querySelectorAll(".lang-tabs button").forEach(function (b) {
      var on = b.getAttribute("data-lang") === lang;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (keep) {
      try { window.localStorage.setItem(KEY, lang); } catch (e) { /* none */ }
      try { window.sessionStorage.setItem(KEY, lang); } catch (e) { /* none */ }
    }
  }
  window.kerasoptimChooseLanguage = choose;

  function langOf(el) {
    if (!el || !el.classList) { return null; }
    if (el.classList.contains("lang-r")) { return "r"; }
    if (el.classList.contains("lang-python")) { return "python"; }
    return null;
  }

  function groupPanes() {
    var seen = new Set();
    var groups = [];
    document.querySelectorAll(".lang-r, .lang-python").forEach(function (el) {
      if (seen.has(el)) { return; }
      var group = [];
      for (var n = el; langOf(n); n = n.nextElementSibling) {
        group.push(n);
        seen.add(n);
      }
      groups.push(group);
    });
    groups.forEach(function (group) {
      var langs = group.map(langOf);
      if (langs.indexOf("r") < 0 || langs.indexOf("python") < 0) {
        group.forEach(function (el) { el.classList.add("lang-only"); });
        return;  // one language only: always shown, no tabs
      }
      var bar = document.createElement("div");
      bar.className = "lang-tabs";
      bar.setAttribute("role", "tablist");
      Object.keys(LANGS).forEach(function (lang) {
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "tab");
        b.setAttribute("data-lang", lang);
        b.textContent = LANGS[lang];
        b.addEventListener("click", function () {
          var before = bar.getBoundingClientRect().top;
          choose(lang, true);
          // keep the clicked bar where it was on the screen
          window.scrollBy(0, bar.getBoundingClientRect().top - before);
        });
        bar.appendChild(b);
      });
      group[0].parentNode.insertBefore(bar, group[0]);
      group.forEach(function (el) {
        el.classList.add("lang-pane");
        el.setAttribute("role", "tabpanel");
      });
    });
  }

  document.documentElement.setAttribute("data-lang", stored());
  document.addEventListener("DOMContentLoaded", function () {
    // pkgdown's article header has a logo <img src=""> when a package has
    // no logo: an image that cannot load.
    document.querySelectorAll('img.logo[src=""]').forEach(function (img) {
      img.remove();
    });
    groupPanes();
    choose(stored(), false);
  });
})();
