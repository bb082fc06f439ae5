#!/usr/bin/env node
// The "raw driver" baseline: the smallest Node program that gives the same
// answer as a tasklog command — import the driver tasklog uses, connect, run
// the hand-written SQL, print the rows as JSON. Any Node CLI pays this much.
// Usage: node bench/raw.mjs sqlite|postgres FILE|URL rows|stream SQL [SQL…]
//   rows    one JSON document: an array with the rows of each statement
//   stream  one JSON line per row of the single statement, with backpressure
//           (PostgreSQL: a cursor, 5,000 rows a fetch)
const [backend, target, mode, ...statements] = process.argv.slice(2);

const out = process.stdout;
let pending = '';
async function emit(text, flush = false) {
  pending += text;
  if (pending.length >= 65536 || flush) {
    const ok = out.write(pending);
    pending = '';
    if (!ok) await new Promise((r) => out.once('drain', r));
  }
}

if (backend === 'sqlite') {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(target, { readonly: true });
  if (mode === 'stream') {
    for (const row of db.prepare(statements[0]).iterate()) await emit(JSON.stringify(row) + '\n');
    await emit('', true);
  } else {
    out.write(JSON.stringify(statements.map((s) => db.prepare(s).all())) + '\n');
  }
  db.close();
} else {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  if (mode === 'stream') {
    await client.query('BEGIN');
    await client.query(`DECLARE c NO SCROLL CURSOR FOR ${statements[0]}`);
    for (;;) {
      const { rows } = await client.query('FETCH 5000 FROM c');
      for (const row of rows) await emit(JSON.stringify(row) + '\n');
      if (rows.length < 5000) break;
    }
    await emit('', true);
    await client.query('COMMIT');
  } else {
    const results = [];
    for (const s of statements) results.push((await client.query(s)).rows);
    out.write(JSON.stringify(results) + '\n');
  }
  await client.end();
}
