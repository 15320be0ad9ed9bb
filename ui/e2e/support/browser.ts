import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's chromium package; Playwright's own browser download is not used.
export const CHROMIUM_PATH = process.env.OPENDRAY_CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach
// Google's services, which a closed test network refuses.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// Upper bound for a single Playwright action or expectation.
export const ACTION_TIMEOUT_MS = 15_000;

// The folder for screenshots: OPENDRAY_ARTIFACTS, or test-artifacts/screenshots
// at the repository root (the parent of ui/).
export function artifactsDir(): string {
  const dir = process.env.OPENDRAY_ARTIFACTS ?? resolve(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}

// Starts Chromium with a fresh profile folder that is removed on close.
export async function launchBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'opendray-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
    timeout: 60_000,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Saves a screenshot of the viewport as <artifacts>/<name>.png.
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifactsDir(), `${name}.png`), fullPage: false, timeout: ACTION_TIMEOUT_MS });
}
