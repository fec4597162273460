// A sign-in request that no device answers (tests/web/expire.sh, where
// requests last 3 seconds): the page says so by itself, and offers to start again.
import { check, launch, run, SERVER, shot, startSignin, text, waitState } from "./lib.mjs";

run(async () => {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const { request } = await startSignin(page);
  await waitState(page, "expired");
  check(/expired/.test(await text(page, "#words")), "the page says why");
  check(await page.isVisible("text=Start again"), "a way to start again");
  await shot(page, "expired-phone");
  // Too late for its ticket too.
  const r = await page.request.post(`${SERVER}/signin/complete`, {
    form: { csrf: await page.getAttribute("input[name=csrf]", "value"), request,
      ticket: await page.getAttribute("input[name=ticket]", "value") }, maxRedirects: 0,
  });
  check(r.status() === 403, `an expired request opens nothing: ${r.status()}`);
  await page.click("text=Start again");
  await page.waitForURL(`${SERVER}/signin`);
  await browser.close();
  console.log("ok");
});
