import type { Page } from 'playwright-core';
import { waitFor } from './wait.ts';

// Reads the terminal through xterm.js's accessibility tree, which screen
// reader mode keeps in sync with the visible rows.

const TERMINAL = '[data-testid="terminal"]';

export async function terminalLines(page: Page): Promise<string[]> {
  const rows = await page.$$eval(`${TERMINAL} .xterm-accessibility-tree > div`, (elements) => elements.map((element) => element.textContent ?? ''));
  return rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd());
}

// Waits until a terminal line satisfies `match` and returns that line.
export async function waitForLine(page: Page, what: string, match: (line: string) => boolean, timeoutMs = 15_000): Promise<string> {
  return waitFor(
    `terminal line: ${what}`,
    async () => (await terminalLines(page)).find(match),
    timeoutMs,
  );
}

export async function waitForPhase(page: Page, phase: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForSelector(`${TERMINAL}[data-phase="${phase}"]`, { timeout: timeoutMs });
}

// Focuses the terminal and types a command followed by Enter.
export async function runCommand(page: Page, command: string): Promise<void> {
  await page.click(`${TERMINAL} .xterm-screen`, { timeout: 10_000 });
  await page.keyboard.type(command, { delay: 10 });
  await page.keyboard.press('Enter');
}

export async function terminalSize(page: Page): Promise<{ cols: number; rows: number }> {
  const frame = page.locator(TERMINAL);
  const cols = Number(await frame.getAttribute('data-cols', { timeout: 5000 }));
  const rows = Number(await frame.getAttribute('data-rows', { timeout: 5000 }));
  return { cols, rows };
}
