/**
 * The TaskLog table as Django's migration creates it: column list and the
 * index names Django derives from the table name (so a custom --table gets
 * the names Django itself would give it).
 */
import { createHash } from 'node:crypto';

export const COLUMNS = [
  'id',
  'job_id',
  'task_name',
  'queue_name',
  'args',
  'kwargs',
  'status',
  'duration_ms',
  'job_retry',
  'job_retries',
  'job_retry_after',
  'success',
  'result',
  'error_message',
  'worker_id',
  'enqueue_time',
  'expire_time',
  'start_time',
  'finish_time',
  'created_at',
  'updated_at',
  'user_id',
] as const;

export type Column = (typeof COLUMNS)[number];

/** The columns that make a table look like a task log (what `init` offers as the table). */
export const SIGNATURE_COLUMNS: readonly Column[] = ['job_id', 'task_name', 'queue_name', 'status', 'enqueue_time', 'job_retries'];

/**
 * The columns of a task log row other than id, with the type its times take:
 * T for the NOT NULL times (enqueue_time, created_at, updated_at), N for the
 * nullable ones. Read rows carry ISO strings; rows to write carry microseconds.
 */
export interface TaskLogColumns<T, N = T | null> {
  job_id: string;
  task_name: string;
  queue_name: string;
  args: unknown;
  kwargs: unknown;
  status: string;
  duration_ms: number | null;
  job_retry: number;
  job_retries: number;
  job_retry_after: number;
  success: boolean | null;
  result: string | null;
  error_message: string | null;
  worker_id: string | null;
  enqueue_time: T;
  expire_time: N;
  start_time: N;
  finish_time: N;
  created_at: T;
  updated_at: T;
  user_id: number | null;
}


/** django.db.backends.utils.names_digest */
function namesDigest(args: string[], length: number): string {
  const h = createHash('md5');
  for (const a of args) h.update(a);
  return h.digest('hex').slice(0, length);
}

/** The unqualified part of a possibly schema-qualified table name. */
export function bareTable(table: string): string {
  const dot = table.lastIndexOf('.');
  return dot >= 0 ? table.slice(dot + 1) : table;
}

/** models.Index(fields=[...]).set_name_with_model: `django_cfg__task_na_e84031_idx`. */
export function metaIndexName(table: string, fields: string[]): string {
  const t = bareTable(table);
  const columns = fields.map((f) => f.replace(/^-/, ''));
  const hash = namesDigest([t, ...fields, 'idx'], 6);
  let name = `${t.slice(0, 11)}_${columns[0].slice(0, 7)}_${hash}_idx`;
  if (name[0] === '_' || /\d/.test(name[0])) name = 'D' + name.slice(1);
  return name;
}

/** BaseDatabaseSchemaEditor._create_index_name: `django_cfg_task_log_status_33f79925[suffix]`. */
export function createIndexName(table: string, columns: string[], suffix: string, maxLength: number | null): string {
  const t = bareTable(table);
  let hashSuffix = namesDigest([t, ...columns], 8) + suffix;
  const max = maxLength ?? 200;
  let name = `${t}_${columns.join('_')}_${hashSuffix}`;
  if (name.length <= max) return name;
  if (hashSuffix.length > max / 3) hashSuffix = hashSuffix.slice(0, Math.floor(max / 3));
  const other = Math.floor((max - hashSuffix.length) / 2) - 1;
  name = `${t.slice(0, other)}_${columns.join('_').slice(0, other)}_${hashSuffix}`;
  if (name[0] === '_' || /\d/.test(name[0])) name = 'D' + name.slice(0, -1);
  return name;
}

/** Meta.indexes of the model, in declaration order. */
export const META_INDEXES: string[][] = [
  ['task_name', '-enqueue_time'],
  ['status', '-enqueue_time'],
  ['queue_name', 'status'],
  ['success', '-enqueue_time'],
  ['-created_at'],
];

/** Fields with db_index=True (job_id is unique, which is its own index) and the FK. */
export const DB_INDEX_COLUMNS = ['task_name', 'queue_name', 'status', 'enqueue_time', 'user_id'] as const;

/**
 * Every index Django's migration creates (besides the primary key and the
 * job_id unique constraint), by name, with its columns. On MySQL Django
 * creates no separate user_id index: the foreign key's own index serves.
 */
export function expectedIndexes(table: string, maxLength: number | null, backend?: string): { name: string; columns: string[] }[] {
  const single = DB_INDEX_COLUMNS.filter((c) => !(backend === 'mysql' && c === 'user_id'));
  return [
    ...META_INDEXES.map((fields) => ({ name: metaIndexName(table, fields), columns: fields.map((f) => f.replace(/^-/, '')) })),
    ...single.map((c) => ({ name: createIndexName(table, [c], '', maxLength), columns: [c] })),
  ];
}

/**
 * tasklog's own indexes, made only on request (`migrate --search-index`,
 * `--report-index`): a `tasklog_` prefix keeps them apart from Django's,
 * whose migrations neither create nor drop an index they did not name.
 */
export const OWN_INDEX_KINDS = ['search', 'report'] as const;
export type OwnIndexKind = (typeof OWN_INDEX_KINDS)[number];

/** `tasklog_<table>_<kind>`, the table cut and a digest added where the name would pass the database's limit. */
export function ownIndexName(table: string, kind: OwnIndexKind, maxLength: number | null): string {
  const t = bareTable(table);
  const name = `tasklog_${t}_${kind}`;
  // room for the SQLite triggers' and FTS5 shadow tables' suffixes (_insert, _docsize …) under PostgreSQL's and MySQL's limit
  const max = (maxLength ?? 200) - 8;
  if (name.length <= max) return name;
  const digest = namesDigest([t, kind], 8);
  return `tasklog_${t.slice(0, max - 'tasklog_'.length - digest.length - kind.length - 2)}_${digest}_${kind}`;
}

/**
 * The text columns `--search` looks in (with the user's username and email) and the search index holds, in this order:
 * task name, job id, queue, error, worker.
 */
export const SEARCH_COLUMNS = ['task_name', 'job_id', 'queue_name', 'error_message', 'worker_id'] as const;
export type SearchColumn = (typeof SEARCH_COLUMNS)[number];
