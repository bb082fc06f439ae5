#!/usr/bin/env node
// Whole-process cost of loading one SQLite driver, opening a file and running one query
// (time it from outside: `time node bench/sqlite-open.mjs better-sqlite3 FILE`).
// Usage: node bench/sqlite-open.mjs sqlite3|better-sqlite3 FILE   (sqlite3: npm install --no-save sqlite3)
const [driver, filename] = process.argv.slice(2);
const sql = 'select count(*) as n from django_cfg_task_log';
if (driver === 'better-sqlite3') {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(filename, { readonly: true });
  db.prepare(sql).get();
  db.close();
} else if (driver === 'sqlite3') {
  const sqlite3 = (await import('sqlite3')).default;
  const db = new sqlite3.Database(filename, sqlite3.OPEN_READONLY);
  await new Promise((resolve, reject) => db.get(sql, (err) => (err ? reject(err) : resolve())));
  await new Promise((resolve) => db.close(resolve));
} else {
  process.stderr.write('usage: node bench/sqlite-open.mjs sqlite3|better-sqlite3 FILE\n');
  process.exit(2);
}
