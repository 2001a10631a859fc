/*
 * external-links.js — asks before a reader leaves the site through a link
 * ("您访问的链接即将离开…"), as government sites must. An enhancement only: without
 * JavaScript links work as usual.
 *
 * Uses a native modal <dialog> (focus is moved into it and returned to the link, Esc cancels);
 * browsers without <dialog> get window.confirm. Links to this site's own domain (SiteDomain) and
 * non-web links (mailto:, tel:) are not asked about. Clicks with a modifier key (new tab or
 * window) are left alone.
 */
(function () {
  "use strict";

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  }

  var siteName = meta("SiteName") || document.title;
  var siteDomain = (meta("SiteDomain") || "").toLowerCase();

  function isExternal(link) {
    if (!link.href || link.hasAttribute("download")) return false;
    var url;
    try {
      url = new URL(link.href, window.location.href);
    } catch (e) {
      return false;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return false;
    var host = url.hostname.toLowerCase();
    return host !== window.location.hostname.toLowerCase() && host !== siteDomain;
  }

  var dialog = null;
  var pending = null;

  function buildDialog() {
    var d = document.createElement("dialog");
    d.className = "gk-dialog";
    d.setAttribute("aria-labelledby", "gk-dialog-title");
    d.setAttribute("aria-describedby", "gk-dialog-text");

    var title = document.createElement("h2");
    title.className = "gk-dialog__title";
    title.id = "gk-dialog-title";
    title.textContent = "即将离开本站";

    var text = document.createElement("p");
    text.id = "gk-dialog-text";
    text.textContent = "您访问的链接即将离开“" + siteName + "”网站，是否继续？";

    var target = document.createElement("p");
    target.className = "gk-dialog__url";

    var actions = document.createElement("div");
    actions.className = "gk-dialog__actions";
    var go = document.createElement("button");
    go.type = "button";
    go.className = "gk-button";
    go.textContent = "继续访问";
    var stay = document.createElement("button");
    stay.type = "button";
    stay.className = "gk-button gk-button--secondary";
    stay.textContent = "放弃";
    actions.appendChild(go);
    actions.appendChild(stay);

    d.appendChild(title);
    d.appendChild(text);
    d.appendChild(target);
    d.appendChild(actions);
    document.body.appendChild(d);

    go.addEventListener("click", function () {
      var link = pending;
      d.close("go");
      if (link) leave(link);
    });
    stay.addEventListener("click", function () { d.close("stay"); });
    d.addEventListener("close", function () { pending = null; });
    d.gkTarget = target;
    d.gkStay = stay;
    return d;
  }

  function leave(link) {
    if (link.target && link.target !== "_self") {
      window.open(link.href, link.target, "noopener");
    } else {
      window.location.assign(link.href);
    }
  }

  function ask(link) {
    if (typeof window.HTMLDialogElement !== "function") {
      if (window.confirm("您访问的链接即将离开“" + siteName + "”网站，是否继续？\n" + link.href)) leave(link);
      return;
    }
    dialog = dialog || buildDialog();
    pending = link;
    dialog.gkTarget.textContent = link.href;
    dialog.showModal();
    dialog.gkStay.focus();
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || !isExternal(link)) return;
    event.preventDefault();
    ask(link);
  });
})();
