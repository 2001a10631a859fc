/*
 * preferences.js — applies the reader's saved 字体 and 高对比度 choices to <html> before the page
 * is painted, so there is no flash of the wrong size or colours. Loaded synchronously in <head>;
 * keep it tiny. reading-controls.js changes and saves the choices.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  // Scripting is on: reading-controls.css shows the reading-controls bar from the first paint.
  root.classList.add("gk-js");
  try {
    var size = window.localStorage.getItem("gongkai.fontSize");
    if (size === "small" || size === "large") {
      root.classList.add("gk-text-" + size);
    }
    if (window.localStorage.getItem("gongkai.contrast") === "high") {
      root.classList.add("gk-contrast-high");
    }
  } catch (e) {
    /* Storage disabled (private mode, policy): the defaults stand. */
  }
})();
