/**
 * The --where language without a database: what parses, what each bad
 * expression says and where, the caret on the command line (exit 2), and
 * hostile input (random text, deep nesting, long lists) answered by a
 * WhereError, never another exception.
 */
import { describe, expect, it } from 'vitest';
import { describeWhereError, MAX_WHERE_LENGTH, parseWhere, WhereError, WHERE_FIELDS, WHERE_GROUPS } from '../../src/query/where.js';
import { STATUS_GROUPS } from '../../src/query/status.js';
import { run } from '../helpers/run.js';

const error = (text: string): WhereError => {
  try {
    parseWhere(text);
  } catch (err) {
    if (err instanceof WhereError) return err;
    throw err;
  }
  throw new Error(`${text} parsed`);
};

describe('parseWhere', () => {
  it.each([
    "status = 'failed'",
    "task_name contains 'payment' and is_failed",
    'NOT (is_failed OR is_open) AND has_error',
    "queue_name not in ('low', \"back\"\"ground\") or job_retries in (1, 2)",
    'duration_ms > 30s and duration_ms <= 1.5h',
    'created_at > -7d and created_at < 2h ago and finish_time <= now',
    "created_at >= 2024-05-01 and enqueue_time < 2024-05-01T10:00:00.5+02:00 and start_time > '2024-05-01 10:00'",
    "kwargs.user_id = 42 and args[0] = 'x' and result.a.b[2] != 'y' and kwargs['odd key'] is not null",
    'kwargs.flag = true and success != false and success is null',
    "worker_id startswith 'w-' and error_message not contains 'timeout'",
    "result contains 'ok' and result is not null",
    'is_successful or is_completed',
  ])('%s', (text) => {
    expect(parseWhere(text).text).toBe(text);
  });

  it('the group words are the status groups of status.ts and has_error', () => {
    expect(WHERE_GROUPS).toEqual([...STATUS_GROUPS.map((g) => `is_${g}`), 'has_error']);
  });

  it.each([
    ["stauts = 'failed'", 0, /^unknown field 'stauts'; fields: id, job_id, task_name, .*created_at, updated_at; groups: is_completed, .*has_error$/],
    ["status = 'done'", 9, /^'done' is not a status; statuses: deferred, queued, in_progress, success, failed, expired, canceled$/],
    ['status = failed', 9, /^status takes a quoted status: .*, found 'failed'$/],
    ["status = 'failed' and", 21, /^expected a condition \(a field, a group such as is_failed, not, or '\('\), found the end$/],
    ["status = 'failed' and or", 22, /^expected a field, found 'or'; fields: id, /],
    ["(status = 'failed'", 18, /^expected '\)', found the end$/],
    ["status = 'failed' status", 18, /^expected and, or or the end, found 'status'$/],
    ["task_name = 'open", 12, /^unterminated text: close it with '$/],
    ['duration_ms > 30x', 14, /^unknown unit 'x' in 30x; units: ms, s, m, h, d, w$/],
    ['created_at > 7d', 13, /^created_at takes a time: created_at > -7d, created_at > 7d ago/],
    ["created_at > '2024-13-01'", 13, /^'2024-13-01' is not a time/],
    ['kwargs = 1', 7, /^kwargs is compared by a path into it: kwargs.key = …, or kwargs is null$/],
    ['task_name.x = 1', 10, /^task_name is not JSON: only args, kwargs and result take a path$/],
    ['duration_ms contains 5', 12, /^duration_ms holds a duration: contains and startswith take text fields$/],
    ['success > true', 8, /^success is true, false or null: compare it with = or !=$/],
    ['worker_id = null', 12, /^write worker_id is null to compare with null$/],
    ["kwargs['a\"b'] = 1", 7, /^a JSON key cannot be empty nor hold quotes, backslashes or control characters$/],
    ['status = $', 9, /^unexpected '\$'$/],
    ['', 0, /^empty expression/],
  ] as const)('%s → at %i: %s', (text, pos, message) => {
    const err = error(text);
    expect(err.reason).toMatch(message);
    expect(err.pos).toBe(pos);
    expect(err.message).toBe(`${err.reason} (at character ${pos + 1})`);
  });

  it('the caret stands under the error, counted in characters', () => {
    expect(describeWhereError(error("task_name = 'ÜBER' and stauts = 1"), '--where').split('\n')).toEqual([
      `--where: unknown field 'stauts'; fields: ${[...WHERE_FIELDS.keys()].join(', ')}; groups: ${WHERE_GROUPS.join(', ')}`,
      "  task_name = 'ÜBER' and stauts = 1",
      '                         ^',
    ]);
  });

  it('hostile input: deep nesting, long lists and long text are refused with a WhereError', () => {
    expect(error('('.repeat(200) + 'is_failed' + ')'.repeat(200)).reason).toMatch(/^nested deeper than 50 levels$/);
    expect(error('not '.repeat(200) + 'is_failed').reason).toMatch(/^nested deeper than 50 levels$/);
    expect(error(`id in (${'1,'.repeat(1000)}1)`).reason).toMatch(/^more than 1000 values$/);
    expect(error('is_failed or '.repeat(400) + 'is_failed').reason).toMatch(new RegExp(`^longer than ${MAX_WHERE_LENGTH} characters$`));
    expect(parseWhere('is_failed or '.repeat(300) + 'is_failed').node).toMatchObject({ k: 'or' });
  });

  it('random text is a WhereError or an expression, never another exception', () => {
    const alphabet = ['status', 'kwargs', '.', '[', ']', '0', "'", '"', '(', ')', '=', '!', '<', '>', ' ', 'and', 'or', 'not', 'in', 'is', 'null', '-', '7d', 'ago', ',', 'x', '\u0000', 'é', '2024-05-01', 'contains', 'true'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      try {
        parseWhere(text);
      } catch (err) {
        expect(err, text).toBeInstanceOf(WhereError);
        expect((err as WhereError).pos).toBeGreaterThanOrEqual(0);
        expect((err as WhereError).pos).toBeLessThanOrEqual(text.length);
      }
    }
  });
});

describe('--where on the command line', () => {
  it('a bad expression: the message, the expression and a caret under the spot; exit 2, nothing on stdout', async () => {
    const r = await run(['logs', 'list', '--db', 'nonexistent.sqlite', '--where', "is_failed and queue_name = high"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      "tasklog: --where: queue_name takes quoted text ('…'), found 'high'",
      '  is_failed and queue_name = high',
      '                             ^',
      '',
    ]);
  });

  it('every command that reads rows checks it before connecting', async () => {
    for (const argv of [['stats'], ['timeline'], ['errors'], ['overview'], ['metrics'], ['alerts', 'check'], ['cleanup', '--dry-run'], ['logs', 'related', '1']]) {
      const r = await run([...argv, '--db', 'nonexistent.sqlite', '--where', 'nope = 1']);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^tasklog: --where: unknown field 'nope'/);
    }
    const health = await run(['health', '--db', 'nonexistent.sqlite', '--where', 'nope = 1']);
    expect(health.code).toBe(3);
    expect(health.stdout).toMatch(/^TASKLOG UNKNOWN - --where: unknown field 'nope'/);
  });

  it('--json: the error as one JSON object with the caret lines in its message', async () => {
    const r = await run(['stats', '--db', 'nonexistent.sqlite', '--where', 'status >', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error).toMatchObject({ kind: 'usage', exit_code: 2, message: "--where: status takes a quoted status: deferred, queued, in_progress, success, failed, expired, canceled, found the end\n  status >\n          ^" });
  });
});
