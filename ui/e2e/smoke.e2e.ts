// Smoke test of the built SPA in Chromium without a backend: `vite preview`
// serves ui/dist/app on 127.0.0.1, and MockApi plays the gateway inside
// the browser. It checks that the pages render and that the terminal
// speaks the stream protocol. admin.e2e.ts covers the real server.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, launchBrowser, PHONE, screenshot, type BrowserSession } from './support/browser.ts';
import { MOCK_FINISHED_OUTPUT, MOCK_PASSWORD, MOCK_USER, MockApi } from './support/mockApi.ts';
import { terminalLines, terminalSize, waitForLine, waitForPhase } from './support/terminal.ts';
import { sleep, waitFor } from './support/wait.ts';

const UI_DIR = resolve(import.meta.dirname, '..');
const TEST_TIMEOUT_MS = 60_000;

let preview: ChildProcess;
let baseUrl = '';
let browser: BrowserSession;
let page: Page;
const api = new MockApi();

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function startPreview(): Promise<void> {
  if (!existsSync(resolve(UI_DIR, 'dist/app/index.html'))) {
    throw new Error('ui/dist/app/index.html is missing: run npm run build first');
  }
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  preview = spawn(process.execPath, [resolve(UI_DIR, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: UI_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(
    'vite preview to serve /admin/',
    async () => {
      if (preview.exitCode !== null) throw new Error(`vite preview exited with ${preview.exitCode}`);
      const response = await fetch(`${baseUrl}/admin/`, { signal: AbortSignal.timeout(2000) });
      return response.ok ? true : undefined;
    },
    30_000,
  );
}

function keystrokes(): string {
  return Buffer.concat(api.latestStream()?.binary ?? []).toString('utf8');
}

function sentControl(type: string): Record<string, unknown>[] {
  return (api.latestStream()?.control ?? []).filter((message) => message.type === type);
}

async function bothSizes(name: string, ready: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await page.waitForSelector(ready, { timeout: 10_000 });
  await screenshot(page, `smoke-phone-${name}`);
  await page.setViewportSize(DESKTOP);
  await page.waitForSelector(ready, { timeout: 10_000 });
  await screenshot(page, `smoke-desktop-${name}`);
}

describe('admin SPA smoke test with a mocked API', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    await startPreview();
    browser = await launchBrowser();
    page = browser.page;
    await api.install(page);
  });

  after(async () => {
    await browser?.close();
    if (preview && preview.exitCode === null) {
      preview.kill('SIGTERM');
    }
  });

  it('redirects to login and signs in', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/`);
    await page.waitForURL(/\/admin\/login$/, { timeout: 10_000 });
    await bothSizes('login', 'form.login-card');

    const icon = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
      if (link === null) return null;
      const response = await fetch(link.href);
      return { href: link.href, status: response.status, type: response.headers.get('content-type') ?? '' };
    });
    assert.ok(icon, 'index.html links no icon');
    assert.equal(icon.href, `${baseUrl}/admin/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.type, /^image\/svg\+xml/);

    await page.fill('input[name="user"]', MOCK_USER);
    await page.fill('input[name="password"]', 'wrong');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.notice-error:has-text("invalid user or password")', { timeout: 10_000 });

    await page.fill('input[name="password"]', MOCK_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/admin\/sessions$/, { timeout: 10_000 });
    const stored = await page.evaluate(() => window.sessionStorage.getItem('opendray.token'));
    assert.match(stored ?? '', /^mock-token-/);
  });

  it('lists sessions and applies live events', { timeout: TEST_TIMEOUT_MS }, async () => {
    const row = page.locator('tr[data-session-id="s-1"]');
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('.badge').getAttribute('data-state'), 'running');
    assert.equal(await page.locator('option[value="claude"]').isDisabled(), true, 'an uninstalled provider is selectable');
    assert.equal(await page.locator('option[value="shell"]').isDisabled(), false);

    await page.waitForSelector('.feed-live', { timeout: 10_000 });
    api.sessions[0]!.state = 'idle';
    api.publish({ type: 'session.idle', session_id: 's-1', name: 'demo-shell', provider: 'shell', silent_s: 30 });
    await row.locator('.badge[data-state="idle"]').waitFor({ timeout: 10_000 });
    api.sessions[0]!.state = 'running';
    api.publish({ type: 'session.running', session_id: 's-1', name: 'demo-shell', provider: 'shell', pid: 4242 });
    await row.locator('.badge[data-state="running"]').waitFor({ timeout: 10_000 });

    // The session restarts on the server between the list and the delete,
    // so the server rejects the delete and the row shows its message.
    const finished = page.locator('tr[data-session-id="s-2"]');
    await finished.getByRole('button', { name: 'Delete' }).click();
    api.sessions[1]!.state = 'running';
    await finished.getByRole('button', { name: 'Confirm delete' }).click();
    await finished.locator('.row-error:has-text("stop it first")').waitFor({ timeout: 10_000 });
    api.sessions[1]!.state = 'ended';

    await bothSizes('sessions', 'tr[data-session-id="s-1"]');
  });

  it('shows the command fields for a custom provider', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(await page.locator('input[name="command"]').count(), 0);
    await page.selectOption('select[name="provider"]', 'custom');
    await page.locator('input[name="command"]').waitFor({ timeout: 5000 });
    await page.fill('input[name="args"]', '"unterminated');
    await page.fill('input[name="command"]', '/usr/bin/top');
    await page.click('form.create-form button[type="submit"]');
    await page.waitForSelector('.notice-error:has-text("unterminated double quote")', { timeout: 5000 });
    await page.selectOption('select[name="provider"]', 'shell');
  });

  it('renders stream output and sends input', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/sessions/s-1`);
    await waitForPhase(page, 'live');
    await waitForLine(page, 'mock output', (line) => line.includes('hello-from-mock'));
    const lines = await terminalLines(page);
    assert.ok(lines.some((line) => line.includes('你好')), `wide characters missing:\n${lines.join('\n')}`);

    const stream = api.latestStream()!;
    assert.equal(stream.url.searchParams.get('flow'), 'ack');
    assert.match(stream.url.searchParams.get('token') ?? '', /^mock-token-/);
    assert.equal(stream.url.searchParams.has('since'), false);

    await page.click('[data-testid="terminal"] .xterm-screen');
    await page.keyboard.type('ls -la');
    await page.keyboard.press('Enter');
    await waitFor('keystrokes at the mock', () => (keystrokes() === 'ls -la\r' ? true : undefined), 5000);
    await waitForLine(page, 'echoed input', (line) => line.includes('ls -la'));

    await waitFor(
      'an ack for all output',
      () => (sentControl('ack').some((message) => message.offset === api.outputLength()) ? true : undefined),
      5000,
    );
    assert.ok(sentControl('resize').length > 0, 'no resize sent on attach');

    const before = await terminalSize(page);
    await page.setViewportSize({ width: 900, height: 600 });
    const resized = await waitFor(
      'a resize message with the new size',
      () => {
        const last = sentControl('resize').at(-1);
        return last && last.cols !== before.cols ? last : undefined;
      },
      5000,
    );
    const after = await terminalSize(page);
    assert.deepEqual(resized, { type: 'resize', cols: after.cols, rows: after.rows });
    await page.setViewportSize(DESKTOP);
    await waitFor('the terminal to refit to the desktop size', async () => ((await terminalSize(page)).cols > after.cols ? true : undefined), 5000);
    // The renderer redraws on the next animation frame after a refit.
    await sleep(300);
    await screenshot(page, 'smoke-desktop-terminal');
  });

  it('copies the selection and pastes', { timeout: TEST_TIMEOUT_MS }, async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    const screen = await page.locator('[data-testid="terminal"] .xterm-screen').boundingBox({ timeout: 5000 });
    assert.ok(screen, 'terminal screen has no box');

    // Drag across the start of the first row, which contains the mock output.
    await page.mouse.move(screen.x + 2, screen.y + 6);
    await page.mouse.down();
    await page.mouse.move(screen.x + 200, screen.y + 6, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Copy' }).click();
    const copied = await waitFor(
      'the selection on the clipboard',
      async () => {
        const text = await page.evaluate(() => navigator.clipboard.readText());
        return text.startsWith('hello-from') ? text : undefined;
      },
      5000,
    );
    assert.match(copied, /^hello-from/);

    const start = keystrokes().length;
    await page.evaluate(() => navigator.clipboard.writeText('pasted-text'));
    await page.getByRole('button', { name: 'Paste' }).click();
    await waitFor('pasted text at the mock', () => (keystrokes().slice(start) === 'pasted-text' ? true : undefined), 5000);
  });

  it('sends control codes from the phone key bar', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.setViewportSize(PHONE);
    const ctrl = page.getByRole('button', { name: /^Control/ });
    await ctrl.waitFor({ timeout: 5000 });
    const start = keystrokes().length;

    await page.click('[data-testid="terminal"] .xterm-screen');
    await ctrl.click();
    assert.equal(await ctrl.getAttribute('aria-pressed'), 'true');
    await page.keyboard.press('c');
    await page.getByRole('button', { name: 'Up arrow' }).click();
    await page.getByRole('button', { name: 'Escape' }).click();
    await page.getByRole('button', { name: 'Tab' }).click();
    await ctrl.click();
    await page.getByRole('button', { name: 'Left arrow' }).click();

    await waitFor('key bar bytes at the mock', () => (keystrokes().slice(start) === '\x03\x1b[A\x1b\t\x1b[1;5D' ? true : undefined), 5000);
    await screenshot(page, 'smoke-phone-terminal');
    await page.setViewportSize(DESKTOP);
  });

  it('resumes after a dropped stream without duplicates', { timeout: TEST_TIMEOUT_MS }, async () => {
    const first = api.latestStream()!;
    const reached = api.outputLength();
    first.route.close({ code: 1001, reason: 'going away' });

    const second = await waitFor('a second stream connection', () => (api.latestStream() !== first ? api.latestStream() : undefined), 10_000);
    assert.equal(second.url.searchParams.get('since'), String(reached));
    await waitForPhase(page, 'live');

    api.emit('after-reconnect\r\n');
    await waitForLine(page, 'output after the reconnect', (line) => line.includes('after-reconnect'));
    const lines = await terminalLines(page);
    assert.equal(lines.filter((line) => line.includes('hello-from-mock')).length, 1, `duplicated replay:\n${lines.join('\n')}`);
  });

  it('shows a gap notice', { timeout: TEST_TIMEOUT_MS }, async () => {
    const stream = api.latestStream()!;
    stream.route.send(JSON.stringify({ type: 'gap', from: stream.offset, to: stream.offset + 4096 }));
    await waitForLine(page, 'gap notice', (line) => line.includes('4096 bytes of output were lost'));
  });

  it('stops reconnecting after an ended session closes normally', { timeout: TEST_TIMEOUT_MS }, async () => {
    const stream = api.latestStream()!;
    const count = api.streams.length;
    api.emit('logout\r\n');
    stream.route.send(JSON.stringify({ type: 'state', state: 'ended', exit_code: 0 }));
    stream.route.close({ code: 1000, reason: '' });

    await waitForPhase(page, 'finished');
    await page.waitForSelector('.badge[data-state="ended"]:has-text("exit 0")', { timeout: 5000 });
    assert.equal(await page.getByRole('button', { name: 'Reconnect' }).count(), 0, 'Reconnect offered for an ended session');
    await sleep(2500);
    assert.equal(api.streams.length, count, 'the client reconnected to an ended session');
  });

  it('shows a finished session without Reconnect', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/sessions/s-2`);
    await waitForPhase(page, 'finished');
    await waitForLine(page, 'replayed output', (line) => line.includes(MOCK_FINISHED_OUTPUT.trim()));
    await page.waitForSelector('.badge[data-state="ended"]:has-text("exit 0")', { timeout: 5000 });
    assert.equal(await page.getByRole('button', { name: 'Reconnect' }).count(), 0, 'Reconnect offered for a finished session');
    assert.equal(await page.locator('.page-terminal .notice').count(), 0, 'a notice repeats the final state');

    await sleep(1500);
    const lines = await terminalLines(page);
    assert.equal(lines.filter((line) => line.includes(MOCK_FINISHED_OUTPUT.trim())).length, 1, `output missing or repeated:\n${lines.join('\n')}`);
    assert.equal(api.finishedStreams.length, 1, 'the client reconnected to a finished session');
    await bothSizes('finished-terminal', '[data-testid="terminal"][data-phase="finished"]');
  });

  it('shows one notice for an unknown session', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/sessions/nosuchid`);
    const notFound = page.locator('[data-testid="session-not-found"]');
    await notFound.waitFor({ timeout: 10_000 });
    await bothSizes('session-not-found', '[data-testid="session-not-found"]');

    assert.equal(await page.locator('.notice').count(), 1, 'more than one notice');
    assert.match((await notFound.locator('.notice').textContent()) ?? '', /nosuchid/);
    assert.equal(await page.locator('[data-testid="terminal"]').count(), 0, 'a terminal is shown');
    assert.equal(await page.locator('[data-testid="terminal-size"]').count(), 0, 'the size readout is shown');
    assert.equal(await page.getByRole('button', { name: 'Copy' }).count(), 0, 'the terminal controls are shown');
    assert.equal(await page.getByRole('toolbar', { name: 'Terminal keys' }).count(), 0, 'the key bar is shown');

    await notFound.getByRole('link', { name: 'Back to the sessions list' }).click();
    await page.waitForURL(/\/admin\/sessions$/, { timeout: 10_000 });
  });

  it('shows the notice for a session deleted before its stream', { timeout: TEST_TIMEOUT_MS }, async () => {
    api.addSession('s-gone', 'deleted-meanwhile', 'ended');
    api.deleteOnStream.add('s-gone');
    await page.goto(`${baseUrl}/admin/sessions/s-gone`);
    await page.locator('[data-testid="session-not-found"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="terminal"]').count(), 0, 'a terminal is shown');
    assert.equal(await page.locator('.notice').count(), 1, 'more than one notice');
  });

  it('tails logs with filter and pause', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/logs`);
    await page.waitForSelector('.log-line[data-seq="5"]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="log-phase"]:text("live")', { timeout: 10_000 });

    const liveSeq = api.log('INFO', 'live record arrives');
    await page.waitForSelector(`.log-line[data-seq="${liveSeq}"]`, { timeout: 5000 });

    await page.getByRole('button', { name: 'Pause' }).click();
    const pausedSeq = api.log('INFO', 'record while paused');
    await page.getByRole('button', { name: /Resume \(1 new\)/ }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator(`.log-line[data-seq="${pausedSeq}"]`).count(), 0, 'record shown while paused');
    await page.getByRole('button', { name: /Resume/ }).click();
    await page.waitForSelector(`.log-line[data-seq="${pausedSeq}"]`, { timeout: 5000 });

    await page.selectOption('select[aria-label="Minimum level"]', 'error');
    await waitFor('only error records', async () => ((await page.locator('.log-line').count()) === 1 ? true : undefined), 5000);
    await page.selectOption('select[aria-label="Minimum level"]', 'debug');
    await page.fill('input[aria-label="Filter text"]', 'step 4');
    await waitFor('the text filter', async () => ((await page.locator('.log-line').count()) === 1 ? true : undefined), 5000);
    await page.fill('input[aria-label="Filter text"]', '');

    await bothSizes('logs', '.log-line');
  });

  it('pages through the audit log', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/audit`);
    await page.waitForSelector('tr[data-audit-id="120"]', { timeout: 10_000 });
    await bothSizes('audit', 'tr[data-audit-id="120"]');
    await page.getByRole('button', { name: 'Older' }).click();
    await page.waitForSelector('tr[data-audit-id="70"]', { timeout: 10_000 });
    assert.equal(await page.locator('tr[data-audit-id="120"]').count(), 0);
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.waitForSelector('tr[data-audit-id="120"]', { timeout: 10_000 });
  });

  it('changes credentials and stores the new token', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/settings`);
    await page.waitForSelector('form.settings-form', { timeout: 10_000 });
    await bothSizes('settings', 'form.settings-form');

    await page.fill('input[name="current_password"]', 'not-the-password');
    await page.fill('input[name="new_password"]', 'a-new-password');
    await page.fill('input[name="repeat_password"]', 'a-different-one');
    await page.waitForSelector('.field-error:has-text("do not match")', { timeout: 5000 });
    await page.click('form.settings-form button[type="submit"]');
    await page.waitForSelector('.notice-error:has-text("do not match")', { timeout: 5000 });

    await page.fill('input[name="repeat_password"]', 'a-new-password');
    await page.click('form.settings-form button[type="submit"]');
    await page.waitForSelector('.notice-error:has-text("current password is wrong")', { timeout: 5000 });
    assert.match(page.url(), /\/admin\/settings$/, 'a wrong current password signed the user out');

    const oldToken = await page.evaluate(() => window.sessionStorage.getItem('opendray.token'));
    await page.fill('input[name="current_password"]', MOCK_PASSWORD);
    await page.click('form.settings-form button[type="submit"]');
    await page.waitForSelector('.notice-ok', { timeout: 5000 });
    const newToken = await page.evaluate(() => window.sessionStorage.getItem('opendray.token'));
    assert.ok(newToken, 'no token stored after the change');
    assert.notEqual(newToken, oldToken, 'the old token is still stored');
  });

  it('returns to login when the stream token is revoked', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${baseUrl}/admin/sessions/s-1`);
    await waitForPhase(page, 'live');
    api.latestStream()!.route.close({ code: 4001, reason: 'token revoked' });
    await page.waitForURL(/\/admin\/login$/, { timeout: 10_000 });
    const reason = await page.locator('[data-testid="signed-out-reason"]').textContent({ timeout: 5000 });
    assert.match(reason ?? '', /token revoked/);
  });
});
