/**
 * One record of an import file checked in full and turned into a row to
 * write, or the reason it cannot be: every field the way the model defines
 * it (Django's max_length, IntegerField's range, the status choices, JSON,
 * ISO 8601 times), so nothing reaches the database that it would refuse or
 * silently change. Field names are those of `logs show --json`; the derived
 * ones (status_display, duration_seconds, user_display) are not stored, and
 * user_display only serves to check that the user id means the same person.
 */
import { COLUMNS, type TaskLogColumns } from '../db/schema.js';
import { instantFromDate, parseTimeStrict, type Instant } from '../core/time.js';
import { DETAIL_FIELDS } from '../query/present.js';
import { STATUSES } from '../query/status.js';
import { BadLine, FIELDS_HINT, typeName, type ImportFormat } from './read.js';

/** The row as it will be written, with the model's defaults where the file has no value. */
export interface ImportRow {
  line: number;
  /** the id the file gives (null: the database numbers the row) */
  id: number | null;
  /** columns the file gives, besides id: an existing row gets these (and updated_at) */
  given: string[];
  values: TaskLogColumns<Instant>;
  /** the file's user_display, to check the user id means the same person here (null: none given) */
  userDisplay: string | null;
}

export { BadLine };

/** Fields a record may carry: the detail fields of `logs show --json`. */
export const IMPORT_FIELDS: readonly string[] = DETAIL_FIELDS;

/** Fields with no default in the model: every row must give them. */
export const REQUIRED_FIELDS = ['job_id', 'task_name', 'queue_name', 'enqueue_time'] as const;

/** The model's defaults for fields a row may leave out (beside created_at and updated_at: now, as auto_now_add / auto_now). */
const MODEL_DEFAULTS = { args: [], kwargs: {}, status: 'queued', job_retry: 0, job_retries: 0, job_retry_after: 60 } as const;

/** Fields the model gives a default when a row leaves them out. */
export const DEFAULTED_FIELDS = [...Object.keys(MODEL_DEFAULTS), 'created_at', 'updated_at'] as readonly string[];

const INT32 = { min: -2147483648, max: 2147483647 };

type Kind =
  | { t: 'text'; max?: number; required?: boolean; nullable?: boolean }
  | { t: 'status' }
  | { t: 'int'; nullable: boolean }
  | { t: 'bool' }
  | { t: 'json' }
  | { t: 'time'; nullable: boolean };

/** How each stored field is checked; the key is the file's field name, `column` the table's. */
const SPEC: Record<string, Kind & { column?: string }> = {
  job_id: { t: 'text', max: 100, required: true },
  task_name: { t: 'text', max: 200, required: true },
  queue_name: { t: 'text', max: 100, required: true },
  args: { t: 'json' },
  kwargs: { t: 'json' },
  status: { t: 'status' },
  duration_ms: { t: 'int', nullable: true },
  job_retry: { t: 'int', nullable: false },
  job_retries: { t: 'int', nullable: false },
  job_retry_after: { t: 'int', nullable: false },
  success: { t: 'bool' },
  result: { t: 'text', nullable: true },
  error_message: { t: 'text', nullable: true },
  worker_id: { t: 'text', max: 100, nullable: true },
  enqueue_time: { t: 'time', nullable: false },
  expire_time: { t: 'time', nullable: true },
  start_time: { t: 'time', nullable: true },
  finish_time: { t: 'time', nullable: true },
  created_at: { t: 'time', nullable: false },
  updated_at: { t: 'time', nullable: false },
  user: { t: 'int', nullable: true, column: 'user_id' },
};

export interface ValidateOptions {
  /** the target database: whether it stores a NUL character in text and JSON (PostgreSQL does not), and its name */
  target: { storesNul: boolean; productName: string };
  /** created_at / updated_at of a row that gives none */
  now: Date;
}

/** A value as a message shows it: JSON, cut short. */
function show(v: unknown): string {
  const text = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return text.length > 60 ? text.slice(0, 57) + '…' : text;
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

/**
 * Checks one record and builds its row; throws BadLine naming the first
 * field that is wrong. CSV values are text (null for an empty cell) and are
 * converted; NDJSON values must already have their JSON type.
 */
export function validateRecord(line: number, record: Record<string, unknown>, source: ImportFormat, opts: ValidateOptions): ImportRow {
  const bad = (reason: string): never => {
    throw new BadLine(line, reason);
  };
  for (const key of Object.keys(record)) {
    if (!IMPORT_FIELDS.includes(key)) bad(`unknown field '${key}' ${FIELDS_HINT}`);
  }
  for (const f of REQUIRED_FIELDS) if (!Object.hasOwn(record, f)) bad(`${f} is missing`);

  const now = instantFromDate(opts.now);
  const out: Record<string, unknown> = {
    ...structuredClone(MODEL_DEFAULTS),
    duration_ms: null,
    success: null,
    result: null,
    error_message: null,
    worker_id: null,
    expire_time: null,
    start_time: null,
    finish_time: null,
    created_at: now,
    updated_at: now,
    user_id: null,
  };
  const given: string[] = [];
  for (const [field, kind] of Object.entries(SPEC)) {
    if (!Object.hasOwn(record, field)) continue;
    const column = kind.column ?? field;
    out[column] = convert(field, kind, record[field], source, bad);
    if (!opts.target.storesNul && hasNul(out[column])) bad(`${field} contains a NUL character (\\u0000), which ${opts.target.productName} cannot store`);
    given.push(column);
  }

  let id: number | null = null;
  if (Object.hasOwn(record, 'id')) {
    const raw = record.id;
    if (raw !== null && raw !== undefined) {
      const n = source === 'csv' && typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) bad(`id must be a whole number ≥ 1 (or null), not ${show(raw)}`);
      id = n as number;
    }
  }

  let userDisplay: string | null = null;
  if (Object.hasOwn(record, 'user_display')) {
    const v = record.user_display;
    if (v !== null && v !== undefined && typeof v !== 'string') bad(`user_display must be text or null, not ${typeName(v)}`);
    userDisplay = (v as string | null | undefined) ?? null;
  }

  given.sort((a, b) => COLUMNS.indexOf(a as never) - COLUMNS.indexOf(b as never));
  return { line, id, given, values: out as unknown as TaskLogColumns<Instant>, userDisplay };
}

function convert(field: string, kind: Kind, raw: unknown, source: ImportFormat, bad: (reason: string) => never): unknown {
  const csv = source === 'csv';
  // a CSV cell is text; null is an empty (unquoted) cell
  const value = raw === undefined ? null : raw;
  switch (kind.t) {
    case 'text': {
      if (value === null) {
        if (kind.required) return bad(`${field} is empty`);
        return null;
      }
      if (typeof value !== 'string') return bad(`${field} must be text${kind.nullable ? ' or null' : ''}, not ${typeName(value)}`);
      if (kind.required && value === '') return bad(`${field} is empty`);
      if (kind.max !== undefined) {
        const length = [...value].length;
        if (length > kind.max) return bad(`${field} has ${length} characters; the column holds ${kind.max}`);
      }
      return value;
    }
    case 'status': {
      if (value === null) return bad('status is empty');
      if (typeof value !== 'string' || !(STATUSES as readonly string[]).includes(value)) {
        return bad(`status ${show(value)} is not one of ${STATUSES.join(', ')}`);
      }
      return value;
    }
    case 'int': {
      const range = `a whole number from ${INT32.min} to ${INT32.max}${kind.nullable ? ' or null' : ''}`;
      if (value === null) return kind.nullable ? null : bad(`${field} is empty; it must be ${range}`);
      const n = csv && typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < INT32.min || n > INT32.max) return bad(`${field} must be ${range}, not ${show(value)}`);
      return n;
    }
    case 'bool': {
      if (value === null || typeof value === 'boolean') return value;
      if (csv && typeof value === 'string') {
        const s = value.toLowerCase();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
      }
      return bad(`success must be true, false or null, not ${show(value)}`);
    }
    case 'json': {
      if (value === null) return bad(`${field} is ${csv ? 'empty' : 'null'}; it must be a JSON value (the column is NOT NULL)`);
      if (!csv) return value;
      try {
        return JSON.parse(value as string);
      } catch {
        return bad(`${field} is not JSON: ${show(value)}`);
      }
    }
    case 'time': {
      if (value === null) return kind.nullable ? null : bad(`${field} is ${csv ? 'empty' : 'null'}; it must be a time`);
      if (typeof value !== 'string') return bad(`${field} must be an ISO 8601 time in a string, not ${typeName(value)}`);
      const t = parseTimeStrict(value);
      if ('error' in t) return bad(`${field} ${show(value)} ${t.error}`);
      return t.instant;
    }
  }
}
