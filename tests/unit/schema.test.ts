import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MysqlDialect } from '../../src/db/dialect/mysql.js';
import { PostgresDialect } from '../../src/db/dialect/postgres.js';
import { SqliteDialect } from '../../src/db/dialect/sqlite.js';
import { createIndexName, expectedIndexes, metaIndexName } from '../../src/db/schema.js';
import { DJANGO_SCHEMA, sharedMissing } from '../helpers/shared.js';

const missing = sharedMissing();

/** The statements of a sqlmigrate file, comments and BEGIN/COMMIT removed, whitespace folded. */
function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s && s !== 'BEGIN' && s !== 'COMMIT');
}

describe.skipIf(missing)("Django's DDL", () => {
  it.each([
    ['sqlite.sql', new SqliteDialect()],
    ['postgresql.sql', new PostgresDialect()],
    ['mysql.sql', new MysqlDialect()],
  ] as const)('migrate emits exactly %s', (file, dialect) => {
    const expected = statements(readFileSync(join(DJANGO_SCHEMA, file), 'utf8'));
    const actual = dialect.createTaskTableSql('django_cfg_task_log', 'auth_user').map((s) => s.replace(/\s+/g, ' ').trim());
    expect(actual).toEqual(expected);
  });
});

describe("Django's index names", () => {
  it('reproduces the names in the reference DDL', () => {
    expect(metaIndexName('django_cfg_task_log', ['task_name', '-enqueue_time'])).toBe('django_cfg__task_na_e84031_idx');
    expect(metaIndexName('django_cfg_task_log', ['-created_at'])).toBe('django_cfg__created_4eea05_idx');
    expect(createIndexName('django_cfg_task_log', ['status'], '', 63)).toBe('django_cfg_task_log_status_33f79925');
    expect(createIndexName('django_cfg_task_log', ['job_id'], '_like', 63)).toBe('django_cfg_task_log_job_id_129f2706_like');
    expect(createIndexName('django_cfg_task_log', ['user_id'], '_fk_auth_user_id', 63)).toBe(
      'django_cfg_task_log_user_id_ea518e17_fk_auth_user_id',
    );
  });

  it('derives new names for another table, within the backend limit', () => {
    const names = expectedIndexes('a_really_long_custom_task_log_table_name_for_tests', 63).map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
    expect(names[0]).toMatch(/^a_really_lo_task_na_[0-9a-f]{6}_idx$/);
  });
});
