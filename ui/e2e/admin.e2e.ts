// Browser tests of the admin UI against the real opendray binary.
//
// Needs OPENDRAY_BIN (or bin/opendray) and OPENDRAY_E2E_DATABASE_URL, as
// support/server.ts describes. The tests run in order and share one server, one
// browser and one shell session, as a person clicking through would.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactsDir, DESKTOP, launchBrowser, PHONE, screenshot, type BrowserSession } from './support/browser.ts';
import { startServer, type TestServer } from './support/server.ts';
import { runCommand, terminalLines, terminalSize, waitForLine, waitForPhase } from './support/terminal.ts';
import { sleep, waitFor } from './support/wait.ts';

const TEST_TIMEOUT_MS = 90_000;
const nonce = randomBytes(4).toString('hex');
const sessionName = `e2e-shell-${nonce}`;
const newPassword = `e2e-new-password-${nonce}`;

let server: TestServer;
let browser: BrowserSession;
let page: Page;
let sessionPath = '';

// Each test builds on the state the previous ones left, so after a failure
// the rest are skipped instead of failing on its consequences.
let failedStep: string | null = null;

function step(name: string, body: () => Promise<void>): void {
  it(name, { timeout: TEST_TIMEOUT_MS }, async (context: TestContext) => {
    if (failedStep !== null) {
      context.skip(`skipped because "${failedStep}" failed`);
      return;
    }
    try {
      await body();
    } catch (error) {
      failedStep = name;
      throw error;
    }
  });
}

function adminUrl(path: string): string {
  return `${server.baseUrl}/admin${path}`;
}

async function storedToken(target: Page): Promise<string | null> {
  return target.evaluate(() => window.localStorage.getItem('opendray.token') ?? window.sessionStorage.getItem('opendray.token'));
}

async function apiStatus(path: string, token: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  return response.status;
}

async function logIn(password: string, remember: boolean): Promise<void> {
  await page.fill('input[name="user"]', server.user);
  await page.fill('input[name="password"]', password);
  if (remember) {
    await page.check('input[name="remember"]');
  }
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/admin\/sessions$/, { timeout: 15_000 });
}

// Runs `echo <marker>-$(stty size)-end` and returns the rows and columns
// the shell reports, read from the output line (the echoed command line
// contains "$(" and is skipped).
async function sttySize(marker: string): Promise<{ rows: number; cols: number }> {
  await runCommand(page, `echo ${marker}-$(stty size)-end`);
  const pattern = new RegExp(`^${marker}-(\\d+) (\\d+)-end$`);
  const line = await waitForLine(page, `${marker} stty output`, (text) => pattern.test(text.trim()));
  const match = pattern.exec(line.trim())!;
  return { rows: Number(match[1]), cols: Number(match[2]) };
}

describe('admin UI against opendray', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    server = await startServer(artifactsDir());
    browser = await launchBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  step('logs in', async () => {
    await page.goto(adminUrl('/'));
    await page.waitForURL(/\/admin\/login$/, { timeout: 15_000 });

    await page.setViewportSize(PHONE);
    await screenshot(page, 'phone-login');
    await page.setViewportSize(DESKTOP);
    await screenshot(page, 'desktop-login');

    await logIn(server.password, false);
    assert.ok(await storedToken(page), 'no token stored after login');
  });

  step('creates a shell session', async () => {
    await page.waitForSelector('select[name="provider"] option[value="shell"]', { state: 'attached', timeout: 15_000 });
    await page.selectOption('select[name="provider"]', 'shell');
    await page.fill('input[name="name"]', sessionName);
    await page.click('form.create-form button[type="submit"]');

    await page.waitForURL(/\/admin\/sessions\/[^/]+$/, { timeout: 15_000 });
    sessionPath = new URL(page.url()).pathname.replace(/^\/admin/, '');
    await waitForPhase(page, 'live');
  });

  step('echoes typed text in the terminal', async () => {
    // Let the shell print its prompt before typing.
    await waitFor('a shell prompt', async () => ((await terminalLines(page)).some((line) => line.trim() !== '') ? true : undefined), 15_000);
    await runCommand(page, 'echo hello-from-browser');
    await waitForLine(page, 'hello-from-browser output', (line) => line.trim() === 'hello-from-browser');
    await screenshot(page, 'desktop-terminal');
  });

  step('replays output exactly once after a reload', async () => {
    await page.reload();
    await waitForPhase(page, 'live');
    await page.waitForSelector('[data-testid="terminal"][data-replayed="true"]', { timeout: 15_000 });
    await waitForLine(page, 'replayed output', (line) => line.trim() === 'hello-from-browser');
    // Give a duplicated replay time to show up before counting.
    await sleep(1000);

    const lines = await terminalLines(page);
    const outputs = lines.filter((line) => line.trim() === 'hello-from-browser');
    const commands = lines.filter((line) => line.includes('echo hello-from-browser'));
    assert.equal(outputs.length, 1, `output line count after reload; screen:\n${lines.join('\n')}`);
    assert.equal(commands.length, 1, `command line count after reload; screen:\n${lines.join('\n')}`);
  });

  step('follows the viewport size with stty', async () => {
    const before = await sttySize('size-a');
    const shownBefore = await terminalSize(page);
    assert.deepEqual(before, { rows: shownBefore.rows, cols: shownBefore.cols }, 'stty size differs from the terminal size');

    await page.setViewportSize({ width: 900, height: 560 });
    await waitFor(
      'the terminal to refit',
      async () => {
        const size = await terminalSize(page);
        return size.cols !== shownBefore.cols || size.rows !== shownBefore.rows ? size : undefined;
      },
      10_000,
    );

    // The refit can change rows and columns in separate steps, so compare
    // with the size the terminal shows at each try, not the first change.
    // The resize message and the keystrokes share one socket; the retry
    // covers a PTY size that lands after the command starts.
    const afterSize = await waitFor(
      'stty size to match the refitted terminal',
      async () => {
        const reported = await sttySize(`size-b${Date.now() % 100000}`);
        const shown = await terminalSize(page);
        return reported.rows === shown.rows && reported.cols === shown.cols ? reported : undefined;
      },
      30_000,
      500,
    );
    assert.notDeepEqual(afterSize, before);
    await page.setViewportSize(DESKTOP);
  });

  step('tails logs live', async () => {
    await page.goto(adminUrl('/logs'));
    await page.waitForSelector('[data-testid="log-phase"]:text("live")', { timeout: 15_000 });
    const initialMax = await page.$$eval('.log-line[data-seq]', (rows) => Math.max(-1, ...rows.map((row) => Number(row.getAttribute('data-seq')))));

    // Requests to the gateway produce access log records. Health checks
    // may be left out of the access log, so a rejected request follows.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await fetch(`${server.baseUrl}/api/v1/health?probe=${nonce}-${attempt}`, { signal: AbortSignal.timeout(5000) });
    }
    await fetch(`${server.baseUrl}/api/v1/sessions`, { signal: AbortSignal.timeout(5000) });
    await page.waitForSelector(`.log-line[data-seq]`, { timeout: 15_000 });
    await waitFor(
      'a log record newer than the initial page',
      async () => {
        const seqs = await page.$$eval('.log-line[data-seq]', (rows) => rows.map((row) => Number(row.getAttribute('data-seq'))));
        return seqs.some((seq) => seq > initialMax) ? true : undefined;
      },
      15_000,
    );
    await screenshot(page, 'desktop-logs');
  });

  step('shows the audit and settings pages', async () => {
    await page.goto(adminUrl('/audit'));
    await page.waitForSelector('.audit-table, .empty', { timeout: 15_000 });
    await screenshot(page, 'desktop-audit');

    await page.goto(adminUrl('/settings'));
    await page.waitForSelector('form.settings-form', { timeout: 15_000 });
    await screenshot(page, 'desktop-settings');

    await page.goto(adminUrl('/sessions'));
    await page.waitForSelector(`tr[data-session-name="${sessionName}"]`, { timeout: 15_000 });
    await screenshot(page, 'desktop-sessions');
  });

  step('rejects the old token after a password change', async () => {
    await page.goto(adminUrl('/settings'));
    const oldToken = await storedToken(page);
    assert.ok(oldToken, 'no token before the change');

    await page.fill('input[name="current_password"]', server.password);
    await page.fill('input[name="new_password"]', newPassword);
    await page.fill('input[name="repeat_password"]', newPassword);
    await page.click('form.settings-form button[type="submit"]');
    await page.waitForSelector('.notice-ok', { timeout: 15_000 });

    const newToken = await storedToken(page);
    assert.ok(newToken, 'no token after the change');
    assert.notEqual(newToken, oldToken);
    assert.equal(await apiStatus('/auth/me', oldToken), 401, 'old token still accepted');
    assert.equal(await apiStatus('/auth/me', newToken), 200, 'new token rejected');

    // A tab that still has the old token is sent to the login page with
    // the reason.
    await page.evaluate((token) => window.sessionStorage.setItem('opendray.token', token), oldToken);
    await page.goto(adminUrl('/sessions'));
    await page.waitForURL(/\/admin\/login$/, { timeout: 15_000 });
    await page.waitForSelector('[data-testid="signed-out-reason"]', { timeout: 15_000 });

    await logIn(newPassword, true);
    const remembered = await page.evaluate(() => window.localStorage.getItem('opendray.token'));
    assert.ok(remembered, 'remember me did not keep the token in localStorage');
  });

  step('interrupts a command with the phone key bar', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(adminUrl('/sessions'));
    await page.waitForSelector(`tr[data-session-name="${sessionName}"]`, { timeout: 15_000 });
    await screenshot(page, 'phone-sessions');

    await page.goto(adminUrl(sessionPath));
    await waitForPhase(page, 'live');
    const ctrl = page.getByRole('button', { name: /^Control/ });
    assert.ok(await ctrl.isVisible({ timeout: 5000 }), 'the key bar is hidden at phone width');

    await runCommand(page, 'sleep 100');
    await sleep(500);
    await ctrl.click();
    assert.equal(await ctrl.getAttribute('aria-pressed'), 'true', 'Ctrl did not arm');
    await page.keyboard.press('c');
    assert.equal(await ctrl.getAttribute('aria-pressed'), 'false', 'Ctrl stayed armed after a key');

    // The prompt is back long before sleep would end on its own.
    const marker = `after-interrupt-${nonce}`;
    await runCommand(page, `echo ${marker}`);
    await waitForLine(page, `${marker} output`, (line) => line.trim() === marker, 10_000);
    assert.ok((await terminalLines(page)).some((line) => line.includes('^C')), 'no ^C echoed');
    await screenshot(page, 'phone-terminal');

    for (const [path, name, selector] of [
      ['/logs', 'phone-logs', '.log-list'],
      ['/audit', 'phone-audit', '.pager'],
      ['/settings', 'phone-settings', 'form.settings-form'],
    ] as const) {
      await page.goto(adminUrl(path));
      await page.waitForSelector(selector, { timeout: 15_000 });
      await screenshot(page, name);
    }
  });
});
