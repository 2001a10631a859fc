#!/usr/bin/env node
// Accessibility checks of the gongkai theme in a real browser.
//
// Serves a built site (or uses a running server), opens every page type in Debian's Chromium
// through playwright-core, and runs axe-core with the WCAG 2.0/2.1/2.2 A+AA and best-practice
// rules in five modes:
//   normal         1280×900
//   high-contrast  1280×900, switched on with the page's own 高对比度 button (persisted)
//   narrow         320×640 (a small phone; also checks there is no sideways scrolling)
//   narrow-large   320×640 with the page's 字体 大 button pressed (no sideways scrolling)
//   phone-large    375×667 with 字体 大 (a common phone; no sideways scrolling)
//   text-200       1280×900 with the browser's text size at 200% (no sideways scrolling)
// Modes are switched with the page's own buttons, so the reading controls are tested too.
// It also fails on: a Content-Security-Policy violation or script error (the theme must work
// under its strict CSP), a request to another host, the skip link not being the first Tab stop,
// and a missing "leaving this site" confirmation for external links.
//
// Usage:
//   node a11y.mjs <built-site-dir> [path ...]      serve the folder on [::1] and test it
//   node a11y.mjs --base-url http://[::1]:1111/ [path ...]
// Paths default to one of every page type of the demo site (see DEFAULT_PATHS).
// Env: A11Y_SCREENSHOTS=<dir> saves full-page PNGs at 320 and 1280 px;
//      CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
// Exit code: 0 no problems, 1 problems found, 2 the run itself failed (timeout, no browser…).

import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

const DEFAULT_PATHS = [
  "/", // home
  "/reports/", // reports list (paginated)
  "/reports/page/2/", // a second listing page
  "/reports/2023-fazhi-zhengfu-jianshe/", // report with card, table of contents, table, attachments
  "/reports/2018-xingzheng-zhifa-jiandu-shishi-yijian/", // repealed document
  "/videos/", // video list
  "/videos/minfadian-jin-shequ/", // video page
  "/notices/", // notices: pinned first, expired archive
  "/notices/2026-jiaoshi-zhaopin/", // notice with an attachment (pinned)
  "/notices/2025-chunjie-paiwu-danwei-yinhuan-paicha/", // expired notice
  "/department/", // taxonomy list
  "/department/shi-li-qu-si-fa-ju/", // taxonomy term
  "/tags/", // another taxonomy list
  "/about/quqing-gaikuang/", // plain page without disclosure card
  "/sitemap/", // site map
  "/search/", // search page
  "/no-such-page/", // 404 (served from 404.html with status 404)
];

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const NAV_TIMEOUT = 20_000;
const ACTION_TIMEOUT = 10_000;
const WHOLE_RUN_TIMEOUT = 10 * 60_000;

const MODES = [
  { name: "normal", width: 1280, height: 900 },
  { name: "high-contrast", width: 1280, height: 900, contrast: true },
  { name: "narrow", width: 320, height: 640, checkOverflow: true },
  { name: "narrow-large", width: 320, height: 640, size: "large", checkOverflow: true },
  // Most phones are 360–414 CSS px wide, where the 320 px rules do not apply (issue 11).
  { name: "phone-large", width: 375, height: 667, size: "large", checkOverflow: true },
  { name: "text-200", width: 1280, height: 900, fontSize: 32, checkOverflow: true },
];

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".vtt": "text/vtt; charset=utf-8",
  ".pdf": "application/pdf",
  ".json": "application/json",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

function parseArgs(argv) {
  const args = { dir: null, baseUrl: null, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--base-url") args.baseUrl = argv[++i];
    else if (arg === "-h" || arg === "--help") {
      console.log("usage: node a11y.mjs <built-site-dir> [path ...] | --base-url URL [path ...]");
      process.exit(0);
    } else args.paths.push(arg);
  }
  // Without --base-url, the first positional argument is the built folder.
  if (!args.baseUrl && args.paths.length) args.dir = args.paths.shift();
  if (!args.dir && !args.baseUrl) {
    console.error("a11y: give the built site folder, or --base-url of a running server");
    process.exit(2);
  }
  if (args.paths.length === 0) args.paths = DEFAULT_PATHS;
  return args;
}

// A static file server for the built folder: folders serve index.html, misses serve 404.html
// with status 404, Range requests are honoured (video seeking).
async function serve(root) {
  root = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      let path = decodeURIComponent(url.pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info && info.isDirectory()) {
        if (!path.endsWith("/")) {
          res.writeHead(301, { Location: path + "/" }).end();
          return;
        }
        file = join(file, "index.html");
        info = await stat(file).catch(() => null);
      }
      if (!info || !info.isFile()) {
        const body = await readFile(join(root, "404.html")).catch(() => "Not found");
        res.writeHead(404, { "Content-Type": MIME[".html"] }).end(body);
        return;
      }
      const headers = { "Content-Type": MIME[extname(file).toLowerCase()] || "application/octet-stream", "Accept-Ranges": "bytes" };
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || "");
      if (range && (range[1] || range[2])) {
        let start = range[1] ? Number(range[1]) : info.size - Number(range[2]);
        let end = range[1] && range[2] ? Number(range[2]) : info.size - 1;
        start = Math.max(0, start);
        end = Math.min(end, info.size - 1);
        if (start > end) {
          res.writeHead(416, { "Content-Range": `bytes */${info.size}` }).end();
          return;
        }
        res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${info.size}`, "Content-Length": end - start + 1 });
        createReadStream(file, { start, end }).pipe(res);
        return;
      }
      res.writeHead(200, { ...headers, "Content-Length": info.size });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "::1", ok);
  });
  return { server, baseUrl: `http://[::1]:${server.address().port}/` };
}

// Puts the page in the mode's reading state (高对比度 on/off, 字体 大/中) by pressing the page's
// own buttons when the saved state differs, and checks the buttons report it. Returns a problem.
async function setReadingMode(page, mode) {
  const wantContrast = Boolean(mode.contrast);
  const wantSize = mode.size || "medium";
  const state = () =>
    page.evaluate(() => {
      const root = document.documentElement.classList;
      const size = root.contains("gk-text-large") ? "large" : root.contains("gk-text-small") ? "small" : "medium";
      return { contrast: root.contains("gk-contrast-high"), size };
    });
  let now = await state();
  if (now.contrast !== wantContrast) await page.click("[data-gk-contrast]");
  if (now.size !== wantSize) await page.click(`[data-gk-font-size="${wantSize}"]`);
  now = await state();
  if (now.contrast !== wantContrast) return `高对比度 could not be switched ${wantContrast ? "on" : "off"}`;
  if (now.size !== wantSize) return `字体 could not be set to ${wantSize}`;
  const pressed = await page.getAttribute("[data-gk-contrast]", "aria-pressed");
  if (pressed !== String(wantContrast)) return `高对比度 button has aria-pressed="${pressed}"`;
  const sizePressed = await page.getAttribute(`[data-gk-font-size="${wantSize}"]`, "aria-pressed");
  if (sizePressed !== "true") return `字体 ${wantSize} button has aria-pressed="${sizePressed}"`;
  return null;
}

function describe(violation) {
  const nodes = violation.nodes
    .slice(0, 5)
    .map((node) => `      ${node.target.join(" ")}\n        ${(node.failureSummary || "").replace(/\n/g, "\n        ")}`)
    .join("\n");
  const more = violation.nodes.length > 5 ? `\n      … and ${violation.nodes.length - 5} more` : "";
  return `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.nodes.length} element(s))\n    ${violation.helpUrl}\n${nodes}${more}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(() => {
    console.error(`a11y: the run took longer than ${WHOLE_RUN_TIMEOUT / 1000} s; giving up`);
    process.exit(2);
  }, WHOLE_RUN_TIMEOUT);
  watchdog.unref();

  let served = null;
  let baseUrl = args.baseUrl;
  if (!baseUrl) {
    served = await serve(args.dir);
    baseUrl = served.baseUrl;
  }
  const origin = new URL(baseUrl).origin;
  const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const axeVersion = require("axe-core/package.json").version;
  const shots = process.env.A11Y_SCREENSHOTS ? resolve(process.env.A11Y_SCREENSHOTS) : null;
  if (shots) await mkdir(shots, { recursive: true });

  const profile = await mkdtemp(join(tmpdir(), "gongkai-a11y-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--mute-audio",
    ],
    viewport: { width: 1280, height: 900 },
    locale: "zh-CN",
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(NAV_TIMEOUT);

  const problems = [];
  let axeRuns = 0;
  let violationsTotal = 0;
  // One axe run on the current page, its violations recorded under `label`.
  const runAxe = async (page, label) => {
    // Let a mode switch reach rendering before axe reads colours and positions.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.evaluate(axeSource);
    const results = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
      TAGS,
    );
    axeRuns++;
    violationsTotal += results.violations.length;
    if (results.violations.length) {
      problems.push(`${label}: ${results.violations.length} axe violation(s)\n${results.violations.map(describe).join("\n")}`);
    }
  };
  const started = Date.now();
  console.log(`a11y: axe-core ${axeVersion}, ${CHROMIUM}, ${args.paths.length} pages × ${MODES.length} modes, base ${baseUrl}`);

  try {
    const page = context.pages()[0] || (await context.newPage());
    const pageIssues = [];
    page.on("console", (message) => {
      const text = message.text();
      if (message.type() === "error" && /Content Security Policy|Refused to/i.test(text)) pageIssues.push(`CSP violation: ${text}`);
    });
    page.on("pageerror", (error) => pageIssues.push(`script error: ${error.message}`));
    page.on("request", (request) => {
      const url = request.url();
      if (/^(data|blob|about):/.test(url)) return;
      if (new URL(url).origin !== origin) pageIssues.push(`request to another host: ${url}`);
    });
    const cdp = await context.newCDPSession(page);

    for (const mode of MODES) {
      await page.setViewportSize({ width: mode.width, height: mode.height });
      await cdp.send("Page.setFontSizes", { fontSizes: { standard: mode.fontSize || 16, fixed: mode.fontSize ? Math.round(mode.fontSize * 0.8125) : 13 } });
      for (const path of args.paths) {
        const label = `${mode.name} ${path}`;
        pageIssues.length = 0;
        const response = await page.goto(new URL(path.replace(/^\//, ""), baseUrl).href, { waitUntil: "load" });
        const expectMissing = path === "/no-such-page/";
        if (!response || (expectMissing ? response.status() !== 404 : !response.ok())) {
          problems.push(`${label}: HTTP ${response ? response.status() : "no response"}`);
          continue;
        }
        // The reading controls are revealed by script; wait for them (bounded).
        await page.waitForSelector("#gk-reading-controls:not([hidden])", { timeout: ACTION_TIMEOUT }).catch(() => {
          problems.push(`${label}: the reading controls were not revealed by reading-controls.js`);
        });
        const modeProblem = await setReadingMode(page, mode);
        if (modeProblem) problems.push(`${label}: ${modeProblem}`);
        if (mode.name === "normal") {
          // The skip link must be the first Tab stop.
          await page.evaluate(() => document.activeElement && document.activeElement.blur());
          await page.keyboard.press("Tab");
          const first = await page.evaluate(() => document.activeElement && document.activeElement.className);
          if (first !== "gk-skip-link") problems.push(`${label}: first Tab stop is "${first}", not the skip link`);
          await page.evaluate(() => document.activeElement && document.activeElement.blur());
        }
        if (mode.checkOverflow) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 1) problems.push(`${label}: the page scrolls sideways by ${overflow}px (WCAG 1.4.10 / 1.4.4)`);
        }

        await runAxe(page, label);
        for (const issue of pageIssues) problems.push(`${label}: ${issue}`);

        if (shots && mode.name !== "text-200") {
          const name = `${mode.name}-${mode.width}-${path.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "") || "home"}.png`;
          await page.screenshot({ path: join(shots, name), fullPage: true, timeout: 30_000 });
        }
      }
    }

    // External links ask before leaving, in an accessible dialog (checked once, with axe on it).
    await page.setViewportSize({ width: 1280, height: 900 });
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 16, fixed: 13 } });
    await page.goto(new URL("contact/", baseUrl).href, { waitUntil: "load" });
    const modeProblem = await setReadingMode(page, MODES[0]);
    if (modeProblem) problems.push(`external link page: ${modeProblem}`);
    const before = page.url();
    await page.click("footer a[href^='https://beian.miit.gov.cn']");
    const dialog = await page.waitForSelector("dialog.gk-dialog[open]", { timeout: ACTION_TIMEOUT }).catch(() => null);
    if (!dialog) {
      problems.push("external link: no confirmation dialog opened");
    } else {
      const text = await dialog.innerText();
      if (!text.includes("即将离开")) problems.push(`external link: dialog text is "${text}"`);
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.closest("dialog") !== null);
      if (!focused) problems.push("external link: focus did not move into the dialog");
      await runAxe(page, "external link dialog");
      await page.keyboard.press("Escape");
      if (await page.$("dialog.gk-dialog[open]")) problems.push("external link: Esc did not close the dialog");
      if (page.url() !== before) problems.push("external link: the page was left without confirmation");
    }

    // 朗读全文 where the browser cannot speak Chinese (headless Chromium has no voice at all):
    // the button must come back to 朗读全文 and the status say why, not 停止朗读 forever.
    const report = args.paths.find((p) => /^\/?reports\/[^/]+\/$/.test(p) && !p.includes("/page/"));
    if (report) {
      await page.goto(new URL(report.replace(/^\//, ""), baseUrl).href, { waitUntil: "load" });
      const readAloud = page.locator("[data-gk-read-aloud]");
      if (await readAloud.isVisible()) {
        const hasChinese = await page.evaluate(() => speechSynthesis.getVoices().some((v) => /^zh/i.test(v.lang)));
        await readAloud.click();
        await page.waitForTimeout(5000);
        const label = await readAloud.textContent();
        const pressed = await readAloud.getAttribute("aria-pressed");
        const statusRegion = page.locator("[data-gk-read-status]");
        const status = (await statusRegion.count()) ? ((await statusRegion.textContent()) || "").trim() : "";
        if (!hasChinese && (label !== "朗读全文" || pressed !== "false" || status === "")) {
          problems.push(`read aloud: with no Chinese voice the button says "${label}" (aria-pressed=${pressed}) and the status "${status}" after 5 s`);
        }
        if (hasChinese && label === "停止朗读") await readAloud.click();
      }
    }
  } finally {
    await context.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
    if (served) served.server.close();
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length) {
    console.log(problems.join("\n\n"));
    console.log(`\na11y: ${axeRuns} axe runs, ${violationsTotal} violation(s), ${problems.length} problem(s) in ${seconds} s`);
    console.log(`${axeRuns - new Set(problems.map((p) => p.split(":")[0])).size} passed, ${new Set(problems.map((p) => p.split(":")[0])).size} failed`);
    return 1;
  }
  console.log(`a11y: ${axeRuns} axe runs over ${args.paths.length} pages in ${MODES.length} modes: 0 violations, 0 problems in ${seconds} s`);
  console.log(`${axeRuns} passed, 0 failed`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`a11y: ${error.stack || error}`);
    process.exit(2);
  },
);
