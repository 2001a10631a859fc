// gongkai live reload. Only `gongkai serve` adds this script to pages (`gongkai build` never
// does), as an external file so that it passes the theme's Content Security Policy.
//
// Every URL is made from `location`, so a page opened at http://[::1]:1111/ talks to [::1].
// One event stream serves all tabs: a SharedWorker holds it, because browsers allow only six
// HTTP/1.1 connections per host and an open stream keeps one for good. Where SharedWorker is
// missing (or blocked), the page opens the stream itself.
(() => {
  'use strict';
  const me = document.currentScript;
  const server = (me && me.dataset.server) || '';
  const build = Number((me && me.dataset.build) || 0);
  const EVENTS = '/__gongkai/events';
  const STATUS = '/__gongkai/status';
  const WORKER = '/__gongkai/livereload-worker.js';
  const OVERLAY = 'gongkai-build-error';
  const SCROLL = 'gongkai-scroll:' + location.pathname + location.search;

  // The page's path as the server names it: decoded, and `/a/` for `/a/index.html`.
  const here = () => {
    let path = location.pathname;
    try {
      path = decodeURIComponent(path);
    } catch (e) {
      // Keep it encoded.
    }
    return path.replace(/\/index\.html$/, '/');
  };

  const url = (path, params) => {
    const u = new URL(path, location.href);
    for (const [key, value] of Object.entries(params || {})) u.searchParams.set(key, value);
    return u.href;
  };

  const described = () => ({ server, build: String(build), path: here() });

  // Scroll position survives a live reload.
  const restoreScroll = () => {
    let saved = null;
    try {
      saved = sessionStorage.getItem(SCROLL);
      sessionStorage.removeItem(SCROLL);
    } catch (e) {
      return;
    }
    if (!saved) return;
    const [x, y] = JSON.parse(saved);
    window.scrollTo(x, y);
    let placed = window.scrollY;
    // The page may still grow (images, scripts that reveal parts of it), and a scroll past its
    // end stops short: try again whenever it changes size, for a moment, unless the reader has
    // scrolled since.
    const again = () => {
      if (window.scrollY !== placed || window.scrollY === y) return;
      window.scrollTo(x, y);
      placed = window.scrollY;
    };
    window.addEventListener('load', again, { once: true });
    if (typeof ResizeObserver === 'function') {
      const observer = new ResizeObserver(again);
      observer.observe(document.documentElement);
      setTimeout(() => observer.disconnect(), 2000);
    }
  };

  const reload = () => {
    try {
      sessionStorage.setItem(SCROLL, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) {
      // Private mode: reload without keeping the position.
    }
    location.reload();
  };

  // New stylesheets replace the old ones once loaded, so the page never flashes unstyled.
  const swapStyles = (version) => {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"][href]')) {
      const href = new URL(link.href, location.href);
      if (href.origin !== location.origin) continue;
      href.searchParams.set('gongkai-reload', String(version));
      const next = link.cloneNode();
      next.removeAttribute('integrity');
      next.href = href.href;
      next.addEventListener('load', () => link.remove(), { once: true });
      next.addEventListener('error', () => next.remove(), { once: true });
      link.after(next);
    }
  };

  let returnFocus = null;

  const hideErrors = () => {
    const box = document.getElementById(OVERLAY);
    if (!box) return;
    box.remove();
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus({ preventScroll: true });
    returnFocus = null;
  };

  const element = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  };

  // An accessible notice built from text nodes only (no HTML from messages), styled through the
  // CSSOM, which a `style-src` policy allows (style attributes in markup would not pass).
  const showErrors = (errors) => {
    const wasOpen = document.getElementById(OVERLAY);
    if (wasOpen) wasOpen.remove();
    else returnFocus = document.activeElement;
    const title = element('h2', { id: OVERLAY + '-title' }, '构建失败 · The site did not build');
    const intro = element('p', { id: OVERLAY + '-intro' },
      '预览仍显示上一次成功构建的页面。修正下列问题并保存，本提示会自动关闭。',
      element('span', { lang: 'en' },
        ' The preview still shows the last good build. Fix the problems below and save: this notice closes by itself.'));
    const list = element('ol');
    for (const error of errors) {
      const where = [error.file, error.line || null, error.column || null].filter(Boolean).join(':');
      const item = element('li', {},
        element('p', {}, element('strong', {}, element('code', {}, where))),
        element('p', { lang: 'en' }, `${error.severity}: ${error.message}`));
      if (error.source) {
        const source = element('pre', {}, element('code', {}, `${error.line} | ${error.source}`));
        Object.assign(source.style, { overflowX: 'auto', background: '#f3f3f3', padding: '.5em', margin: '.25em 0' });
        item.append(source);
      }
      if (error.hint) item.append(element('p', { lang: 'en' }, `hint: ${error.hint}`));
      Object.assign(item.style, { marginBottom: '1em' });
      list.append(item);
    }
    const close = element('button', { type: 'button' }, '关闭 · Close');
    close.addEventListener('click', hideErrors);
    const box = element('div', {
      id: OVERLAY,
      role: 'alertdialog',
      'aria-labelledby': title.id,
      'aria-describedby': intro.id,
      lang: 'zh-CN',
    }, title, intro, list, close);
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') hideErrors();
    });
    Object.assign(box.style, {
      position: 'fixed', top: '0', left: '0', right: '0', maxHeight: '100vh', overflow: 'auto',
      zIndex: '2147483647', boxSizing: 'border-box', padding: '1rem 1.5rem',
      background: '#ffffff', color: '#1a1a1a', borderBottom: '.3rem solid #b00020',
      boxShadow: '0 .2rem 1rem rgba(0, 0, 0, .35)', font: '1rem/1.5 system-ui, sans-serif',
      textAlign: 'left',
    });
    Object.assign(title.style, { color: '#b00020', fontSize: '1.25rem', margin: '0 0 .5rem' });
    Object.assign(close.style, { font: 'inherit', padding: '.25em 1em', cursor: 'pointer' });
    (document.body || document.documentElement).append(box);
    close.focus({ preventScroll: true });
  };

  const handle = (message) => {
    switch (message.type) {
      case 'reload':
        if (!message.paths || message.paths.includes(here())) reload();
        else hideErrors();
        break;
      case 'css':
        swapStyles(message.build);
        hideErrors();
        break;
      case 'build-error':
        showErrors(message.errors || []);
        break;
      case 'check':
        check();
        break;
      case 'unsupported':
        direct();
        break;
      default:
    }
  };

  // Is this page still what the server would serve? (A rebuild may have happened while it
  // loaded, or while the event stream was down.)
  const check = () => {
    fetch(url(STATUS, described()), { cache: 'no-store' })
      .then((response) => response.json())
      .then((status) => {
        if (status.error) showErrors(status.error.errors || []);
        else if (status.stale) reload();
      })
      .catch(() => {});
  };

  let source = null;
  // The page's own stream; the server checks staleness from the query and says `reload`.
  const direct = () => {
    if (source) return;
    source = new EventSource(url(EVENTS, described()));
    for (const type of ['reload', 'css', 'build-error']) {
      source.addEventListener(type, (event) => handle({ ...JSON.parse(event.data), type }));
    }
  };

  let port = null;
  const shared = () => {
    if (typeof SharedWorker !== 'function') return false;
    try {
      const worker = new SharedWorker(url(WORKER), { name: 'gongkai-livereload' });
      worker.addEventListener('error', direct);
      port = worker.port;
      port.addEventListener('message', (event) => handle(event.data));
      port.start();
    } catch (e) {
      return false;
    }
    check();
    return true;
  };

  const connect = () => {
    if (!shared()) direct();
  };

  window.addEventListener('pagehide', () => {
    if (port) port.postMessage('bye');
    port = null;
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && !source) connect();
  });

  restoreScroll();
  connect();
})();
