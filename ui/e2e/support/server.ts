import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.ts';

// Starts the real opendray binary for the browser tests: a fresh HOME (so
// no keyfile from another run applies), a config file with a free port on
// 127.0.0.1, and the database given by OPENDRAY_E2E_DATABASE_URL.

export interface TestServer {
  baseUrl: string;
  user: string;
  password: string;
  logPath: string;
  stop: () => Promise<void>;
}

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-initial-password';

function opendrayBinary(): string {
  const fromEnv = process.env.OPENDRAY_BIN;
  if (fromEnv) {
    return resolve(fromEnv);
  }
  const built = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'opendray');
  if (existsSync(built)) {
    return built;
  }
  throw new Error('OPENDRAY_BIN is not set and bin/opendray does not exist: build the binary (make build) or set OPENDRAY_BIN to its path');
}

function databaseUrl(): string {
  const url = process.env.OPENDRAY_E2E_DATABASE_URL;
  if (!url) {
    throw new Error('OPENDRAY_E2E_DATABASE_URL is not set: point it at an empty PostgreSQL database that this test may use');
  }
  return url;
}

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

// TOML basic strings use JSON's escapes for quotes and backslashes.
const tomlString = (value: string) => JSON.stringify(value);

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return true;
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

export async function startServer(logDir: string): Promise<TestServer> {
  const binary = opendrayBinary();
  const home = mkdtempSync(join(tmpdir(), 'opendray-e2e-home-'));
  const port = await freePort();
  const configPath = join(home, 'opendray.toml');
  writeFileSync(
    configPath,
    [
      `listen = ${tomlString(`127.0.0.1:${port}`)}`,
      '',
      '[database]',
      `url = ${tomlString(databaseUrl())}`,
      '',
      '[admin]',
      `user = ${tomlString(ADMIN_USER)}`,
      `password = ${tomlString(ADMIN_PASSWORD)}`,
      '',
      '[log]',
      'level = "debug"',
      '',
    ].join('\n'),
  );

  // Only this file configures the server: OPENDRAY_* variables of the
  // calling shell would override it.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OPENDRAY_')) env[key] = value;
  }
  env.HOME = home;
  env.SHELL = '/bin/bash';

  const logPath = join(logDir, 'opendray-server.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(binary, ['serve', '-config', configPath], { env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);

  const baseUrl = `http://127.0.0.1:${port}`;
  const logTail = () => readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');

  const stop = async () => {
    if (!exited(child)) {
      child.kill('SIGTERM');
      // The gateway's shutdown window is 15 s, so allow a little more.
      if (!(await waitForExit(child, 20_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
    }
    rmSync(home, { recursive: true, force: true });
  };

  let outcome: 'ready' | 'exited';
  try {
    outcome = await waitFor(
      `GET ${baseUrl}/api/v1/health to report db_ok`,
      async () => {
        if (exited(child)) {
          return 'exited' as const;
        }
        const response = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
        const body = (await response.json()) as { db_ok?: boolean };
        return response.ok && body.db_ok === true ? ('ready' as const) : undefined;
      },
      60_000,
      250,
    );
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\nserver log tail:\n${logTail()}`);
  }
  if (outcome === 'exited') {
    const status = child.exitCode ?? child.signalCode;
    await stop();
    throw new Error(`opendray exited with ${status} before it was healthy\nserver log tail:\n${logTail()}`);
  }

  return { baseUrl, user: ADMIN_USER, password: ADMIN_PASSWORD, logPath, stop };
}
