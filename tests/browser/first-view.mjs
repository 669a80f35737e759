// Times the console's first view in headless Chromium: from navigation to the models
// table drawn with the API's answer, in fresh browser contexts (nothing cached), and the
// bytes the page loaded. Prints one JSON line.
// Usage: node first-view.mjs <base-url> <chromium-path> [runs]
import { chromium } from "playwright-core";

const [base, executablePath, runs = "7"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const times = [];
let bytes = 0;
for (let i = 0; i < Number(runs); i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let loaded = 0;
  page.on("response", async (r) => {
    const len = Number(r.headers()["content-length"] ?? 0) || (await r.body().catch(() => Buffer.alloc(0))).length;
    loaded += len;
  });
  const t = Date.now();
  await page.goto(`${base}/`);
  await page.waitForSelector("#models tbody tr", { timeout: 20000 });
  times.push(Date.now() - t);
  bytes = loaded;
  await context.close();
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ runs: times.length, medianMs: times[Math.floor(times.length / 2)], minMs: times[0], maxMs: times[times.length - 1], bytes }));
await browser.close();
