// Drives mlgraph's web console in headless Chromium with every request off this host
// refused, and prints what each view showed as one JSON line (the Rust test compares it
// with the API's own answers). An axe-core check runs on every view.
// Usage: node console.mjs <config.json>
//   config: { base, chromium, shots, mode: "demo" | "auth", ... } (see tests/it/console.rs)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});
const blocked = [];
const errors = [];
const requests = [];
const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
await context.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
  blocked.push(url.href);
  return route.abort();
});
const page = await context.newPage();
page.on("pageerror", (e) => errors.push(String(e)));
page.on("request", (r) => {
  if (r.url().endsWith("/graphql") && r.method() === "POST") requests.push(r.url());
});
const T = { timeout: 20000 };
const report = { blocked, errors, axe: {}, views: {} };

/** Serious or critical accessibility violations of the page as it is. */
async function axe(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  report.axe[name] = r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function shot(name) {
  if (cfg.shots) await page.screenshot({ path: `${cfg.shots}/console-${name}.png`, fullPage: false });
}

async function gql(query, variables, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(`${cfg.base}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: resp.status, body: await resp.json() };
}

const rows = (sel) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => tr.dataset.id));

async function signIn(email, password) {
  await page.getByRole("button", { name: "Sign in", exact: true }).first().click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.locator(".signin form").first().getByRole("button", { name: "Sign in" }).click();
  await page.waitForFunction((e) => document.getElementById("who")?.textContent === e, email, T);
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForSelector("button:has-text('Sign in')", T);
}

let step = "start";
const at = (name) => { step = name; };
try {
if (cfg.mode === "demo") {
  at("models");
  // The first view: models, interactive.
  const t0 = Date.now();
  await page.goto(`${cfg.base}/`, { waitUntil: "load" });
  await page.waitForSelector("#models tbody tr", T);
  report.firstViewMs = Date.now() - t0;
  report.firstViewRequests = requests.length;
  report.views.models = await page.$$eval("#models tbody tr", (trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, name: tr.querySelector("td a").textContent, badges: [...tr.querySelectorAll(".badges .badge")].map((b) => b.textContent) })));
  await axe("models");
  await shot("models");

  at("filter");
  // Filtering is one more request, and shows the filtered answer.
  await page.getByLabel("Name contains").fill(cfg.filter);
  await page.waitForFunction((f) => [...document.querySelectorAll("#models tbody tr td a")].every((a) => a.textContent.includes(f)), cfg.filter, T);
  report.views.filtered = await page.$$eval("#models tbody tr", (trs) => trs.map((tr) => tr.dataset.id));

  at("model");
  // A model's page, by clicking its row's link.
  await page.getByLabel("Name contains").fill("");
  await page.waitForFunction((n) => document.querySelectorAll("#models tbody tr").length === n, report.views.models.length, T);
  await page.getByRole("link", { name: cfg.model.name, exact: true }).click();
  await page.waitForSelector("#versions tbody tr", T);
  report.views.model = {
    versions: await page.$$eval("#versions tbody tr", (trs) => trs.map((tr) => ({
      id: tr.dataset.id,
      stage: tr.children[1].textContent,
      aliases: [...tr.children[2].querySelectorAll(".badge")].map((b) => b.textContent),
    }))),
    deployments: await rows("#deployments").catch(() => []),
    chart: await page.$$eval("figure.chart canvas", (c) => c.length),
    history: await page.$$eval("#history li", (l) => l.length),
    approvals: await page.$$eval("#model-approvals > li", (l) => l.map((li) => li.dataset.id)),
    checks: await page.$$eval("#model-approvals .checks > li", (l) => l.length),
  };
  // Its lineage, drawn on the page.
  await page.waitForFunction((id) => window.__lineage?.drawn && window.__lineage.start === id, cfg.model.id, T);
  report.views.model.graph = await page.evaluate(() => [...window.__lineage.nodes].sort());
  await axe("model");
  await shot("model");

  at("as-of");
  // The same page as it was before the test's change: the banner, and the older answer.
  await page.goto(`${cfg.base}/#/models/${cfg.model.id}?asOf=${encodeURIComponent(cfg.asOf)}`);
  await page.waitForSelector("#asof", T);
  await page.waitForFunction((n) => document.querySelectorAll("#versions tbody tr").length === n, cfg.asOfVersions, T);
  report.views.asOf = {
    banner: await page.textContent("#asof"),
    versions: await page.$$eval("#versions tbody tr", (trs) => trs.map((tr) => tr.dataset.id)),
    input: await page.inputValue("input[type=datetime-local]"),
  };
  await axe("as-of");
  at("back-to-now");
  // Back to now.
  await page.getByRole("link", { name: "Back to now" }).click();
  await page.waitForFunction(() => !document.getElementById("asof"), null, T);
  await page.waitForFunction((n) => document.querySelectorAll("#versions tbody tr").length === n, cfg.nowVersions, T);

  at("search");
  // Search from the header.
  await page.getByLabel("Search the registry").fill(cfg.search);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForSelector("#results li", T);
  report.views.search = await page.$$eval("#results li", (l) => l.map((li) => li.dataset.id));
  report.views.searchMode = await page.textContent("#search-mode");
  await axe("search");

  at("lineage");
  // Lineage of the model.
  await page.goto(`${cfg.base}/#/lineage/${cfg.model.id}?depth=2`);
  await page.waitForSelector("h1:has-text('Lineage of')", T);
  report.views.lineage = (await page.$$eval(".lineage li", (l) => l.map((li) => li.dataset.id))).sort();
  await axe("lineage");

  at("jobs");
  // Training jobs, live: the worker's report shows without a reload.
  await page.goto(`${cfg.base}/#/jobs`);
  await page.waitForSelector(`#jobs tr[data-id="${cfg.job.id}"]`, T);
  await page.waitForSelector(".live.on", T);
  await axe("jobs");
  const before = await page.textContent(`#jobs tr[data-id="${cfg.job.id}"] .pct`);
  const navigations = [];
  page.on("framenavigated", (f) => navigations.push(f.url()));
  const sent = Date.now();
  const ack = await gql(
    "mutation($i: ReportTrainingProgressInput!) { reportTrainingProgress(input: $i) { progress } }",
    { i: { id: cfg.job.id, progress: 42, currentStep: "epoch 3" } },
  );
  const acked = Date.now();
  await page.waitForFunction((id) => document.querySelector(`#jobs tr[data-id="${id}"] .pct`)?.textContent === "42%", cfg.job.id, T);
  const shown = Date.now();
  report.views.jobs = {
    before,
    ack: ack.body,
    step: await page.textContent(`#jobs tr[data-id="${cfg.job.id}"] td:nth-child(5)`),
    ackMs: acked - sent,
    updateAfterAckMs: shown - acked,
    reloads: navigations.length,
  };
  await shot("jobs");

  at("approvals");
  // The approvals inbox lists the demo's requests.
  await page.goto(`${cfg.base}/#/approvals`);
  await page.waitForSelector("#approvals > li", T);
  report.views.approvals = (await page.$$eval("#approvals > li", (l) => l.map((li) => li.dataset.id))).sort();
  await axe("approvals");

  at("pages");
  // Other views: the rows each shows (their data-id), for the API's answer to compare.
  report.pages = {};
  for (const p of cfg.pages) {
    at(`page ${p.name}`);
    await page.goto(`${cfg.base}/#${p.path}`);
    await page.waitForSelector(p.wait ?? `${p.rows}`, T);
    report.pages[p.name] = {
      rows: await page.$$eval(p.rows, (l) => l.map((e) => e.dataset.id)),
      text: p.text ? await page.textContent(p.text) : null,
    };
    await axe(p.name);
    if (p.shot) await shot(p.name);
  }

  at("eda");
  // The uploaded dataset's EDA report as charts, and its schema deduction accepted.
  await page.goto(`${cfg.base}/#/datasets/${cfg.eda.dataset}`);
  await page.waitForSelector(".eda figure.chart canvas", T);
  report.views.eda = {
    charts: await page.$$eval(".eda figure.chart figcaption", (l) => l.map((f) => f.textContent)),
    correlations: await page.$$eval(".eda table.corr tbody tr", (l) => l.length),
    schema: await page.$$eval(".deduction table.schema tbody tr td:first-child", (l) => l.map((td) => td.textContent)),
  };
  await page.getByRole("button", { name: "Accept schema" }).first().click();
  await page.waitForFunction(() => [...document.querySelectorAll(".deduction .badge")].some((b) => b.textContent === "ACCEPTED"), null, T);
  report.views.eda.deduction = await page.textContent(".deduction .badge");
  await axe("eda");
  await shot("dataset-eda");

  at("curves");
  // An MLflow sweep's metric curves over steps, a line per run.
  await page.goto(`${cfg.base}/#/experiments/${cfg.curves.experiment}`);
  await page.waitForSelector("#curves figure.chart canvas", T);
  report.views.curves = {
    charts: await page.$$eval("#curves figure.chart figcaption", (l) => l.map((f) => f.textContent)),
    legends: await page.$$eval("#curves figure.chart", (l) => l.map((f) => [...f.querySelectorAll(".u-legend .u-series .u-label")].map((s) => s.textContent))),
  };
  await axe("curves");
  await shot("experiment-curves");

  at("phone");
  // A phone's width: no view scrolls sideways (wide tables scroll in their own box).
  await page.setViewportSize({ width: 390, height: 844 });
  report.phoneOverflow = {};
  for (const [path, ready] of [
    ["/models", "#models tbody tr"],
    [`/models/${cfg.model.id}`, "#versions tbody tr"],
    ["/jobs", "#jobs tbody tr"],
    ["/approvals", "#approvals > li"],
    [`/lineage/${cfg.model.id}?depth=2`, "#graph"],
    ...cfg.pages.map((p) => [p.path, p.wait ?? p.rows]),
  ]) {
    at(`phone ${path}`);
    await page.goto(`${cfg.base}/#${path}`);
    await page.waitForSelector(ready, T);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (over > 0) report.phoneOverflow[path] = over;
  }
  await page.goto(`${cfg.base}/#/models`);
  await page.waitForSelector("#models tbody tr", T);
  await shot("phone");

  at("error");
  // An API error shows its message and code.
  await page.goto(`${cfg.base}/#/models/not-an-id`);
  await page.waitForSelector("[role=alert]", T);
  report.views.error = await page.textContent("[role=alert] .code");
} else {
  at("signed-out");
  // Authentication on: signed out, the console asks to sign in and shows nothing.
  await page.goto(`${cfg.base}/#/approvals`, { waitUntil: "load" });
  await page.waitForSelector("#signin-hint", T);
  report.signedOut = await page.$$eval("#approvals > li", (l) => l.length);
  await axe("signed-out");

  at("own-review");
  // The requester cannot approve her own request: the API's refusal, with its code.
  await signIn(cfg.requester.email, cfg.password);
  await page.waitForSelector(`#approvals > li[data-id="${cfg.approval}"]`, T);
  report.storedKeys = await page.evaluate(() => Object.keys(localStorage));
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForSelector("[role=alert] .code", T);
  report.ownReview = await page.textContent("[role=alert] .code");
  await signOut();

  at("review");
  // The reviewer approves it.
  await signIn(cfg.reviewer.email, cfg.password);
  await page.waitForSelector(`#approvals > li[data-id="${cfg.approval}"]`, T);
  await page.getByLabel("Comment").fill("looks good");
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForSelector(`#approvals > li[data-id="${cfg.approval}"][data-status="APPROVED"]`, T);
  report.reviewed = await page.textContent(`#approvals > li[data-id="${cfg.approval}"]`);
  await axe("approvals-signed-in");
  const token = await page.evaluate(() => sessionStorage.getItem("mlgraph.token"));
  report.tokenWorked = (await gql("{ me { user { email } } }", {}, token)).body;
  await signOut();
  report.afterSignOut = {
    stored: await page.evaluate(() => sessionStorage.getItem("mlgraph.token")),
    api: await gql("{ me { user { email } } }", {}, token),
  };
}
} catch (e) {
  // Where it stopped, what the page said, and a screenshot to look at.
  const text = await page.evaluate(() => document.body.innerText).catch(() => "");
  await page.screenshot({ path: `${cfg.shots}/failure.png` }).catch(() => {});
  console.error(`failed at ${step} (${page.url()}): ${e}\n--- page ---\n${text.slice(0, 3000)}`);
  await browser.close();
  process.exit(1);
}
console.log(JSON.stringify(report));
await browser.close();
