/*
 * reading-controls.js — the 适老化 bar: 字体 大/中/小 and 高对比度.
 *
 * The bar is rendered `hidden`, so readers without JavaScript never meet buttons that do
 * nothing; this script reveals it. Each button is a real <button> whose state is aria-pressed.
 * Choices are kept in localStorage ("gongkai.fontSize", "gongkai.contrast") and applied on
 * every page by preferences.js.
 */
(function () {
  "use strict";

  var SIZES = ["small", "medium", "large"];
  var root = document.documentElement;

  function store(key, value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, value);
      }
    } catch (e) {
      /* Not persisted; the choice still applies to this page. */
    }
  }

  function currentSize() {
    if (root.classList.contains("gk-text-small")) return "small";
    if (root.classList.contains("gk-text-large")) return "large";
    return "medium";
  }

  function setSize(size, buttons) {
    SIZES.forEach(function (s) {
      root.classList.toggle("gk-text-" + s, s === size && s !== "medium");
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-gk-font-size") === size));
    });
    store("gongkai.fontSize", size === "medium" ? null : size);
  }

  function setContrast(high, button) {
    root.classList.toggle("gk-contrast-high", high);
    button.setAttribute("aria-pressed", String(high));
    store("gongkai.contrast", high ? "high" : null);
  }

  function init() {
    var bar = document.getElementById("gk-reading-controls");
    if (!bar || !root.classList) return;

    var sizeButtons = Array.prototype.slice.call(bar.querySelectorAll("[data-gk-font-size]"));
    sizeButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        setSize(button.getAttribute("data-gk-font-size"), sizeButtons);
      });
    });
    setSize(currentSize(), sizeButtons);

    var contrast = bar.querySelector("[data-gk-contrast]");
    if (contrast) {
      contrast.addEventListener("click", function () {
        setContrast(contrast.getAttribute("aria-pressed") !== "true", contrast);
      });
      contrast.setAttribute("aria-pressed", String(root.classList.contains("gk-contrast-high")));
    }

    bar.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
