import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditMarks } from '../../src/viewer/audit.js';
import { startViewer, type RunningViewer } from '../../src/viewer/server.js';
import { buildViewerStore } from './viewer-store.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the test keeps (ignored by git): overview, list and task page. */
export const SCREENSHOT_DIRECTORY = path.resolve('tmp/viewer-screenshots');

// CI installs Debian's chromium (.ci/run); elsewhere a machine without it skips, saying why.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run should install the chromium package`);

describe.skipIf(!hasChromium)('swe-mirror view in headless Chromium', () => {
  let viewer: RunningViewer;
  let directory: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    ({ directory } = buildViewerStore());
    viewer = await startViewer({ target: directory, port: 0 });
    profile = mkdtempSync(path.join(tmpdir(), 'swe-mirror-chromium-'));
    mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    await viewer?.close();
    for (const folder of [directory, profile]) if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('clicks from the overview to the list to a task, moves on with the keyboard and sets an audit mark', async () => {
    await page.goto(viewer.url);
    expect(await page.locator('#language-stats tbody tr').count()).toBe(3); // go, python, Total
    expect(await page.locator('svg.funnel rect.kept').count()).toBe(6);
    await page.screenshot({ path: path.join(SCREENSHOT_DIRECTORY, 'overview.png'), fullPage: true });

    await page.click('header nav >> text=Tasks');
    await page.waitForURL(/\/tasks$/);
    await page.selectOption('#filters select[name=status]', 'verified');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/status=verified/);
    expect(await page.locator('#task-list tbody tr').count()).toBe(2);
    await page.screenshot({ path: path.join(SCREENSHOT_DIRECTORY, 'list.png'), fullPage: true });

    await page.click('#task-list a.task-link >> nth=0');
    await page.waitForURL(/\/candidates\/1\?status=verified/);
    expect(await page.textContent('#instance-id')).toBe('py-gym__acme__widgets-1');
    // The diff is drawn and the test table marks the roles.
    expect(await page.locator('#mirror-patch .d2h-file-wrapper').count()).toBe(1);
    expect(await page.locator('#mirror-patch .d2h-del .d2h-code-line-ctn').first().textContent()).toContain('<script>window.__pwned = 2</script>');
    expect(await page.textContent('#test-table tr.f2p .role')).toBe('FAIL_TO_PASS');
    expect(await page.textContent('#test-table tr.p2p .role')).toBe('PASS_TO_PASS');
    await page.screenshot({ path: path.join(SCREENSHOT_DIRECTORY, 'task.png'), fullPage: false });

    await page.keyboard.press('j');
    await page.waitForURL(/\/candidates\/2\?status=verified/);
    expect(await page.textContent('#instance-id')).toBe('go-gym__gopher__mux-2');
    await page.keyboard.press('k');
    await page.waitForURL(/\/candidates\/1\?status=verified/);

    await page.fill('#audit-form textarea[name=note]', 'reads like a native report');
    await page.check('#audit-form input[value=moderate]');
    await page.click('#audit-form button[type=submit]');
    await page.waitForSelector('#current-mark');
    expect(await page.textContent('#current-mark .mark')).toBe('moderate');
    let marks = await readAuditMarks(viewer.source.auditPath);
    expect(marks.get('py-gym__acme__widgets-1')).toMatchObject({ label: 'moderate', note: 'reads like a native report' });

    // The keyboard shortcut marks too: 1 is "high".
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('1');
    await page.waitForFunction(() => document.querySelector('#current-mark .mark')?.textContent === 'high');
    marks = await readAuditMarks(viewer.source.auditPath);
    expect(marks.get('py-gym__acme__widgets-1')?.label).toBe('high');
  });

  it('runs no script from a statement, a PR body, an answer or a patch, and renders them as text', async () => {
    await page.goto(new URL('/candidates/1', viewer.url).href);
    await page.locator('details').evaluateAll((elements) => elements.forEach((element) => element.setAttribute('open', '')));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.textContent('#statement')).toContain('<script>window.__pwned = "statement-script"</script>');
    expect(await page.locator('#statement script, #statement img, #source script').count()).toBe(0);
    expect(await page.getAttribute('#statement a', 'href')).toBeNull();
    // Only the viewer's own script element exists on the page.
    expect(await page.locator('script').evaluateAll((elements) => elements.map((element) => element.getAttribute('src')))).toEqual(['/assets/viewer.js']);
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});
