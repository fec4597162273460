// The account page (tests/web/portal.sh): signed in with device A's code, it
// lists both devices, the backup's versions, the alternate contact and the
// reported denial; on a phone-sized screen too. Then the contact and device
// B are removed, and the backup deleted after its confirmation page.
import { check, deviceNames, launch, run, SERVER, shot, signinWithCode, text } from "./lib.mjs";

run(async () => {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signinWithCode(page, "A");

  check(JSON.stringify(await deviceNames(page)) === '["A","B"]', "devices A and B");
  const versions = await page.$$eval("[data-testid=version]", (els) => els.map((e) => e.textContent));
  check(versions.length === 2 && /Version 2/.test(versions[0]) && /from B/.test(versions[0]) &&
    /Version 1/.test(versions[1]) && /from A/.test(versions[1]), `the versions: ${versions}`);
  check((await text(page, "[data-testid=contact] strong")) === "alt@mail.test", "the contact");
  const reported = await page.$$eval("[data-testid=event].reported", (els) => els.map((e) => e.textContent));
  check(reported.length === 1 && /Reported/.test(reported[0]) && /test app/.test(reported[0]),
    `the reported denial stands out: ${reported}`);
  // Readable at 390 px: nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, `the page is ${width} px wide on a 390 px screen`);
  await shot(page, "account-phone");

  // The alternate contact, removed.
  await page.click("[data-testid=contact] button");
  await page.waitForSelector("[data-testid=done]");
  check((await page.$$("[data-testid=contact]")).length === 0, "the contact is gone");

  // Device B, removed.
  await page.click("[data-testid=device]:has-text('B') [data-testid=remove]");
  await page.waitForSelector("[data-testid=done]");
  check(/device was removed/.test(await text(page, "[data-testid=done]")), "the page says so");
  check(JSON.stringify(await deviceNames(page)) === '["A"]', "only A is left");

  // The backup, deleted after the confirmation page.
  await page.click("[data-testid=delete-backup]");
  await page.waitForURL(`${SERVER}/account/backup/delete`);
  check(/2 kept now/.test(await page.textContent("main")), "the confirmation says what goes");
  await shot(page, "backup-delete-phone");
  await page.click("[data-testid=confirm]");
  await page.waitForURL(`${SERVER}/account?done=backup_deleted`);
  check(/by the account page/.test(await text(page, "[data-testid=backup-state]")),
    "the backup shows as deleted");
  check((await page.$$("[data-testid=version]")).length === 0, "no version left");
  await shot(page, "account-after-phone");
  await browser.close();
  console.log("ok");
});
