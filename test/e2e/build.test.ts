import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cleanEnv, REPO, runWsb, tempDir } from './harness.js';

describe('the compiled build (npm run build, then node dist/…)', () => {
  it('compiles and runs the same backtest as the sources, byte for byte', async () => {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'pipe' });
    const env = cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-build-') });
    const args = ['backtest', '--strategy', 'wsb-dip-bot', '--json', '--symbols', 'NVDA,META', '--seed', '11'];
    const [compiled, source] = await Promise.all([
      runWsb(args, env, [process.execPath, path.join(REPO, 'dist', 'engine', 'cli', 'index.js')]),
      runWsb(args, env),
    ]);
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(source.code, source.stderr).toBe(0);
    const a = JSON.parse(compiled.stdout) as { orderLogSha256: string; orders: number };
    const b = JSON.parse(source.stdout) as { orderLogSha256: string };
    expect(a.orders).toBeGreaterThan(0);
    expect(a.orderLogSha256).toBe(b.orderLogSha256);
    // The compiled migrations apply under plain node.
    const migrate = await runWsb(['migrate', '--json'], env, [process.execPath, path.join(REPO, 'dist', 'engine', 'cli', 'index.js')]);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect((JSON.parse(migrate.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
  });
});
