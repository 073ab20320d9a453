// Injected into a copy of a built page by test_browser.py; runs after the
// page's own scripts and writes what it found, as JSON, into
// a hidden pre element (id site-check) for chromium's --dump-dom. For each language of
// the R | Python choice it looks for: tabs whose label is not a language,
// empty tab panes, elements wider than the content column (or whose
// content overflows them), images that did not load, links to a package
// index for a package it does not have, R panes that read Python objects,
// and an empty "On this page".
(function () {
  "use strict";
  var LANG_LABELS = ["R", "Python"];
  var UNPUBLISHED = ["kerasoptim"];  // on neither CRAN nor PyPI

  function describe(el) {
    var text = (el.textContent || "").trim().replace(/\s+/g, " ");
    return el.tagName.toLowerCase() +
      (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string"
        ? "." + el.className.trim().split(/\s+/).join(".") : "") +
      ' "' + text.slice(0, 60) + '"';
  }

  function visible(el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 &&
      window.getComputedStyle(el).visibility !== "hidden";
  }

  function checkLanguage(found, lang) {
    var main = document.querySelector("main");
    // Tabs: pkgdown tabsets and ours.
    document.querySelectorAll(
      "[role=tab], .nav-tabs .nav-link, .nav-pills.nav-tabs button"
    ).forEach(function (tab) {
      var label = tab.textContent.trim();
      if (LANG_LABELS.indexOf(label) < 0) {
        found.bad_tabs.push(lang + ": " + describe(tab));
      }
    });
    document.querySelectorAll('[id="NA"]').forEach(function (el) {
      found.bad_tabs.push(lang + ': id="NA": ' + describe(el));
    });
    // Panes shown for this language must have content.
    document.querySelectorAll(".lang-pane, .tab-pane.active").forEach(
      function (pane) {
        if (window.getComputedStyle(pane).display === "none") { return; }
        var r = pane.getBoundingClientRect();
        var text = pane.textContent.trim();
        if (!text || r.height < 20 || !pane.querySelector("p, pre, table, img, ul, ol, dl")) {
          found.empty_panes.push(lang + ": " + describe(pane));
        }
      });
    // Nothing wider than the column, no content overflowing its box.
    if (main) {
      var right = main.getBoundingClientRect().right;
      main.querySelectorAll("*").forEach(function (el) {
        if (!visible(el)) { return; }
        var r = el.getBoundingClientRect();
        if (r.right > right + 1) {
          found.too_wide.push(lang + ": " + describe(el) + " right edge " +
            Math.round(r.right) + " > column " + Math.round(right));
        } else if (el.scrollWidth > el.clientWidth + 1 &&
                   window.getComputedStyle(el).display !== "inline" &&
                   (/^(PRE|TABLE)$/.test(el.tagName) ||
                    window.getComputedStyle(el).overflowX !== "visible")) {
          found.too_wide.push(lang + ": " + describe(el) + " content " +
            el.scrollWidth + " px in " + el.clientWidth + " px");
        }
      });
    }
    // R panes run on their own: no Python session objects.
    document.querySelectorAll(".lang-r").forEach(function (pane) {
      var code = Array.prototype.map.call(
        pane.querySelectorAll("pre"), function (p) { return p.textContent; }
      ).join("\n");
      if (/\bpy\$|import_main\(|\bmain\$/.test(code)) {
        found.r_reads_python.push(describe(pane));
      }
    });
  }

  function check() {
    var found = {bad_tabs: [], empty_panes: [], too_wide: [],
                 broken_images: [], unpublished_links: [],
                 r_reads_python: [], toc: null, languages: []};
    var choose = window.kerasoptimChooseLanguage;
    var before = document.documentElement.getAttribute("data-lang");
    if (choose) {
      ["r", "python"].forEach(function (lang) {
        choose(lang, false);
        found.languages.push(lang);
        checkLanguage(found, lang);
      });
      choose(before || "r", false);
    } else {
      checkLanguage(found, "page");
    }
    document.querySelectorAll("img").forEach(function (img) {
      if (!img.complete || img.naturalWidth === 0) {
        found.broken_images.push(img.getAttribute("src"));
      }
    });
    var index = /(cran\.r-project\.org\/(web\/)?packages?[=\/]|pypi\.(org|python\.org)\/(project|simple|pypi)\/)([A-Za-z0-9._-]+)/;
    document.querySelectorAll("a[href]").forEach(function (a) {
      var m = a.href.match(index);
      if (m && UNPUBLISHED.indexOf(m[5].replace(/\/$/, "").toLowerCase()) >= 0) {
        found.unpublished_links.push(a.href);
      }
    });
    document.querySelectorAll("pre").forEach(function (pre) {
      var t = pre.textContent;
      UNPUBLISHED.forEach(function (name) {
        var cran = new RegExp("install\\.packages\\(\\s*[\"']" + name + "[\"']");
        var pip = new RegExp("pip3? install (-U )?" + name + "(\\s|$|\\[|=)");
        if (cran.test(t) || pip.test(t)) {
          found.unpublished_links.push("code: " + t.trim().slice(0, 80));
        }
      });
    });
    var toc = document.querySelector("#toc");
    if (toc) {
      var links = toc.querySelectorAll("a[href^='#']");
      var dead = Array.prototype.filter.call(links, function (a) {
        return !document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      });
      found.toc = {links: links.length, dead: dead.length};
    }
    var out = document.createElement("pre");
    out.id = "site-check";
    out.style.display = "none";
    out.textContent = JSON.stringify(found);
    document.body.appendChild(out);
  }

  window.addEventListener("load", function () { setTimeout(check, 200); });
})();
