// End-to-end test of the dashboard in real headless Chromium (the system's /usr/bin/chromium).
// Env: BASE_URL (the running service), ADMIN_KEY (an admin API key), CHROMIUM (optional browser path),
// E2E_OUT (optional output folder; default <repo>/target/e2e). Exit code 0 when every check passed.
// Relies only on the rituals it starts: the database may hold anything else.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE_URL = (process.env.BASE_URL || 'http://localhost:8080').replace(/\/$/, '');
const ADMIN_KEY = process.env.ADMIN_KEY;
const OUT = process.env.E2E_OUT || resolve(dirname(fileURLToPath(import.meta.url)), '..', 'target', 'e2e');
const TOTAL_BUDGET_MS = 170_000;

const started = Date.now();
let passed = 0;
let failed = 0;

// Bounded whatever happens inside the browser.
const watchdog = setTimeout(() => {
  console.error(`\n✗ the whole test exceeded ${TOTAL_BUDGET_MS / 1000} s`);
  console.log(`dashboard e2e: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, TOTAL_BUDGET_MS);

async function check(name, fn) {
  const t0 = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  const detail = await fn();
  passed++;
  console.log(`  ✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${detail ? ` — ${detail}` : ''}`);
}

async function api(method, path, body) {
  const res = await fetch(BASE_URL + path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function startRitual(body) {
  const res = await api('POST', '/api/rituals', body);
  if (res.status !== 202) throw new Error(`POST /api/rituals answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.ritual_id;
}

const completedBeads = (page) => page.locator('#ring .bead[data-status="COMPLETED"]').count();

// page.waitForFunction with a message that says what did not happen and what the page showed instead.
async function until(page, what, fn, arg, timeout = 30_000) {
  try {
    await page.waitForFunction(fn, arg, { timeout });
  } catch (e) {
    const seen = await page.evaluate(() => ({
      conn: document.querySelector('#conn').className,
      session: document.querySelector('#session-id').textContent,
      ritual: document.querySelector('#rv-id').textContent,
      beads: document.querySelectorAll('#ring .bead').length,
      completed: document.querySelectorAll('#ring .bead[data-status="COMPLETED"]').length,
    })).catch(() => ({}));
    throw new Error(`${what}: not within ${timeout / 1000} s (${e.message.split('\n')[0]}); page showed ${JSON.stringify(seen)}`);
  }
}

async function main() {
  if (!ADMIN_KEY) throw new Error('ADMIN_KEY is not set');
  mkdirSync(OUT, { recursive: true });
  console.log(`dashboard e2e against ${BASE_URL}, output in ${OUT}`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [browser console] ${m.text()}`); });

  try {
    let initialHarmony;
    await check('page loads, connects its WebSocket and shows the UCF and the agents', async () => {
      const res = await page.goto(`${BASE_URL}/`);
      if (!res || res.status() !== 200) throw new Error(`GET / answered ${res && res.status()}`);
      await page.waitForSelector('#conn.connected');
      await until(page, 'a session id shown', () => /^[0-9a-f-]{36}$/.test(document.querySelector('#session-id').textContent));
      await page.waitForSelector('#g-harmony[data-value]');
      await page.waitForSelector('#agents tr');
      initialHarmony = Number(await page.getAttribute('#g-harmony', 'data-value'));
      const agents = await page.locator('#agents tr').count();
      return `harmony ${initialHarmony}, ${agents} agents, phase ${await page.textContent('#phase')}`;
    });

    await check('the admin key is accepted and kept out of the DOM, the URL and storage', async () => {
      await page.fill('#api-key', ADMIN_KEY);
      await page.press('#api-key', 'Enter');
      await until(page, 'the key recognised as admin', () => document.querySelector('#key-state').textContent.includes('admin'));
      await page.waitForSelector('#ops:not([hidden])');
      const leaks = await page.evaluate((key) => ({
        dom: document.documentElement.outerHTML.includes(key),
        field: document.querySelector('#api-key').value.length,
        url: location.href.includes(key),
        storage: localStorage.length + sessionStorage.length,
        cookies: document.cookie.length,
      }), ADMIN_KEY);
      if (leaks.dom || leaks.field || leaks.url || leaks.storage || leaks.cookies) {
        throw new Error(`the key leaked: ${JSON.stringify(leaks)}`);
      }
    });

    let first;
    await check('a 108-step ritual started through the API completes on the ring', async () => {
      first = await startRitual({});
      const row = page.locator(`#rituals li[data-ritual-id="${first}"]`);
      await row.waitFor();
      await row.locator('button.pick').click();
      await until(page, 'the clicked ritual shown', (id) => document.querySelector('#rv-id').textContent === id, first, 5_000);
      await until(page, 'a ring of 108 beads', () => document.querySelectorAll('#ring .bead').length === 108);
      await until(page, '108 completed beads',
        () => document.querySelectorAll('#ring .bead[data-status="COMPLETED"]').length === 108, null, 60_000);
      await page.waitForSelector(`#rituals li[data-ritual-id="${first}"][data-status="COMPLETED"]`);
      await until(page, 'the ritual view says COMPLETED', () => document.querySelector('#rv-status').textContent === 'COMPLETED');
      return `ritual ${first}, ${await completedBeads(page)} completed beads`;
    });

    await check('the harmony gauge moved to the ritual\'s ucf_after', async () => {
      const ritual = await api('GET', `/api/rituals/${first}`);
      const after = ritual.body.ucf_after.harmony;
      // Harmony only rises; once it is numerically saturated at 2 no ritual can move it any more.
      if (after === initialHarmony && initialHarmony >= 2) return `harmony saturated at ${after}: change not observable`;
      await until(page, `the harmony gauge moved from ${initialHarmony} to ${after}`, ([before, expected]) => {
        const v = Number(document.querySelector('#g-harmony').dataset.value);
        return v !== before && v >= expected - 1e-9;
      }, [initialHarmony, after], 15_000);
      const shown = await page.textContent('#g-harmony .value');
      return `harmony ${initialHarmony} → ${after} (gauge shows ${shown})`;
    });

    await check('an ended session closes the WebSocket (4401); the page reconnects and catches up', async () => {
      const oldSession = (await page.textContent('#session-id')).trim();
      await page.evaluate(() => {
        window.__conn = [];
        const c = document.querySelector('#conn');
        new MutationObserver(() => window.__conn.push({ state: c.className, detail: c.title }))
          .observe(c, { attributes: true, childList: true });
      });
      const res = await api('DELETE', `/admin/sessions/${oldSession}`);
      if (res.status !== 204) throw new Error(`DELETE /admin/sessions answered ${res.status}: ${JSON.stringify(res.body)}`);
      await until(page, '"reconnecting" shown after a 4401 close',
        () => window.__conn.some((c) => c.state === 'reconnecting' && c.detail.includes('4401')), null, 10_000);
      await until(page, '"connected" again with a new session', (old) => {
        const id = document.querySelector('#session-id').textContent;
        return document.querySelector('#conn').className === 'connected' && id !== old && /^[0-9a-f-]{36}$/.test(id);
      }, oldSession);
      const transitions = await page.evaluate(() => window.__conn.map((c) => c.state)
        .filter((c, i, a) => c !== a[i - 1]).join(' → '));
      const second = await startRitual({ steps: 5 });
      const row = page.locator(`#rituals li[data-ritual-id="${second}"]`);
      await row.waitFor({ timeout: 15_000 });
      await page.waitForSelector(`#rituals li[data-ritual-id="${second}"][data-status="COMPLETED"]`, { timeout: 30_000 });
      await row.locator('button.pick').click();
      await until(page, 'the clicked ritual shown', (id) => document.querySelector('#rv-id').textContent === id, second, 5_000);
      await until(page, 'a ring of 5 completed beads', () => document.querySelectorAll('#ring .bead').length === 5
        && document.querySelectorAll('#ring .bead[data-status="COMPLETED"]').length === 5);
      return `${transitions}; new session ${await page.textContent('#session-id')}; 5-step ritual ${second} completed`;
    });

    await check('no uncaught error in the page', async () => {
      if (pageErrors.length) throw new Error(pageErrors.join('\n'));
    });

    await page.screenshot({ path: `${OUT}/dashboard.png`, fullPage: true });
    console.log(`  screenshot: ${OUT}/dashboard.png`);
  } catch (e) {
    failed++;
    console.error(`  ✗ ${e.message.split('\n').slice(0, 12).join('\n    ')}`);
    await page.screenshot({ path: `${OUT}/dashboard-failure.png`, fullPage: true }).catch(() => {});
    console.error(`  page state saved to ${OUT}/dashboard-failure.png`);
  } finally {
    await browser.close().catch(() => {});
  }
}

main()
  .catch((e) => { failed++; console.error(`✗ ${e.stack || e}`); })
  .finally(() => {
    clearTimeout(watchdog);
    console.log(`\ndashboard e2e: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    process.exit(failed === 0 && passed > 0 ? 0 : 1);
  });
