#!/usr/bin/env node
// Live reload in a real browser: `gongkai serve --port 0` on a temporary copy of a site, the
// page opened in Debian's Chromium at http://[::1]:PORT/ (the address other generators' reload
// scripts get wrong), then files are edited on disk and the time until the change is visible in
// the page is measured ("save to visible": watcher, rebuild, event, reload, first paint).
//
// Checked along the way (any failure exits 1):
//   - every edit of a page's text becomes visible, and the scroll position survives the reload;
//   - a CSS edit is applied without reloading the page;
//   - a template edit becomes visible;
//   - a broken front matter shows the accessible error overlay (file and line), and fixing the
//     file removes it and shows the new text;
//   - no Content-Security-Policy violation and no script error (the theme's CSP is strict).
//
// Usage:
//   node livereload.mjs                      the demo site at the repository root
//   node livereload.mjs --site DIR --file content/x.md --path /x/ [--edits N] [--in-place]
//                                            another site (e.g. a benchmark corpus); the page at
//                                            --path is the one rendered from --file
// Env: GONGKAI=path/to/gongkai (default: target/debug/gongkai, built if missing),
//      CHROMIUM=/path/to/chromium (default /usr/bin/chromium).
// Prints one line per measurement and the medians; exit 0 ok, 1 a check failed, 2 the run failed.

import { spawn, spawnSync } from "node:child_process";
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const VISIBLE_TIMEOUT = 10_000;
const WHOLE_RUN_TIMEOUT = 5 * 60_000;
const PROBE_FILE = "content/notices/livereload-probe.md";
const PROBE_PATH = "/notices/livereload-probe/";

function parseArgs(argv) {
  const args = { site: null, file: null, path: null, edits: 7, inPlace: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--site") args.site = argv[++i];
    else if (arg === "--file") args.file = argv[++i];
    else if (arg === "--path") args.path = argv[++i];
    else if (arg === "--edits") args.edits = Number(argv[++i]);
    else if (arg === "--in-place") args.inPlace = true;
    else {
      console.error(`livereload: unknown argument ${arg}`);
      process.exit(2);
    }
  }
  if (args.site && !(args.file && args.path)) {
    console.error("livereload: --site needs --file and --path");
    process.exit(2);
  }
  return args;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`FAIL ${message}`);
};

function gongkaiBinary() {
  if (process.env.GONGKAI) return process.env.GONGKAI;
  const binary = join(ROOT, "target/debug/gongkai");
  const built = spawnSync("cargo", ["build", "-q", "--bin", "gongkai"], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0 && !existsSync(binary)) throw new Error("cargo build failed");
  return binary;
}

// Copies the site (or uses it in place) and returns its root.
async function prepareSite(args, work) {
  if (args.site && args.inPlace) return resolve(args.site);
  const site = join(work, "site");
  if (args.site) {
    await cp(resolve(args.site), site, { recursive: true });
    return site;
  }
  for (const entry of ["site.toml", "content", "templates", "static", "themes"]) {
    if (existsSync(join(ROOT, entry))) await cp(join(ROOT, entry), join(site, entry), { recursive: true });
  }
  // A long page of our own, so the test does not depend on the demo's wording, and can scroll.
  const paragraphs = Array.from({ length: 60 }, (_, i) => `第${i + 1}段：这是实时预览测试页面的正文。`);
  await writeFile(join(site, PROBE_FILE), probePage("实时预览测试页面", paragraphs.join("\n\n")));
  return site;
}

const probePage = (title, body) =>
  `+++\ntitle = "${title}"\ndate = "2026-01-05 09:00"\nsource = "示例区人民政府办公室"\n+++\n\n${body}\n`;

// Starts `gongkai serve --port 0` and resolves with its [::1] URL once it watches for changes.
function startServer(binary, site) {
  const child = spawn(binary, ["serve", "--root", site, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const ready = new Promise((resolveReady, rejectReady) => {
    let url = null;
    const timer = setTimeout(() => rejectReady(new Error(`the server did not start:\n${log}`)), 120_000);
    const onData = (chunk) => {
      log += chunk;
      url = url || (log.match(/http:\/\/\[::1\]:\d+\//) || [])[0];
      if (url && log.includes("Press Ctrl-C to stop")) {
        clearTimeout(timer);
        resolveReady(url);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.on("exit", (code) => rejectReady(new Error(`the server exited (${code}):\n${log}`)));
  });
  return { child, ready, log: () => log };
}

// Runs `write` and returns the milliseconds until `check(arg)` holds in the page. After a
// reload the moment is the new page's first contentful paint, read from the page's own clock
// (Playwright notices the new page only some 100 ms later, which would swamp the number);
// without a reload it is when the check first held.
async function timeUntilVisible(page, write, check, arg) {
  const before = await page.evaluate(() => performance.timeOrigin);
  const started = Date.now();
  await write();
  await page.waitForFunction(check, arg, { timeout: VISIBLE_TIMEOUT, polling: 5 });
  const noticed = Date.now();
  const painted = await page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    const navigation = performance.getEntriesByType("navigation")[0];
    const at = paint ? paint.startTime : navigation && navigation.domContentLoadedEventEnd;
    return { origin: performance.timeOrigin, at };
  });
  if (painted.origin !== before && painted.at) return painted.origin + painted.at - started;
  return noticed - started;
}

const bodyHas = (text) => document.body && document.body.innerText.includes(text);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), "gongkai-livereload-"));
  let server = null;
  let context = null;
  const cleanup = async () => {
    if (context) await context.close().catch(() => {});
    if (server) server.child.kill("SIGINT");
    await rm(work, { recursive: true, force: true });
  };
  const watchdog = setTimeout(async () => {
    console.error("livereload: the run took too long");
    await cleanup();
    process.exit(2);
  }, WHOLE_RUN_TIMEOUT);

  try {
    const binary = gongkaiBinary();
    const site = await prepareSite(args, work);
    const file = join(site, args.file || PROBE_FILE);
    const path = args.path || PROBE_PATH;
    const original = await readFile(file, "utf8");
    server = startServer(binary, site);
    const base = await server.ready;
    if (!base.startsWith("http://[::1]:")) fail(`the server did not print an [::1] URL: ${base}`);
    console.log(`serving ${site} at ${base}`);

    context = await chromium.launchPersistentContext(join(work, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const page = context.pages()[0] || (await context.newPage());
    const problems = [];
    page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const url = new URL(path, base).href;
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response || response.status() !== 200) throw new Error(`${url} answered ${response && response.status()}`);
    // Let the script connect before the first edit (the connection is made after the page loads).
    await page.waitForTimeout(500);

    // 1. Text edits: save → visible, with the scroll position kept.
    const latencies = [];
    for (let i = 0; i < args.edits; i++) {
      const marker = `实时预览第${i + 1}次修改-${Date.now()}`;
      const scrollable = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
      const target = Math.min(600, Math.max(0, scrollable));
      await page.evaluate((y) => window.scrollTo(0, y), target);
      await page.waitForTimeout(50);
      try {
        const ms = await timeUntilVisible(page, () => appendFile(file, `\n\n${marker}\n`), bodyHas, marker);
        latencies.push(ms);
        const y = await page.evaluate(() => window.scrollY);
        if (Math.abs(y - target) > 2) fail(`edit ${i + 1}: scroll position ${y} after the reload, expected ${target}`);
        console.log(`edit ${i + 1}: visible after ${ms.toFixed(1)} ms`);
      } catch (error) {
        fail(`edit ${i + 1}: the change never showed (${error.message.split("\n")[0]})`);
      }
      await page.waitForTimeout(300);
    }

    // 2. A CSS edit applies without a reload.
    const sheet = await page.evaluate(() => {
      const link = [...document.querySelectorAll('link[rel~="stylesheet"]')].find((l) => new URL(l.href).origin === location.origin);
      return link ? new URL(link.href).pathname : null;
    });
    const sheetFile = sheet && [join(site, "static", sheet), ...(await themeStaticDirs(site)).map((d) => join(d, sheet))].find(existsSync);
    let cssMs = null;
    if (sheetFile) {
      await page.evaluate(() => { window.__gongkaiNoReload = true; });
      const css = await readFile(sheetFile, "utf8");
      try {
        cssMs = await timeUntilVisible(
          page,
          () => writeFile(sheetFile, `${css}\nbody { outline: 3px solid rgb(1, 2, 3); }\n`),
          () => getComputedStyle(document.body).outlineColor === "rgb(1, 2, 3)",
        );
        if (!(await page.evaluate(() => window.__gongkaiNoReload === true))) fail("the CSS edit reloaded the page");
        console.log(`css edit: applied after ${cssMs.toFixed(1)} ms, without a reload`);
      } catch (error) {
        fail(`the CSS edit never applied (${error.message.split("\n")[0]})`);
      }
      await writeFile(sheetFile, css);
      await page.waitForTimeout(300);
    } else {
      console.log("css edit: skipped (the page has no same-origin stylesheet)");
    }

    // 3. A template edit: the base template every page extends.
    const templateMs = [];
    const baseTemplate = [join(site, "templates/base.html"), ...(await themeTemplateDirs(site)).map((d) => join(d, "base.html"))].find(existsSync);
    if (baseTemplate) {
      const template = await readFile(baseTemplate, "utf8");
      for (let i = 0; i < 3; i++) {
        const marker = `模板修改${i + 1}-${Date.now()}`;
        const edited = template.replace(/<\/body>/i, `<p>${marker}</p>\n</body>`);
        try {
          const ms = await timeUntilVisible(page, () => writeFile(baseTemplate, edited), bodyHas, marker);
          templateMs.push(ms);
          console.log(`template edit ${i + 1}: visible after ${ms.toFixed(1)} ms`);
        } catch (error) {
          fail(`template edit ${i + 1}: never showed (${error.message.split("\n")[0]})`);
        }
        await page.waitForTimeout(300);
      }
      await writeFile(baseTemplate, template);
      await page.waitForTimeout(500);
    }

    // 4. A broken file shows the overlay; fixing it removes the overlay and shows the fix.
    const fixed = `修正后的正文-${Date.now()}`;
    await writeFile(file, original.replace(/^title\s*=.*$/m, "title = "));
    try {
      await page.waitForSelector('#gongkai-build-error[role="alertdialog"]', { timeout: VISIBLE_TIMEOUT });
      const text = await page.locator("#gongkai-build-error").innerText();
      const shown = (args.file || PROBE_FILE).replace(/\\/g, "/");
      if (!text.includes(shown)) fail(`the overlay does not name ${shown}: ${text}`);
      if (!/:\d+/.test(text)) fail(`the overlay does not give a line: ${text}`);
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.closest("#gongkai-build-error") !== null);
      if (!focused) fail("the overlay did not take the focus");
      console.log("error overlay: shown");
    } catch (error) {
      fail(`no error overlay for a broken file (${error.message.split("\n")[0]})`);
    }
    await writeFile(file, `${original}\n\n${fixed}\n`);
    try {
      await page.waitForFunction(
        (marker) => !document.getElementById("gongkai-build-error") && document.body && document.body.innerText.includes(marker),
        fixed,
        { timeout: VISIBLE_TIMEOUT, polling: 5 },
      );
      console.log("error overlay: cleared by the fix");
    } catch (error) {
      fail(`fixing the file did not clear the overlay (${error.message.split("\n")[0]})`);
    }
    await writeFile(file, original);

    for (const problem of problems) fail(problem);
    if (latencies.length) {
      console.log(`save → visible, page text: median ${median(latencies).toFixed(1)} ms over ${latencies.length} edits (min ${Math.min(...latencies).toFixed(1)}, max ${Math.max(...latencies).toFixed(1)})`);
    }
    if (templateMs.length) console.log(`save → visible, base template: median ${median(templateMs).toFixed(1)} ms`);
    if (cssMs !== null) console.log(`save → applied, stylesheet: ${cssMs.toFixed(1)} ms`);
  } catch (error) {
    console.error(`livereload: ${error.stack || error}`);
    if (server) console.error(server.log());
    clearTimeout(watchdog);
    await cleanup();
    process.exit(2);
  }
  clearTimeout(watchdog);
  await cleanup();
  if (failures.length) {
    console.error(`livereload: ${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log("livereload: ok");
}

async function themeDirs(site) {
  const toml = await readFile(join(site, "site.toml"), "utf8").catch(() => "");
  const theme = (toml.match(/^\s*theme\s*=\s*"([^"]+)"/m) || [])[1];
  return theme ? [join(site, "themes", theme)] : [];
}
const themeStaticDirs = async (site) => (await themeDirs(site)).map((d) => join(d, "static"));
const themeTemplateDirs = async (site) => (await themeDirs(site)).map((d) => join(d, "templates"));

main();
