// Shared by the browser tests (tests/web/*.mjs): a headless Chromium from
// Debian driven by playwright-core, the devices of the shell test (each in
// $T/NAME, run with the real authkeep program), and what a person sees.
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";

export const SERVER = process.env.SERVER;
export const EMAIL = process.env.EMAIL;

// Fails the test with what was expected.
export function check(ok, what) {
  if (!ok) {
    throw new Error(what);
  }
}

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    // Nothing leaves the machine: no updates, no sync, no background fetches.
    args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  console.log(`browser: Chromium ${browser.version()}`);
  return browser;
}

// Runs the authkeep program on device NAME; returns its standard output.
export function device(name, ...args) {
  return execFileSync(process.env.AUTHKEEP_BIN, args, {
    encoding: "utf8",
    env: { ...process.env, AUTHKEEP_HOME: `${process.env.T}/${name}`, AUTHKEEP_DEVICE_NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

// The code of the personal entry of device NAME, as `authkeep code` shows it.
export function personalCode(name) {
  const codes = JSON.parse(device(name, "code", "--json"));
  return codes.find((c) => c.kind === "personal").code;
}

export async function shot(page, name) {
  await page.screenshot({ path: `${process.env.SHOTS}/${name}.png`, fullPage: true });
}

const text = async (page, selector) => ((await page.textContent(selector)) ?? "").trim();
export { text };

// Opens /signin, enters the account and sends the request: the number and the request's id.
export async function startSignin(page, email = EMAIL) {
  await page.goto(`${SERVER}/signin`);
  await page.fill("input[name=email]", email);
  await page.click("[data-testid=send]");
  await page.waitForSelector("[data-testid=number]");
  const number = await text(page, "[data-testid=number]");
  check(/^[1-9][0-9]$/.test(number), `a two-digit number is shown, not '${number}'`);
  check((await text(page, "[data-testid=state]")) === "pending", "the state is pending at first");
  const request = await page.getAttribute("#complete", "data-request");
  return { number: Number(number), request };
}

// Waits until [data-testid=state] says `want` (the page follows the request by itself).
export async function waitState(page, want) {
  await page.waitForFunction((w) => document.querySelector("[data-testid=state]")?.textContent === w,
    want, { timeout: 30000, polling: 50 });
}

// Signs in with a per-device code of device NAME: the account page.
export async function signinWithCode(page, name) {
  await page.goto(`${SERVER}/signin`);
  await page.fill("input[name=email]", EMAIL);
  await page.click("summary");
  await page.fill("input[name=code]", personalCode(name));
  await page.click("[data-testid=use-code]");
  await page.waitForURL(`${SERVER}/account`);
}

// The names of the devices the account page lists.
export async function deviceNames(page) {
  return page.$$eval("[data-testid=device] .name", (els) => els.map((e) => e.textContent));
}

export function run(test) {
  test().then(() => process.exit(0), (e) => {
    console.error(`FAIL: ${e.message}`);
    process.exit(1);
  });
}
