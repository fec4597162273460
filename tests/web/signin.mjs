// Sign-in in a real browser (tests/web/signin.sh): approved on device A with
// the number the page shows, denied, and approved with a wrong number; a
// per-device code instead; the headers and cookies; forms without the
// page's token, and from another site, refused; signing out.
import {
  check, deviceNames, device, EMAIL, launch, run, SERVER, shot, signinWithCode, startSignin, text,
  waitState,
} from "./lib.mjs";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

run(async () => {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  // Errors of the page's own (a script, the CSP); not the statuses of refusals asked for.
  page.on("console", (m) => m.type() === "error" && !/status of 4[0-9][0-9]/.test(m.text()) &&
    errors.push(m.text()));

  // The page and its headers.
  const first = await page.goto(`${SERVER}/signin`);
  const h = await first.allHeaders();
  check(h["content-security-policy"] === CSP, `the CSP header: ${h["content-security-policy"]}`);
  check(h["x-content-type-options"] === "nosniff", "nosniff");
  check(h["referrer-policy"] === "no-referrer", "no referrer");
  check(h["cache-control"] === "no-store", "never cached");
  check((await page.$$("input[name=email]")).length === 1, "one email field");
  check(/HttpOnly; SameSite=Strict/.test(h["set-cookie"]) && !/Secure/.test(h["set-cookie"]),
    `the browser's token cookie: ${h["set-cookie"]} (no Secure on loopback)`);
  await shot(page, "signin");

  // Approved on the device with the number shown: signed in, on the account page.
  let { number, request } = await startSignin(page);
  await shot(page, "waiting");
  const out = device("A", "approve", request, "--number", String(number));
  check(/Approved/.test(out), `approve says so: ${out}`);
  await waitState(page, "approved");
  await shot(page, "approved");
  await page.waitForURL(`${SERVER}/account`);
  check((await text(page, "[data-testid=email]")) === EMAIL, "the account page names the account");
  check(JSON.stringify(await deviceNames(page)) === '["A"]', "the account page lists device A");
  const versions = await page.$$("[data-testid=version]");
  check(versions.length === 1 && /Version 1/.test(await versions[0].textContent()) &&
    /from A/.test(await versions[0].textContent()), "the backup's version, from A");
  const events = await page.$$eval("[data-testid=event]", (els) => els.map((e) => e.dataset.kind));
  check(events.includes("signin_approved") && events.includes("device_added"),
    `the events: ${events}`);
  const portal = (await context.cookies()).find((c) => c.name === "authkeep_portal");
  check(portal && portal.httpOnly && portal.sameSite === "Strict" && !portal.secure &&
    portal.path === "/", `the session's cookie: ${JSON.stringify(portal)}`);
  await shot(page, "account");

  // The same approval does not open a second session.
  const again = await page.request.post(`${SERVER}/signin/complete`, {
    form: { csrf: await page.getAttribute("input[name=csrf]", "value"), request, ticket: "x".repeat(43) },
    maxRedirects: 0,
  });
  check(again.status() === 403, `a forged ticket: ${again.status()}`);

  // A form of the account page without its token, or with another, changes nothing.
  const id = await page.getAttribute("[data-testid=device]", "data-device");
  const csrf = await page.getAttribute("input[name=csrf]", "value");
  let r = await page.request.post(`${SERVER}/account/devices/remove`, { form: { device: id } });
  check(r.status() === 400 && /csrf: missing/.test(await r.text()), `no token: ${r.status()}`);
  r = await page.request.post(`${SERVER}/account/devices/remove`,
    { form: { device: id, csrf: "A".repeat(43), force: "1" } });
  check(r.status() === 403, `another token: ${r.status()}`);
  // From another site (a page of its own), even with the right token: the cookie is not sent.
  const other = await context.newPage();
  await other.setContent(`<form method="post" action="${SERVER}/account/devices/remove">
    <input name="csrf" value="${csrf}"><input name="device" value="${id}">
    <input name="force" value="1"><button>go</button></form>`);
  await other.click("button");
  await other.waitForLoadState();
  check(/not signed in/.test(await other.content()), "a cross-site form is not signed in");
  await other.close();
  await page.reload();
  check(JSON.stringify(await deviceNames(page)) === '["A"]', "A is still there");

  // Sign out: the account page is gone.
  await page.click("text=Sign out");
  await page.waitForSelector("text=You are signed out");
  await page.goto(`${SERVER}/account`);
  check(page.url() === `${SERVER}/signin`, "signed out, /account leads to /signin");

  // Denied on the device.
  ({ request } = await startSignin(page));
  device("A", "deny", request);
  await waitState(page, "denied");
  check(await page.isVisible("text=Start again"), "a way to start again");
  await shot(page, "denied");
  // A denied request opens nothing, even with its ticket.
  r = await page.request.post(`${SERVER}/signin/complete`, {
    form: { csrf: await page.getAttribute("input[name=csrf]", "value"), request,
      ticket: await page.getAttribute("input[name=ticket]", "value") }, maxRedirects: 0,
  });
  check(r.status() === 403 && /not approved/.test(await r.text()), `a denied request: ${r.status()}`);

  // A wrong number typed on the device denies.
  ({ number, request } = await startSignin(page));
  let wrong = false;
  try {
    device("A", "approve", request, "--number", String(number === 10 ? 11 : number - 1));
  } catch (e) {
    wrong = /the number did not match/.test(e.stderr);
  }
  check(wrong, "the device says the number did not match");
  await waitState(page, "denied");

  // Without the page's token, no request is made.
  r = await page.request.post(`${SERVER}/signin`, { form: { email: EMAIL, csrf: "B".repeat(43) } });
  check(r.status() === 403 && /does not come from this browser/.test(await r.text()),
    `a sign-in form with another token: ${r.status()}`);

  // A per-device code instead; a wrong one is refused.
  await page.goto(`${SERVER}/signin`);
  await page.fill("input[name=email]", EMAIL);
  await page.click("summary");
  await page.fill("input[name=code]", "000000");
  await page.click("[data-testid=use-code]");
  check(/the code is not right/.test(await text(page, "[data-testid=message]")), "a wrong code");
  await signinWithCode(page, "A");
  check(JSON.stringify(await deviceNames(page)) === '["A"]', "signed in with a code");

  check(errors.length === 0, `no error in the browser's console: ${errors}`);
  await browser.close();
  console.log("ok");
});
