/**
 * The dashboard in a real browser: Debian's chromium, headless, driven by
 * playwright-core. The numbers on / must equal `tasklog overview --json`,
 * the row page's must equal `tasklog logs show --json`, and the filter form
 * must give the list the API gives for the same parameters.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_ALL } from '../helpers/databases.js';
import { runJson, run } from '../helpers/run.js';
import { fetchAnswer, startTasklog, type Child } from '../helpers/servers.js';

const CHROMIUM = process.env.TASKLOG_TEST_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const NOW = '2026-11-27T20:30:00Z';

const missing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
if (missing && REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${missing}`);
if (missing) console.warn(`\n*** SKIPPING the dashboard browser test: ${missing}\n`);

describe.skipIf(missing)('the dashboard in headless Chromium', () => {
  let file: string;
  let server: Child;
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'tasklog-dash-')), 'dash.sqlite');
    const r = await run(['demo', '--db', file, '--rows', '1500', '--json'], { now: NOW });
    if (r.code !== 0) throw new Error(r.stderr);
    server = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('/ shows the overview of `overview --json`: totals, statuses and queues with their badges, the chart, the list', async () => {
    const want = await runJson(['overview', '--db', file], { now: NOW });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    const num = async (k: string) => Number((await page.locator(`[data-k="${k}"]`).first().textContent())!.replace(/[^\d]/g, ''));
    expect(await num('total_tasks')).toBe(want.total_tasks);
    expect(await num('recent_failures')).toBe(want.recent_failures);
    expect(await num('active_queues')).toBe(want.active_queues.length);
    const byStatus = await page.locator('[data-status-count]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-status-count'), Number(e.getAttribute('data-n'))])));
    expect(byStatus).toEqual(want.tasks_by_status);
    const byQueue = await page.locator('[data-queue-count]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-queue-count'), Number(e.getAttribute('data-n'))])));
    expect(byQueue).toEqual(want.tasks_by_queue);
    // the failed badge is red, as in the terminal and the admin
    const failedColor = await page.locator('[data-status-count="failed"] .badge').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(failedColor).toBe('rgb(220, 53, 69)');
    // the chart: one bar group per hour of the last 24 h, their totals those of `timeline --json`
    const timeline = await runJson(['timeline', '--db', file, '--period-hours', '24'], { now: NOW });
    const bars = await page.locator('svg [data-bucket]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-total'))));
    expect(bars).toEqual(timeline.map((b: { total: number }) => b.total));
    expect(await page.locator('#list tbody tr').count()).toBe(20);
    // the latest failures: the API's newest failed rows, each with a signature
    const failed = await fetchAnswer(server.url, '/cfg/tasks/logs/?is_failed=true&ordering=-created_at&page_size=8');
    const latest = await page.locator('#latest-failures tbody tr').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    expect(latest).toEqual(failed.json.results.map((r: { id: number }) => r.id));
    expect(latest.length).toBeGreaterThan(0);
    // readable on a phone: nothing wider than the screen but the tables' own scroll boxes
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('the filter form gives the list the API gives for the same parameters; refresh=30 reloads itself', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.selectOption('select[name="status"]', 'failed');
    await page.fill('input[name="search"]', 'error');
    await Promise.all([page.waitForNavigation(), page.click('#filters button[type="submit"]')]);
    expect(page.url()).toMatch(/status=failed/);
    const api = await fetchAnswer(server.url, '/cfg/tasks/logs/?status=failed&search=error');
    expect(api.json.count).toBeGreaterThan(0);
    expect(Number((await page.locator('[data-k="count"]').textContent())!.replace(/[^\d]/g, ''))).toBe(api.json.count);
    const ids = await page.locator('#list tbody tr').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    expect(ids).toEqual(api.json.results.map((r: { id: number }) => r.id));
    await page.goto(`${server.url}/?refresh=30`);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('30');
    await page.close();
  });

  it("every status badge's icon is drawn by a font Chromium has (no missing-glyph box), deferred and expired included", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    const icons = await page.locator('[data-status-count] .badge').evaluateAll((els) => els.map((e) => [e.closest('[data-status-count]')!.getAttribute('data-status-count'), e.textContent!.split(' ')[0]]));
    expect(icons.map(([status]) => status)).toEqual(expect.arrayContaining(['deferred', 'expired', 'failed', 'success']));
    // a code point no font has is drawn as the missing-glyph box: an icon drawn the same way is missing too
    const shot = async (text: string) => {
      await page.evaluate((t) => {
        document.getElementById('glyph-probe')?.remove();
        const probe = document.createElement('span');
        probe.id = 'glyph-probe';
        probe.className = 'badge';
        probe.style.cssText = 'background:#fff;color:#000;font-size:32px;position:fixed;top:0;left:0;z-index:9';
        probe.textContent = t;
        document.body.append(probe);
      }, text);
      return page.locator('#glyph-probe').screenshot();
    };
    const missing = await shot('\u{10FFFD}');
    expect(missing.equals(await shot('\u{10FFFC}'))).toBe(true);
    for (const [status, icon] of icons) {
      expect((await shot(icon!)).equals(missing), `the ${status} badge's icon ${icon} (U+${icon!.codePointAt(0)!.toString(16).toUpperCase()})`).toBe(false);
    }
    await page.close();
  });

  it('/logs/{id} shows the sections of `logs show --json` and the related rows of `logs related`', async () => {
    const failed = await fetchAnswer(server.url, '/cfg/tasks/logs/?is_failed=true&has_error=true&page_size=1');
    const id = failed.json.results[0].id as number;
    const want = await runJson(['logs', 'show', String(id), '--db', file], { now: NOW });
    const related = await runJson(['logs', 'related', String(id), '--db', file], { now: NOW });
    const page = await browser.newPage();
    // the dashboard's list takes the API's parameters: the row is the first of this list, and its link opens its page
    await page.goto(`${server.url}/?is_failed=true&has_error=true`);
    await Promise.all([page.waitForNavigation(), page.click(`#list a[href="/logs/${id}"]`)]);
    expect(page.url()).toBe(`${server.url}/logs/${id}`);
    const text = async (k: string) => (await page.locator(`[data-k="${k}"]`).first().textContent())!;
    expect(Number(await text('id'))).toBe(want.id);
    expect(await text('job_id')).toBe(want.job_id);
    expect(await text('task_name')).toBe(want.task_name);
    expect(await page.locator('#task [data-status]').getAttribute('data-status')).toBe(want.status);
    expect(Number(await text('job_retries'))).toBe(want.job_retries);
    expect(await page.locator('[data-k="duration_ms"]').getAttribute('data-v')).toBe(want.duration_ms === null ? '' : String(want.duration_ms));
    expect(await text('error_message')).toBe(want.error_message);
    const times = await page.locator('#performance [data-iso]').evaluateAll((els) => els.map((e) => e.getAttribute('data-iso')));
    expect(times).toEqual([want.enqueue_time, want.start_time, want.finish_time, want.expire_time, want.created_at, want.updated_at].filter((t) => t !== null));
    const relatedIds = await page.locator('#related tbody tr').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    expect(relatedIds).toEqual(related.map((r: { id: number }) => r.id));
    expect((await page.goto(`${server.url}/logs/99999999`))?.status()).toBe(404);
    await page.close();
  });
});
