/** The pure rules of the ReArq support: Redis URLs, ReArq's failure text, delay-set members, durations, JSON. */
import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../src/redis/url.js';
import { durationMs, errorFromResult } from '../../src/rearq/mapping.js';
import { parseDelayMember } from '../../src/rearq/redis.js';
import { encodeRearqTime, parseTables, rearqJson } from '../../src/rearq/schema.js';
import { parseQueueMap } from '../../src/toolkit/rearq.js';
import { parseInstant } from '../../src/core/time.js';

describe('Redis URLs', () => {
  it('reads redis://[:password@]host[:port][/db] and rediss://, redacting the password', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/5')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 5, tls: false, password: undefined });
    const t = parseRedisUrl('rediss://:s%40cret@cache.example.com/2');
    expect(t).toMatchObject({ host: 'cache.example.com', port: 6379, db: 2, tls: true, password: 's@cret' });
    expect(t.display).toBe('rediss://:***@cache.example.com/2');
    expect(parseRedisUrl('redis://localhost')).toMatchObject({ db: 0, port: 6379 });
  });
  it('refuses what is not one, in one line naming the flag, without the password', () => {
    for (const bad of ['', 'http://x', 'localhost:6379', 'redis://h:99999/0', 'redis://:pw@h/abc']) {
      let message = '';
      try {
        parseRedisUrl(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, bad).toMatch(/^--redis: /);
      // no 'pw' anywhere: the usage text says 'password', never the value given
      expect(message, bad).not.toMatch(/pw/);
    }
  });
});

describe("ReArq's failure text", () => {
  it('keeps the message inside the wrapper, with or without the retry parts', () => {
    expect(errorFromResult('Run job error in NO.0 times, exc: card declined, retry after 2 seconds')).toBe('card declined');
    expect(errorFromResult('Run job error, exc: boom ☠ 2')).toBe('boom ☠ 2');
    expect(errorFromResult('Run job error, exc: a, b, retry after soon')).toBe('a, b, retry after soon');
    expect(errorFromResult('Run job error in NO.3 times, exc: multi\nline, retry after 60 seconds')).toBe('multi\nline');
  });
  it('is the whole text trimmed when the wrapper holds nothing (a timeout) or is not there', () => {
    expect(errorFromResult('Run job error, exc: ')).toBe('Run job error, exc:');
    expect(errorFromResult('Run job error in NO.1 times, exc: , retry after 5 seconds')).toBe('Run job error in NO.1 times, exc: , retry after 5 seconds');
    expect(errorFromResult('  Traceback …  ')).toBe('Traceback …');
    expect(errorFromResult(null)).toBeNull();
  });
});

describe('values', () => {
  it('durations are whole milliseconds, truncated, across second boundaries', () => {
    const t = (s: string) => parseInstant(s)!;
    expect(durationMs(t('2026-11-30T08:30:20.019636Z'), t('2026-11-30T08:30:20.021461Z'))).toBe(1);
    expect(durationMs(t('2026-11-30T08:30:20.999999Z'), t('2026-11-30T08:30:21.000998Z'))).toBe(0);
    expect(durationMs(t('2026-11-30T08:30:20Z'), t('2026-11-30T08:32:34.099999Z'))).toBe(134099);
  });
  it("delay-set members, table pairs, queue maps", () => {
    expect(parseDelayMember('rearq:queue:high:0123abc')).toEqual({ queue: 'high', job_id: '0123abc' });
    expect(parseDelayMember('other')).toBeNull();
    expect(parseTables('job,jobresult')).toEqual({ job: 'job', result: 'jobresult' });
    expect(() => parseTables('job')).toThrow();
    expect(parseQueueMap('send_email=high, add=default')).toEqual({ send_email: 'high', add: 'default' });
    expect(() => parseQueueMap('send_email')).toThrow();
  });
  it("writes times and JSON as ReArq does on each backend", () => {
    const t = parseInstant('2026-11-30T08:29:28.297109Z')!;
    expect(encodeRearqTime('sqlite', t)).toBe('2026-11-30 08:29:28.297109+00:00');
    expect(encodeRearqTime('sqlite', parseInstant('2026-11-30T08:29:28Z')!)).toBe('2026-11-30 08:29:28+00:00');
    expect(encodeRearqTime('mysql', t)).toBe('2026-11-30 08:29:28.297109');
    expect(rearqJson({ to: 'josé', s: 'Party 🎉', n: [1, null] })).toBe('{"to":"jos\\u00e9","s":"Party \\ud83c\\udf89","n":[1,null]}');
  });
});
