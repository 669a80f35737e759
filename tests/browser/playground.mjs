// Opens mlgraph's GraphiQL in headless Chromium with every request off this host
// refused, runs the default query and prints what it saw as one JSON line.
// Usage: node playground.mjs <base-url> <chromium-path> <screenshot.png>
import { chromium } from "playwright-core";

const [base, executablePath, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // No route to the internet: names other than this host resolve to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});
const blocked = [];
const page = await browser.newPage();
await page.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
  blocked.push(url.href);
  return route.abort();
});
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
await page.goto(base + "/graphiql", { waitUntil: "load" });
await page.waitForSelector(".graphiql-container", { timeout: 20000 });
await page.click(".graphiql-execute-button");
// The result pane shows the response once it arrives.
await page.waitForFunction(
  () => (document.querySelector(".graphiql-response")?.innerText ?? "").includes("totalCount"),
  null,
  { timeout: 20000 },
);
const response = await page.$eval(".graphiql-response", (e) => e.innerText);
await page.screenshot({ path: screenshot });
console.log(JSON.stringify({ blocked, errors, response }));
await browser.close();
