// The end-to-end test of the demo campaign page (examples/web) in a real
// browser: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core, against `marquee-server --demo --web-dir examples/web`
// started on 127.0.0.1 and a free port.
//
// Two visitors (two browser contexts, so two localStorage and two user
// ids) open the page. Each must render the banner variant decide chose,
// with the content of that variant, and record its impression; visitor 1
// clicks the banner. Visitor 1 votes; visitor 2's live results (an
// EventSource on /v1/polls/{id}/stream) must show the vote within 1 s,
// without a reload. The impression and the click must reach the campaign's
// statistics. Screenshots of both pages are kept as test artifacts.
//
//   node campaign_page.test.mjs MARQUEE_SERVER WEB_DIR ARTIFACT_DIR
//
// Environment: MARQUEE_PLAYWRIGHT_CORE (the playwright-core package dir;
// scripts/test installs it under build/tools/playwright; ctest passes that
// path as MARQUEE_PLAYWRIGHT_CORE_DEFAULT), MARQUEE_CHROMIUM
// (default /usr/bin/chromium). Either missing is a failure, not a skip.
// Prints "browser test passed" and exits 0, or "FAIL: ..." and exits 1.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [serverPath, webDir, artifactDir] = process.argv.slice(2);
const chromiumPath = process.env.MARQUEE_CHROMIUM || "/usr/bin/chromium";
const playwrightDir =
  process.env.MARQUEE_PLAYWRIGHT_CORE || process.env.MARQUEE_PLAYWRIGHT_CORE_DEFAULT || "";
const adminKey = "mq_browser_test_admin_key_0123456789";
const deliveryKey = "mq_browser_test_delivery_key_0123456789";
// The variants of the demo's spring-sale (examples/server/demo_seed.cc).
const headlines = {
  control: "Spring sale: up to 30% off",
  urgent: "Last days: 30% off everything",
};

let server = null;
let serverExited = null;  // resolves to the exit code
let browser = null;

// A failed check, already reported.
class TestFailure extends Error {}

function fail(message) {
  console.log("FAIL: " + message);
  throw new TestFailure(message);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// What a missing tool means, and how to get it: the test fails rather than
// skips, so a machine without the browser never passes silently.
function checkTools() {
  if (!serverPath || !webDir || !artifactDir) {
    fail("usage: node campaign_page.test.mjs MARQUEE_SERVER WEB_DIR ARTIFACT_DIR");
  }
  if (!existsSync(chromiumPath)) {
    fail(`no Chromium at ${chromiumPath}: install Debian's chromium ` +
         "(scripts/install-deps installs it, group browser: " +
         "MARQUEE_DEP_GROUPS=browser scripts/install-deps), or set MARQUEE_CHROMIUM");
  }
  if (!playwrightDir || !existsSync(path.join(playwrightDir, "package.json"))) {
    fail(`no playwright-core at '${playwrightDir}': scripts/test installs it under ` +
         "build/tools/playwright, where this test looks by default (by hand: npm install " +
         "--prefix build/tools/playwright playwright-core@1.65.1), or set " +
         "MARQUEE_PLAYWRIGHT_CORE to a playwright-core package dir");
  }
}

async function startServer(work) {
  const portFile = path.join(work, "port");
  server = spawn(serverPath, [
    "--demo", "--listen", "127.0.0.1:0", "--port-file", portFile, "--threads", "2",
    "--admin-key", adminKey, "--delivery-key", deliveryKey, "--web-dir", webDir,
    "--access-log", "off",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (chunk) => { stderr += chunk; });
  serverExited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  for (let i = 0; i < 600; i++) {
    if (existsSync(portFile)) return `http://127.0.0.1:${readFileSync(portFile, "utf8").trim()}`;
    if (server.exitCode !== null) fail("marquee-server exited at start: " + stderr);
    await sleep(100);
  }
  fail("marquee-server wrote no port file in 60 s: " + stderr);
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  server.kill("SIGTERM");
  const code = await serverExited;
  if (code !== 0) fail(`marquee-server exited ${code} after SIGTERM`);
}

// A fresh visitor: its own context (cookies, localStorage), the page opened
// with the delivery key in the fragment, as the server's banner links it.
async function openVisitor(base, name, pageErrors) {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(`${name}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(`${name} console: ${message.text()}`);
  });
  await page.goto(`${base}/web/#key=${deliveryKey}`);
  return page;
}

// Visitor page: the banner is rendered with its variant's content and the
// impression was accepted. Returns the variant.
async function checkBanner(page, name) {
  await page.waitForSelector('#banner[data-state="shown"][data-impression="recorded"]',
                             { timeout: 15000 });
  const shown = await page.evaluate(() => {
    const banner = document.getElementById("banner");
    return {
      campaign: banner.dataset.campaign,
      variant: banner.dataset.variant,
      headline: banner.querySelector(".headline").textContent,
      fragmentGone: location.hash === "",
      user: document.getElementById("user-id").textContent,
    };
  });
  if (shown.campaign !== "spring-sale") fail(`${name}: banner of ${shown.campaign}`);
  if (!(shown.variant in headlines)) fail(`${name}: unknown variant ${shown.variant}`);
  if (shown.headline !== headlines[shown.variant]) {
    fail(`${name}: variant ${shown.variant} rendered "${shown.headline}"`);
  }
  if (!shown.fragmentGone) fail(`${name}: the key stayed in the address bar`);
  if (!shown.user.startsWith("web-")) fail(`${name}: visitor id "${shown.user}"`);
  console.log(`${name}: ${shown.user} sees spring-sale/${shown.variant}: "${shown.headline}"`);
  return shown;
}

async function total(page) {
  return Number(await page.textContent("#poll-total"));
}

// The campaign's impression and click counts, summed over variants; the
// ingestor writes in batches, so this is polled for a few seconds.
async function waitForEvents(base, impressions, clicks) {
  let last = "";
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${base}/v1/campaigns/spring-sale/stats?bucket=day`,
                                 { headers: { Authorization: `Bearer ${adminKey}` } });
    const stats = await response.json();
    let seen = { impression: 0, click: 0 };
    for (const v of stats.variants || []) {
      seen.impression += v.totals?.impression?.count ?? 0;
      seen.click += v.totals?.click?.count ?? 0;
    }
    last = JSON.stringify(seen);
    if (seen.impression >= impressions && seen.click >= clicks) return seen;
    await sleep(100);
  }
  fail(`events not in the stats after 10 s: ${last}`);
}

async function main() {
  checkTools();
  const { chromium } = await import(pathToFileURL(path.join(playwrightDir, "index.mjs")).href);
  mkdirSync(artifactDir, { recursive: true });
  const work = path.join(artifactDir, "work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const base = await startServer(work);
  console.log("marquee-server at " + base);
  // As root Chromium needs --no-sandbox; the rest keeps it off the network
  // (this machine has none but loopback) and quiet.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const pageErrors = [];
  const page1 = await openVisitor(base, "visitor 1", pageErrors);
  const page2 = await openVisitor(base, "visitor 2", pageErrors);
  const shown1 = await checkBanner(page1, "visitor 1");
  const shown2 = await checkBanner(page2, "visitor 2");
  if (shown1.user === shown2.user) fail("both visitors got the same id");

  await page1.click("#banner-cta");
  await page1.waitForSelector('#banner[data-clicked="true"]', { timeout: 5000 });

  // Both pages follow the live results; the demo seeded 3 votes.
  for (const page of [page1, page2]) {
    await page.waitForSelector('#stream-state[data-state="live"]', { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById("poll-total").textContent !== "–",
                               null, { timeout: 10000 });
  }
  const before = await total(page2);
  if (before < 3) fail(`visitor 2 shows ${before} votes, the demo seeded 3`);

  // Visitor 1 votes for the banner it saw; visitor 2 sees it within 1 s.
  const option = shown1.variant;
  const countBefore = Number(await page2.textContent(`#poll-results li[data-option="${option}"] .count`));
  const started = performance.now();
  await page1.click(`#poll-options button[data-option="${option}"]`);
  try {
    await page2.waitForFunction(
      (expected) => Number(document.getElementById("poll-total").textContent) === expected,
      before + 1, { timeout: 1000, polling: 10 });
  } catch {
    fail(`visitor 2 still shows ${await total(page2)} votes 1 s after the vote (expected ${before + 1})`);
  }
  const elapsed = Math.round(performance.now() - started);
  const countAfter = Number(await page2.textContent(`#poll-results li[data-option="${option}"] .count`));
  if (countAfter !== countBefore + 1) fail(`option ${option}: ${countBefore} -> ${countAfter}`);
  console.log(`vote for ${option} in page 1 shown in page 2 after ${elapsed} ms ` +
              `(total ${before} -> ${before + 1}, no reload)`);
  await page1.waitForFunction(() => document.getElementById("poll").dataset.voted !== undefined,
                              null, { timeout: 5000 });

  const seen = await waitForEvents(base, 2, 1);
  console.log(`stats: ${seen.impression} impressions, ${seen.click} clicks recorded`);

  const shot1 = path.join(artifactDir, "campaign_page_visitor1.png");
  const shot2 = path.join(artifactDir, "campaign_page_visitor2.png");
  await page1.screenshot({ path: shot1, fullPage: true });
  await page2.screenshot({ path: shot2, fullPage: true });
  console.log("screenshot: " + shot1);
  console.log("screenshot: " + shot2);

  if (pageErrors.length > 0) fail("errors in the pages: " + pageErrors.join("; "));
  await browser.close();
  browser = null;
  await stopServer();
  console.log("browser test passed");
}

try {
  await main();
} catch (error) {
  if (!(error instanceof TestFailure)) console.log("FAIL: " + (error.stack || error));
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) server.kill("SIGKILL");
}
