// End-to-end test of the dashboard in real headless Chromium (the system's /usr/bin/chromium).
// Env: BASE_URL (the running service), ADMIN_KEY (an admin API key), CHROMIUM (optional browser path),
// E2E_OUT (optional output folder; default <repo>/target/e2e). Exit code 0 when every check passed.
// Relies only on the agents and rituals it creates (named after this run): the database may hold anything else.
// Seeds operator scale first — 1,000 agents and 500 rituals through the API — then checks the page against it.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE_URL = (process.env.BASE_URL || 'http://localhost:8080').replace(/\/$/, '');
const ADMIN_KEY = process.env.ADMIN_KEY;
const OUT = process.env.E2E_OUT || resolve(dirname(fileURLToPath(import.meta.url)), '..', 'target', 'e2e');
const TOTAL_BUDGET_MS = 170_000;
const VIEWPORT = { width: 1440, height: 900 };
const RUN = `e2e${Date.now().toString(36)}`;
const SEED_AGENTS = 1000;
const SEED_RITUALS = 500;
const SEED_CANCELLED = 100;

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

async function api(method, path, body, key = ADMIN_KEY) {
  const res = await fetch(BASE_URL + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: Number(res.headers.get('Retry-After') || 1) };
}

// A seeding call: 503 (a bulkhead is full) is retried after its Retry-After; anything but `expect` fails the test.
async function seed(method, path, body, key, expect) {
  for (let attempt = 1; ; attempt++) {
    const res = await api(method, path, body, key);
    if (res.status === expect) return res.body;
    if (res.status !== 503 || attempt === 5) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 1000 * res.retryAfter));
  }
}

// fn(0..n-1) with at most `concurrency` calls in flight.
async function inParallel(n, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

const agentName = (i) => `${RUN}-a${String(i).padStart(4, '0')}`;

// Operator scale through the API, with keys of their own: agent keys are not rate-limited, and a rituals key
// has its own 1,000 requests a minute, apart from the admin key the page uses.
async function seedScale() {
  const t0 = Date.now();
  const key = async (role) => (await seed('POST', '/admin/api-keys', { name: `${RUN}-${role}`, roles: [role] }, ADMIN_KEY, 201)).key;
  const agentKey = await key('agent');
  const ritualKey = await key('rituals');
  await inParallel(SEED_AGENTS, 16, (i) => seed('POST', '/api/agents',
    { name: agentName(i + 1), symbol: '·', role: 'seeded', layer: 'e2e' }, agentKey, 201));
  // participants that never lease: the rituals wait (and can be reassigned from one to the other)
  const rituals = new Array(SEED_RITUALS);
  await inParallel(SEED_RITUALS, 16, async (i) => {
    rituals[i] = (await seed('POST', '/api/rituals', { steps: 3, participants: [agentName(1), agentName(2)] }, ritualKey, 202)).ritual_id;
  });
  const cancelled = rituals.slice(0, SEED_CANCELLED);
  await inParallel(cancelled.length, 16, (i) => seed('POST', `/api/rituals/${cancelled[i]}/cancel`, null, ritualKey, 200));
  return { rituals, cancelled: new Set(cancelled), seconds: (Date.now() - t0) / 1000 };
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
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [browser console] ${m.text()}`); });

  try {
    let seeded;
    await check(`seeding ${SEED_AGENTS} agents and ${SEED_RITUALS} rituals (${SEED_CANCELLED} cancelled) through the API`, async () => {
      seeded = await seedScale();
      return `${seeded.seconds.toFixed(1)} s, run ${RUN}`;
    });

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

    await check('agents: counts by status at a glance, one bounded page of the list, a filter by name', async () => {
      const counts = await page.$$eval('#agent-counts .chip b', (bs) => bs.map((b) => Number(b.textContent)));
      const total = counts.reduce((a, b) => a + b, 0);
      if (total < SEED_AGENTS) throw new Error(`the status counts add up to ${total}, fewer than the ${SEED_AGENTS} seeded`);
      const rows = await page.locator('#agents tr[data-agent]').count();
      if (rows > 100) throw new Error(`${rows} agent rows on one page`);
      const prefix = `${RUN}-a099`;
      await page.fill('#agent-name', prefix);
      await until(page, `the ten agents named ${prefix}…`, (p) => {
        const names = [...document.querySelectorAll('#agents tr[data-agent]')].map((r) => r.dataset.agent);
        return names.length === 10 && names.every((n) => n.startsWith(p));
      }, prefix, 10_000);
      const range = await page.textContent('#agents-range');
      await page.fill('#agent-name', '');
      await until(page, 'the whole first page again', () => document.querySelectorAll('#agents tr[data-agent]').length > 10, null, 10_000);
      return `counts ${counts.join(' / ')} (total ${total}), ${rows} rows shown, "${prefix}" → ${range}`;
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

    let found;
    await check('a ritual found among hundreds by the first 8 digits of its id', async () => {
      found = seeded.rituals[SEED_CANCELLED + 50]; // waiting, and far below the first page
      const prefix = found.slice(0, 8);
      await page.fill('#rf-id', prefix);
      await until(page, `the list showing only ids that start with ${prefix}, ${found} among them`, ([p, id]) => {
        const ids = [...document.querySelectorAll('#rituals li')].map((li) => li.dataset.ritualId);
        return ids.includes(id) && ids.every((x) => x.startsWith(p));
      }, [prefix, found], 10_000);
      await page.locator(`#rituals li[data-ritual-id="${found}"] button.pick`).click();
      await until(page, 'the found ritual shown', (id) => document.querySelector('#rv-id').textContent === id, found, 5_000);
      await until(page, 'its participants shown', () => document.querySelector('#rv-participants').textContent.includes(','), null, 5_000);
      return `${prefix} → ${await page.locator('#rituals li').count()} row(s), ${found} opened`;
    });

    await check('a status filter lists only those rituals, and pages back through history', async () => {
      await page.fill('#rf-id', '');
      await page.selectOption('#rf-status', 'CANCELLED');
      const firstPage = async () => page.$$eval('#rituals li', (lis) => lis.map((li) => [li.dataset.ritualId, li.dataset.status]));
      await until(page, 'a page of CANCELLED rituals, this run\'s among them', (ours) => {
        const lis = [...document.querySelectorAll('#rituals li')];
        return lis.length > 0 && lis.every((li) => li.dataset.status === 'CANCELLED')
          && lis.some((li) => ours.includes(li.dataset.ritualId));
      }, [...seeded.cancelled], 10_000);
      const one = await firstPage();
      await page.click('#rituals-older');
      await until(page, 'the next page: other CANCELLED rituals', (before) => {
        const lis = [...document.querySelectorAll('#rituals li')];
        return lis.length > 0 && lis.every((li) => li.dataset.status === 'CANCELLED' && !before.includes(li.dataset.ritualId));
      }, one.map(([id]) => id), 10_000);
      const two = await firstPage();
      await page.click('#rituals-newer');
      await until(page, 'the first page again', (id) => document.querySelector('#rituals li')?.dataset.ritualId === id, one[0][0], 10_000);
      return `page 1: ${one.length} CANCELLED, page 2: ${two.length} more`;
    });

    await check('an agent and a time range narrow the list too', async () => {
      const all = [...seeded.rituals];
      await page.selectOption('#rf-status', 'PENDING');
      await page.fill('#rf-agent', agentName(1));
      await until(page, `only this run's PENDING rituals of ${agentName(1)}`, (ours) => {
        const lis = [...document.querySelectorAll('#rituals li')];
        return lis.length > 0 && lis.every((li) => li.dataset.status === 'PENDING' && ours.includes(li.dataset.ritualId));
      }, all, 10_000);
      const shown = await page.locator('#rituals li').count();
      // datetime-local takes the browser's local time: an hour from now, as the input writes it
      const later = new Date(Date.now() + 3600e3 - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
      await page.fill('#rf-since', later);
      await until(page, 'nothing created after an hour from now', () => !document.querySelector('#rituals li')
        && !document.querySelector('#rituals-empty').hidden, null, 10_000);
      await page.click('#rf-clear');
      await until(page, 'the unfiltered list back', () => document.querySelectorAll('#rituals li').length >= 50, null, 10_000);
      return `${shown} PENDING rituals of ${agentName(1)} on the first page; none from ${later}`;
    });

    await check('Reassign on the chosen ritual\'s step; the audit log shows who did it, when, with what result', async () => {
      const to = agentName(2);
      await page.waitForSelector('#rv-ops:not([hidden])');
      await until(page, 'the ritual\'s current step known', () => document.querySelector('#rv-step').textContent === '1', null, 5_000);
      await page.fill('#rv-agent', to);
      await page.click('#rv-ops button[data-op="reassign"]');
      await until(page, 'the reassign done', () => /Reassign step .*: done/.test(document.querySelector('#rv-ops-msg').textContent), null, 10_000);
      const entry = `#audit tr[data-action="step.reassign"][data-target="ritual:${found}/step:1"]`;
      await page.waitForSelector(entry, { timeout: 10_000 });
      const [who, outcome] = await page.$$eval(`${entry} td`, (tds) => [tds[1].textContent, tds[4].textContent]);
      if (outcome !== 'ok') throw new Error(`the audit entry says ${outcome}`);
      const audited = await api('GET', `/admin/audit?action=step.reassign&target=${encodeURIComponent(`ritual:${found}/step:1`)}`);
      if (audited.body.entries.length !== 1 || audited.body.entries[0].after.reserved_for == null) {
        throw new Error(`GET /admin/audit: ${JSON.stringify(audited.body)}`);
      }
      return `step 1 of ${found.slice(0, 8)} reserved for ${to}; audit: ${who}, step.reassign, ${outcome}`;
    });

    await check('with 1,000 agents and hundreds of rituals the page stays within two screens', async () => {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      const counts = await page.evaluate(() => ({
        agents: document.querySelectorAll('#agents tr[data-agent]').length,
        rituals: document.querySelectorAll('#rituals li').length,
        stuck: document.querySelectorAll('#stuck tr').length,
        audit: document.querySelectorAll('#audit tr').length,
      }));
      if (height > 2 * VIEWPORT.height) throw new Error(`the page is ${height} px tall (${JSON.stringify(counts)})`);
      return `${height} px at ${VIEWPORT.width}×${VIEWPORT.height} (${JSON.stringify(counts)})`;
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
