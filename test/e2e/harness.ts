import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const WSB = path.join(REPO, 'bin', 'wsb.js');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a test process gets: nothing inherited that could change behaviour, except PATH and DATABASE_URL when asked. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, WSB_LOG_LEVEL: 'info' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Run the real `wsb` command to completion. */
export function runWsb(args: readonly string[], env: NodeJS.ProcessEnv, command: readonly string[] = [process.execPath, WSB]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A daemon started as a real process; its log lines are kept for assertions. */
export class Daemon {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly port: number, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [WSB, 'start'], { cwd: REPO, env: { ...env, WSB_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  /** Poll until `check` passes (event-driven polling of a real process; bounded by the test timeout). */
  async until<T>(what: string, check: () => Promise<T | undefined>, attempts = 600): Promise<T> {
    for (let i = 0; i < attempts; i++) {
      if (this.child.exitCode !== null) throw new Error(`daemon exited (${this.child.exitCode}) while waiting for ${what}\n${this.stderr}`);
      const v = await check().catch(() => undefined);
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}\n${this.stderr.slice(-4000)}`);
  }

  async ready(): Promise<void> {
    await this.until('/readyz', async () => {
      const r = await fetch(this.url('/readyz'));
      return r.status === 200 ? true : undefined;
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exited;
  }

  logLines(): Array<Record<string, unknown>> {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
