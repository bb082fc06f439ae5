#!/usr/bin/env node
// The cases of bench/where.mjs in one process, without the process around them: the
// query each command sends, built from the flags (parsed as the flags are) or from the
// --where text (parsed and compiled on every run, as a command would), alternating,
// medians and their ratio — what is left when a shared machine's noise in starting
// processes is taken away. Also prints whether both built the same statement, and on
// PostgreSQL whether EXPLAIN gives both the same plan (the indexes they use).
//
//   node bench/where-query.mjs [--runs 15] [--backends sqlite,postgres] [--sizes 1m,1m-shuffled]
//
// Reads the tables of bench/run.mjs; never writes to them (PostgreSQL sessions read-only).
import { join } from 'node:path';
import { connect } from '../dist/src/db/connect.js';
import { activeFilters, filterCondition, FILTERS, parseFilterValue } from '../dist/src/query/filters.js';
import { LogReader, parseOrdering, ESTIMATE_FROM } from '../dist/src/query/logs.js';
import { StatsQuery } from '../dist/src/query/stats.js';
import { timeline } from '../dist/src/query/timeline.js';
import { errorReport } from '../dist/src/query/errors.js';
import { resolveWindow } from '../dist/src/query/window.js';
import { parseWhere } from '../dist/src/query/where.js';
import { CASES } from './lib/where-cases.mjs';
import { pgUrl } from './lib/data.mjs';
import { DATA_DIR, NOW, TABLE } from './lib/env.mjs';
import { median } from './lib/measure.mjs';

const opts = { runs: 15, backends: ['sqlite', 'postgres'], sizes: ['1m', '1m-shuffled'] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--backends') opts.backends = process.argv[++i].split(',');
  else if (a === '--sizes') opts.sizes = process.argv[++i].split(',');
  else {
    process.stderr.write(`bench/where-query: unknown argument ${a}\n`);
    process.exit(2);
  }
}

/** A case's flags as the filter values commander would give: --flag value, or a bare flag (true). */
function flagValues(argv) {
  const values = {};
  for (let i = 0; i < argv.length; i++) {
    const def = FILTERS.find((f) => f.option.flags.split(' ')[0] === argv[i]);
    if (!def) throw new Error(`not a filter flag: ${argv[i]}`);
    const bare = argv[i + 1] === undefined || argv[i + 1].startsWith('--');
    values[def.name] = bare ? true : parseFilterValue(def, argv[++i]);
  }
  return values;
}

const now = new Date(NOW);
const order = parseOrdering('-enqueue_time');
/** What each command asks of the database for a case, given its filters. */
const QUERIES = {
  'list-page': async (db, filters) => {
    const reader = new LogReader(db, now);
    const query = { filters, order };
    await Promise.all([reader.countForPage(query, ESTIMATE_FROM), reader.page(query, 1, 20)]);
  },
  stats: (db, filters) => new StatsQuery(db, { window: resolveWindow({ periodHours: 168 }, now), condition: filterCondition(db, now, { filters }) }).summary(),
  timeline: (db, filters) => timeline(db, resolveWindow({ periodHours: 168 }, now), 'hour', 'UTC', filterCondition(db, now, { filters })),
  errors: (db, filters) => errorReport(db, resolveWindow({ periodHours: 168 }, now), 10, filterCondition(db, now, { filters })),
  'export-day': async (db, filters) => {
    for await (const _ of new LogReader(db, now).stream({ filters, order })) void _;
  },
};
QUERIES['list-contains'] = QUERIES['list-page'];

const targets = [];
for (const backend of opts.backends) for (const size of opts.sizes) targets.push({ key: `${backend}:${size}`, url: backend === 'sqlite' ? join(DATA_DIR, `tasklog-${size}.sqlite`) : pgUrl(`tasklog_bench_${size.replace(/-/g, '_')}`) });

console.log(`the query alone, in one process: ${opts.runs} alternating runs each, medians (ms); the machine is shared\n`);
console.log(['target', 'case', 'flags ms', 'where ms', 'ratio', 'same SQL', 'same plan'].join('\t'));
const ratios = [];
for (const t of targets) {
  const settings = { url: t.url, source: '--db', table: TABLE, userTable: 'auth_user', connectTimeoutMs: 10_000 };
  const db = await connect(settings, process.cwd(), { requireTable: true, session: { readOnly: true } });
  try {
    for (const c of CASES) {
      const byFlags = () => activeFilters(flagValues(c.flags));
      const byWhere = () => activeFilters({ where: parseWhere(c.where) });
      // the statements each sends, recorded once
      const record = async (filters) => {
        const seen = [];
        const recording = Object.create(db, { query: { value: (sql, b = []) => (seen.push({ sql, b }), db.query(sql, b)) } });
        await QUERIES[c.id](recording, filters());
        return seen;
      };
      const [sf, sw] = [await record(byFlags), await record(byWhere)];
      const key = (xs) => JSON.stringify(xs.map((x) => [x.sql, x.b]).sort());
      const sameSql = key(sf) === key(sw);
      let samePlan = '—';
      if (t.key.startsWith('postgres')) {
        const plan = async (xs) => JSON.stringify(await Promise.all(xs.map(async (x) => (await db.query(`EXPLAIN (FORMAT JSON) ${x.sql}`, x.b))[0])).then((ps) => ps.sort()));
        samePlan = (await plan(sf)) === (await plan(sw)) ? 'yes' : 'NO';
      }
      const times = { flags: [], where: [] };
      for (let i = -1; i < opts.runs; i++) {
        for (const side of i % 2 === 0 ? ['flags', 'where'] : ['where', 'flags']) {
          const started = process.hrtime.bigint();
          await QUERIES[c.id](db, side === 'flags' ? byFlags() : byWhere());
          if (i >= 0) times[side].push(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }
      const f = median(times.flags);
      const w = median(times.where);
      ratios.push(w / f);
      console.log([t.key, c.id, f.toFixed(1), w.toFixed(1), (w / f).toFixed(3), sameSql ? 'yes' : 'NO', samePlan].join('\t'));
    }
  } finally {
    await db.close();
  }
}
console.log(`\nratio where/flags: median ${median(ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)} over ${ratios.length} cases`);
const t0 = process.hrtime.bigint();
for (let i = 0; i < 10_000; i++) for (const c of CASES) parseWhere(c.where);
console.log(`parsing an expression: ${(Number(process.hrtime.bigint() - t0) / 1e6 / (10_000 * CASES.length) * 1000).toFixed(1)} µs`);
