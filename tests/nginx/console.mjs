#!/usr/bin/env node
// The theme under a real server's headers, in Chromium: opens pages served by nginx (run.sh
// starts it) and fails on any console error or warning about a policy, a Content-Security-Policy
// violation (the `securitypolicyviolation` event), a script error, a failed or refused request, a
// subresource answered with an error status, or a request to another host. The document must
// carry the server's CSP header, so the check runs under it (not only the theme's <meta>). On the
// video page the video must load its metadata (type and byte ranges right: Chromium asks for
// `Range: bytes=0-` and needs the 206) and the captions must load.
//
// Usage: node console.mjs BASE_URL       e.g. node console.mjs http://127.0.0.1:8080/
// Env:   CHROMIUM=/path/to/chromium (default /usr/bin/chromium)
// Prints `ok …` / `FAIL …` per page and `console: N passed, M failed`; exit 0 only if none failed.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

// playwright-core is installed for the browser suites, in tests/browser/node_modules.
const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), "../browser/package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PAGES = [
  { path: "/", status: 200 }, // home
  { path: "/reports/2023-fazhi-zhengfu-jianshe/", status: 200 }, // a report (card, table of contents, attachments)
  { path: "/videos/minfadian-jin-shequ/", status: 200, video: true }, // a video page
  { path: "/a/b/no-such-page.html", status: 404 }, // the 404 page, deep: its assets must still load
];
const TIMEOUT = 15_000;

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node console.mjs BASE_URL");
  process.exit(2);
}
const origin = new URL(baseUrl).origin;
const watchdog = setTimeout(() => {
  console.log("FAIL the Chromium check took longer than 150 s");
  console.log("console: 0 passed, 1 failed");
  process.exit(1);
}, 150_000);
watchdog.unref();

let passed = 0;
let failed = 0;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  timeout: 60_000,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--mute-audio",
  ],
});
try {
  const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  // Collect CSP violations as the page sees them, from the very first script on.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile || ""}:${event.lineNumber})`);
    });
  });

  for (const { path, status, video } of PAGES) {
    const problems = [];
    const page = await context.newPage();
    const mediaStatuses = [];
    const url = new URL(path.replace(/^\//, ""), baseUrl).href;
    page.on("console", (message) => {
      const text = message.text();
      // Chromium logs the expected 404 of the missing page's own document as an error.
      if (status === 404 && message.location().url === url && /status of 404/.test(text)) return;
      if (message.type() === "error") problems.push(`console error: ${text}`);
      else if (/Content.Security.Policy|Permissions.Policy|Feature.Policy|Refused to/i.test(text)) problems.push(`console ${message.type()}: ${text}`);
    });
    page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
    page.on("request", (request) => {
      const url = request.url();
      if (!/^(data|blob|about):/.test(url) && new URL(url).origin !== origin) problems.push(`request to another host: ${url}`);
    });
    page.on("requestfailed", (request) => {
      const error = request.failure()?.errorText || "";
      // A media element cancels its own range requests once it has what it needs.
      if (request.resourceType() === "media" && error === "net::ERR_ABORTED") return;
      problems.push(`request failed: ${request.url()} ${error}`);
    });
    page.on("response", (response) => {
      const url = response.url();
      if (response.request().resourceType() === "media") mediaStatuses.push(response.status());
      if (!response.request().isNavigationRequest() && response.status() >= 400) problems.push(`${response.status()} for ${url}`);
    });

    try {
      const response = await page.goto(url, { waitUntil: "load" });
      if (!response) problems.push("no response");
      else {
        if (response.status() !== status) problems.push(`status ${response.status()}, not ${status}`);
        const csp = (await response.allHeaders())["content-security-policy"] || "";
        if (!csp.startsWith("default-src 'self'")) problems.push(`the document has no CSP header from the server (got "${csp}")`);
      }
      // The deferred scripts have run at `load`; give late errors a moment.
      await page.waitForTimeout(300);
      await page.waitForSelector("#gk-reading-controls:not([hidden])", { timeout: 5_000 }).catch(() => {
        problems.push("reading-controls.js did not reveal the reading controls");
      });
      if (video) {
        const state = await page
          .waitForFunction(
            () => {
              const v = document.querySelector("video");
              const track = document.querySelector("video track");
              if (!v) return { error: "no <video>" };
              if (v.error) return { error: `video error ${v.error.code} ${v.error.message}` };
              if (track && track.readyState === 3) return { error: "the captions failed to load" };
              return v.readyState >= 1 && (!track || track.readyState === 2) ? { ok: true } : false;
            },
            null,
            { timeout: TIMEOUT },
          )
          .then((handle) => handle.jsonValue())
          .catch(() => ({ error: "the video's metadata or captions did not load in time" }));
        if (state.error) problems.push(state.error);
        if (!mediaStatuses.includes(206)) problems.push(`the video was not fetched by byte range (media statuses: ${mediaStatuses.join(", ") || "none"})`);
      }
      const violations = await page.evaluate(() => window.__cspViolations || []);
      for (const violation of violations) problems.push(`CSP violation: ${violation}`);
    } catch (error) {
      problems.push(`could not check: ${error.message.split("\n")[0]}`);
    } finally {
      await page.close().catch(() => {});
    }
    const label = `Chromium ${path}${video ? " (video plays its metadata and captions, 206)" : ""}: no console error, CSP violation or failed request under nginx's headers`;
    if (problems.length) {
      failed++;
      console.log(`FAIL ${label}`);
      for (const problem of problems) console.log(`     ${problem}`);
    } else {
      passed++;
      console.log(`ok   ${label}`);
    }
  }
} finally {
  await browser.close().catch(() => {});
}
console.log(`console: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
