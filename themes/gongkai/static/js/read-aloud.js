/*
 * read-aloud.js — 朗读全文: reads the article (its title and body, the elements marked
 * data-gk-read) with the browser's speech synthesis, in Chinese.
 *
 * The button stays hidden unless the page has an article and the browser can speak. Pressing it
 * again, or leaving the page, stops the reading. Text is spoken sentence by sentence, because
 * some engines stop long utterances early.
 *
 * Many browsers have speech synthesis but no Chinese voice, or none at all: they either report
 * an error or accept the text and never speak. Either way the button goes back to 朗读全文 and
 * the status next to it (a polite live region) says why, instead of 停止朗读 forever.
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
    var status = document.querySelector("[data-gk-read-status]");
    var lang = document.documentElement.lang || "zh-CN";
    var reading = false;
    var attempt = 0;
    // How long a browser may take to begin speaking before the reading counts as failed.
    var START_TIMEOUT_MS = 4000;

    function say(message) {
      if (status) status.textContent = message;
    }

    function stop() {
      reading = false;
      synth.cancel();
      button.setAttribute("aria-pressed", "false");
      button.textContent = "朗读全文";
    }

    function fail(message) {
      if (!reading) return;
      stop();
      say(message);
    }

    function chineseVoice(voices) {
      for (var i = 0; i < voices.length; i++) {
        if (/^zh/i.test(voices[i].lang)) return voices[i];
      }
      return null;
    }

    function start() {
      var text = Array.prototype.map.call(sources, function (el) { return el.innerText || el.textContent || ""; }).join("。");
      var queue = sentences(text);
      if (queue.length === 0) return;
      var voices = synth.getVoices();
      var voice = chineseVoice(voices);
      if (voices.length > 0 && !voice) {
        say("本浏览器没有中文语音，无法朗读全文。可以使用手机或电脑自带的读屏功能。");
        return;
      }
      synth.cancel();
      say("");
      reading = true;
      var started = false;
      var mine = ++attempt;
      button.setAttribute("aria-pressed", "true");
      button.textContent = "停止朗读";
      queue.forEach(function (sentence, index) {
        var utterance = new window.SpeechSynthesisUtterance(sentence);
        utterance.lang = lang;
        if (voice) utterance.voice = voice;
        utterance.addEventListener("start", function () { started = true; });
        // Cancelling (stop) interrupts the queue too; only a failure while reading counts.
        utterance.addEventListener("error", function (event) {
          if (event.error !== "interrupted" && event.error !== "canceled") {
            fail("朗读失败：本浏览器无法朗读中文。可以使用手机或电脑自带的读屏功能。");
          }
        });
        if (index === queue.length - 1) {
          utterance.addEventListener("end", function () { if (reading) stop(); });
        }
        synth.speak(utterance);
      });
      window.setTimeout(function () {
        if (mine === attempt && !started && !synth.speaking) {
          fail("朗读没有开始：本浏览器可能没有中文语音。可以使用手机或电脑自带的读屏功能。");
        }
      }, START_TIMEOUT_MS);
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
