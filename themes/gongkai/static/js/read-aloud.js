/*
 * read-aloud.js — 朗读全文: reads the article (its title and body, the elements marked
 * data-gk-read) with the browser's speech synthesis, in Chinese.
 *
 * The button stays hidden unless the page has an article and the browser can speak. Pressing it
 * again, or leaving the page, stops the reading. Text is spoken sentence by sentence, because
 * some engines stop long utterances early.
 */
(function () {
  "use strict";

  function sentences(text) {
    var parts = text.replace(/\s+/g, " ").replace(/([。！？；!?;])/g, "$1\n").split("\n");
    return parts.map(function (s) { return s.trim(); }).filter(function (s) { return s.length > 0; });
  }

  function init() {
    var button = document.querySelector("[data-gk-read-aloud]");
    var sources = document.querySelectorAll("[data-gk-read]");
    if (!button || sources.length === 0 || !("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
      return;
    }
    var synth = window.speechSynthesis;
    var lang = document.documentElement.lang || "zh-CN";
    var reading = false;

    function stop() {
      reading = false;
      synth.cancel();
      button.setAttribute("aria-pressed", "false");
      button.textContent = "朗读全文";
    }

    function start() {
      var text = Array.prototype.map.call(sources, function (el) { return el.innerText || el.textContent || ""; }).join("。");
      var queue = sentences(text);
      if (queue.length === 0) return;
      synth.cancel();
      reading = true;
      button.setAttribute("aria-pressed", "true");
      button.textContent = "停止朗读";
      queue.forEach(function (sentence, index) {
        var utterance = new window.SpeechSynthesisUtterance(sentence);
        utterance.lang = lang;
        if (index === queue.length - 1) {
          utterance.addEventListener("end", function () { if (reading) stop(); });
        }
        synth.speak(utterance);
      });
    }

    button.addEventListener("click", function () {
      if (reading) {
        stop();
      } else {
        start();
      }
    });
    window.addEventListener("pagehide", function () { synth.cancel(); });
    button.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
