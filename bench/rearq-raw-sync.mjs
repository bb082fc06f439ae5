#!/usr/bin/env node
// The hand-written baseline of `tasklog sync rearq`: the same mapping (README, "ReArq") written
// straight against the driver — jobs and their attempts read in two ordered passes and merged,
// rows upserted by job_id into an existing task log table in one transaction.
//   node bench/rearq-raw-sync.mjs sqlite|postgres REARQ TARGET [AFTER_JOB_ID]
// Only jobs with an id above AFTER_JOB_ID (default 0) are read: the incremental case's new jobs.
const [backend, rearqUrl, targetUrl, afterArg] = process.argv.slice(2);
const after = Number(afterArg ?? 0);
const TABLE = 'django_cfg_task_log';
const COLS = ['job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'status', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'success', 'result', 'error_message', 'worker_id', 'enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at', 'user_id'];
const UPDATE = COLS.filter((c) => c !== 'job_id' && c !== 'user_id' && c !== 'queue_name');
const WRAP = /^Run job error(?: in NO\.\d+ times)?, exc: ([\s\S]*?)(?:, retry after \d+ seconds)?$/;

/** text or Date → [epoch seconds, micros] */
function us(v) {
  if (v === null || v === undefined) return null;
  const s = String(v);
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(s);
  return Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number((m[3] ?? '').padEnd(6, '0').slice(0, 6));
}
function iso(micros) {
  if (micros === null) return null;
  const ms = Math.floor(micros / 1000);
  const frac = micros % 1_000_000;
  return new Date(ms).toISOString().slice(0, 19) + (frac ? '.' + String(frac).padStart(6, '0') : '');
}
// Django's JSONField text (json.dumps: ", " and ": ", non-ASCII escaped), as the task log holds it
const esc = (t) => t.replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
const asciiJson = (v) =>
  v === null ? 'null' : Array.isArray(v) ? '[' + v.map(asciiJson).join(', ') + ']'
    : typeof v === 'object' ? '{' + Object.entries(v).map(([k, x]) => esc(JSON.stringify(k)) + ': ' + asciiJson(x)).join(', ') + '}'
    : typeof v === 'string' ? esc(JSON.stringify(v)) : String(v);

function map(job, last, sqlite) {
  const parse = (v) => (v === null ? null : typeof v === 'string' ? JSON.parse(v) : v);
  const enq = us(job.enqueue_time);
  const st = last ? us(last.start_time) : null;
  const fi = last ? us(last.finish_time) : null;
  const ok = last ? last.success === true || last.success === 1 : job.status === 'success' ? true : job.status === 'failed' ? false : null;
  let error = null;
  if (last && !ok && last.result !== null) {
    const m = WRAP.exec(last.result);
    error = m && m[1].trim() ? m[1] : last.result.trim();
  }
  const t = (x) => (x === null ? null : sqlite ? iso(x).replace('T', ' ') : iso(x) + 'Z');
  const json = (v) => (sqlite ? asciiJson(v) : JSON.stringify(v));
  return [
    job.job_id, job.task, 'default', json(parse(job.args) ?? []), json(parse(job.kwargs) ?? {}), job.status,
    st !== null && fi !== null ? Math.trunc((fi - st) / 1000) : null, job.job_retry, job.job_retries, job.job_retry_after,
    ok === null ? null : sqlite ? Number(ok) : ok, last && ok ? last.result : null, error, last ? last.worker : null,
    t(enq), t(us(job.expire_time)), t(st), t(fi), t(enq), t(Math.max(enq, st ?? 0, fi ?? 0)), null,
  ];
}

if (backend === 'sqlite') {
  const Database = (await import('better-sqlite3')).default;
  const src = new Database(rearqUrl, { readonly: true });
  const dst = new Database(targetUrl);
  dst.pragma('foreign_keys = OFF'); // as tasklog's connection: the task table references a user table that may be missing
  const q = (c) => `"${c}"`;
  const ins = dst.prepare(`INSERT INTO ${q(TABLE)} (${COLS.map(q).join(', ')}) VALUES (${COLS.map(() => '?').join(', ')}) ON CONFLICT (job_id) DO UPDATE SET ${UPDATE.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`);
  const results = src.prepare('SELECT * FROM rearq_job_results WHERE job_id > ? ORDER BY job_id, start_time, id').iterate(after);
  let r = results.next();
  dst.transaction(() => {
    for (const job of src.prepare('SELECT * FROM rearq_job WHERE id > ? ORDER BY id').iterate(after)) {
      let last = null;
      while (!r.done && r.value.job_id <= job.id) {
        if (r.value.job_id === job.id) last = r.value;
        r = results.next();
      }
      ins.run(...map(job, last, true));
    }
  })();
  src.close();
  dst.close();
} else {
  const pg = (await import('pg')).default;
  const src = new pg.Client({ connectionString: rearqUrl, options: '-c TimeZone=UTC' });
  const src2 = new pg.Client({ connectionString: rearqUrl, options: '-c TimeZone=UTC' });
  const dst = new pg.Client({ connectionString: targetUrl, options: '-c TimeZone=UTC' });
  for (const c of [src, src2]) c.setTypeParser(1184, (v) => v);
  await Promise.all([src.connect(), src2.connect(), dst.connect()]);
  await src.query('BEGIN');
  await src.query(`DECLARE j NO SCROLL CURSOR FOR SELECT * FROM rearq_job WHERE id > ${after} ORDER BY id`);
  await src2.query('BEGIN');
  await src2.query(`DECLARE r NO SCROLL CURSOR FOR SELECT * FROM rearq_job_results WHERE job_id > ${after} ORDER BY job_id, start_time, id`);
  await dst.query('BEGIN');
  let rbuf = [];
  let ri = 0;
  let rdone = false;
  const nextResult = async () => {
    if (ri >= rbuf.length && !rdone) {
      rbuf = (await src2.query('FETCH 5000 FROM r')).rows;
      ri = 0;
      if (!rbuf.length) rdone = true;
    }
    return ri < rbuf.length ? rbuf[ri] : null;
  };
  const flush = async (rows) => {
    if (!rows.length) return;
    const values = [];
    const tuples = rows.map((row, k) => `(${row.map((_, i) => `$${k * COLS.length + i + 1}`).join(', ')})`);
    for (const row of rows) values.push(...row);
    await dst.query(`INSERT INTO ${TABLE} (${COLS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (job_id) DO UPDATE SET ${UPDATE.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`, values);
  };
  let batch = [];
  for (;;) {
    const { rows } = await src.query('FETCH 5000 FROM j');
    if (!rows.length) break;
    for (const job of rows) {
      let last = null;
      for (let r = await nextResult(); r && r.job_id <= job.id; r = await nextResult()) {
        if (r.job_id === job.id) last = r;
        ri++;
      }
      batch.push(map(job, last, false));
      if (batch.length >= 1000) await flush(batch), (batch = []);
    }
  }
  await flush(batch);
  await dst.query('COMMIT');
  await Promise.all([src.end(), src2.end(), dst.end()]);
}
