import { describe, expect, it } from 'vitest';
import { formatServerUrl, parseDatabaseUrl, redact, withUrlPassword } from '../../src/db/url.js';
import { UsageError } from '../../src/core/errors.js';

describe('database URLs', () => {
  it('takes a plain path as a SQLite file relative to the working folder', () => {
    const t = parseDatabaseUrl('data/logs.sqlite', '/srv/app');
    expect(t).toMatchObject({ backend: 'sqlite', filename: '/srv/app/data/logs.sqlite' });
  });

  it('follows dj-database-url for sqlite:///relative and sqlite:////absolute', () => {
    expect(parseDatabaseUrl('sqlite:///db.sqlite3', '/srv/app').filename).toBe('/srv/app/db.sqlite3');
    expect(parseDatabaseUrl('sqlite:////var/lib/app/db.sqlite3', '/srv/app').filename).toBe('/var/lib/app/db.sqlite3');
    expect(parseDatabaseUrl('sqlite://', '/srv').filename).toBe(':memory:');
  });

  it('parses PostgreSQL URLs with sslmode and percent-encoded credentials', () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const t = parseDatabaseUrl(`${scheme}://app%40corp:p%40ss%3Aw0rd@db.example.com:6432/tasks?sslmode=require`, '/');
      expect(t.backend).toBe('postgres');
      expect(t.server).toMatchObject({ host: 'db.example.com', port: 6432, user: 'app@corp', password: 'p@ss:w0rd', database: 'tasks', sslmode: 'require' });
      expect(t.display).not.toContain('w0rd');
      expect(t.display).toContain('***');
    }
    expect(parseDatabaseUrl('postgres://localhost/tasks', '/').server?.port).toBe(5432);
  });

  it('parses MySQL and MariaDB URLs', () => {
    for (const scheme of ['mysql', 'mariadb']) {
      const t = parseDatabaseUrl(`${scheme}://root:secret@127.0.0.1/app`, '/');
      expect(t).toMatchObject({ backend: 'mysql', server: { host: '127.0.0.1', port: 3306, user: 'root', password: 'secret', database: 'app' } });
      expect(t.display).toBe(`${scheme}://root:***@127.0.0.1/app`);
    }
  });

  it('parses ClickHouse URLs: the HTTP interface, port 8123 unless given, the password hidden', () => {
    const t = parseDatabaseUrl('clickhouse://writer:p%40ss%3Aw0rd@ch1.example.com/archive', '/');
    expect(t).toMatchObject({ backend: 'clickhouse', server: { host: 'ch1.example.com', port: 8123, user: 'writer', password: 'p@ss:w0rd', database: 'archive' } });
    expect(t.display).toBe('clickhouse://writer:***@ch1.example.com/archive');
    expect(redact('refused p@ss:w0rd', t)).toBe('refused ***');
    expect(parseDatabaseUrl('clickhouse://127.0.0.1:18123/a', '/').server?.port).toBe(18123);
    expect(() => parseDatabaseUrl('clickhouse://localhost', '/')).toThrow(/names no database/);
  });

  it.each([
    ['redis://localhost/0', /unsupported scheme 'redis:'/],
    ['postgres://localhost', /names no database/],
    ['postgres://localhost/db?sslmode=sometimes', /sslmode 'sometimes' is not one of/],
    ['', /empty/],
  ])('rejects %j as a usage error', (url, message) => {
    expect(() => parseDatabaseUrl(url, '/')).toThrow(UsageError);
    expect(() => parseDatabaseUrl(url, '/')).toThrow(message);
  });

  it('redacts the password from any message', () => {
    const t = parseDatabaseUrl('postgres://u:hunter2@h/db', '/');
    expect(redact('auth failed for hunter2 at postgres://u:hunter2@h/db', t)).toBe('auth failed for *** at postgres://u:***@h/db');
  });

  it('builds a server URL that parses back to its parts, whatever the characters', () => {
    const parts = { host: 'db.example.com', port: 6432, database: 'täsks', user: 'app@corp', password: 'p@ss:w/rd%?#', params: { sslmode: 'require' } };
    const url = formatServerUrl({ backend: 'postgres', ...parts });
    expect(url).toBe('postgres://app%40corp:p%40ss%3Aw%2Frd%25%3F%23@db.example.com:6432/t%C3%A4sks?sslmode=require');
    expect(parseDatabaseUrl(url, '/').server).toMatchObject({ host: 'db.example.com', port: 6432, database: 'täsks', user: 'app@corp', password: 'p@ss:w/rd%?#', sslmode: 'require' });
    expect(parseDatabaseUrl(formatServerUrl({ backend: 'mysql', host: '::1', port: 3306, database: 'app' }), '/').server).toMatchObject({ host: '::1', port: 3306, user: undefined });
  });

  it('puts a password into a server URL that has none, and nowhere else', () => {
    const url = withUrlPassword('postgres://app@db/tasks?sslmode=require', 'p@ss:w/rd');
    expect(url).toBe('postgres://app:p%40ss%3Aw%2Frd@db/tasks?sslmode=require');
    expect(parseDatabaseUrl(url, '/')).toMatchObject({ server: { user: 'app', password: 'p@ss:w/rd' }, secrets: expect.arrayContaining(['p@ss:w/rd']) });
    expect(withUrlPassword('mysql://db/app', 'x')).toBe('mysql://:x@db/app');
    expect(withUrlPassword('postgres://app:own@db/tasks', 'x')).toBe('postgres://app:own@db/tasks');
    expect(withUrlPassword('logs.sqlite', 'x')).toBe('logs.sqlite');
    expect(withUrlPassword('sqlite:///logs.sqlite', 'x')).toBe('sqlite:///logs.sqlite');
  });
});
