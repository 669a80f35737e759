// Opens the lineage view's old address (which redirects into the web console) in headless Chromium with every request off this host
// refused, waits until the graph of <node> is drawn, clicks <click> (a node of it) and
// waits for the view to re-centre there, then prints what it saw as one JSON line.
// Usage: node lineage.mjs <base-url> <chromium-path> <node-id> <click-id> <screenshot.png>
import { chromium } from "playwright-core";

const [base, executablePath, node, click, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});
const blocked = [];
const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
await page.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
  blocked.push(url.href);
  return route.abort();
});
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
await page.goto(`${base}/lineage?node=${encodeURIComponent(node)}&depth=3`, { waitUntil: "load" });
const landed = page.url();
const drawn = (start) => page.waitForFunction(
  (s) => window.__lineage && window.__lineage.drawn && window.__lineage.start === s,
  start,
  { timeout: 20000 },
);
await drawn(node);
const first = await page.evaluate(() => ({
  nodes: window.__cy.nodes().map((n) => n.id()).sort(),
  edges: window.__cy.edges().length,
  labels: window.__cy.nodes().map((n) => n.data("label")),
  status: document.querySelector("h1")?.textContent,
}));
await page.screenshot({ path: screenshot });
// Click the other node where it is drawn on the canvas.
const pos = await page.evaluate((id) => {
  const n = window.__cy.getElementById(id);
  const p = n.renderedPosition();
  const box = document.getElementById("graph").getBoundingClientRect();
  return { x: box.left + p.x, y: box.top + p.y };
}, click);
await page.mouse.click(pos.x, pos.y);
await drawn(click);
const after = await page.evaluate(() => ({ start: window.__lineage.start, url: location.hash, nodes: window.__cy.nodes().length }));
console.log(JSON.stringify({ blocked, errors, landed, first, after }));
await browser.close();
