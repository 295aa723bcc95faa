import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../engine/logger.js';

describe('logger redaction', () => {
  it('never writes a credential field, at the top level or one level down', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', sink);
    const secrets = {
      token: 'tok-1', apiToken: 'tok-2', password: 'pw-3', secret: 'sec-4', apiKey: 'key-5', secretKey: 'sk-6', keyId: 'kid-7',
      webhookUrl: 'https://hooks.example/abc-8', botToken: 'bot-9', databaseUrl: 'postgres://u:pw@h/db-10',
    };
    log.info({ ...secrets, nested: { ...secrets } }, 'adapter configured');
    const out = lines.join('');
    expect(out).toContain('adapter configured');
    for (const v of Object.values(secrets)) expect(out).not.toContain(v);
    expect(out).toContain('[redacted]');
  });
});
