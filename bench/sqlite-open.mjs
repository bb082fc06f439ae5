#!/usr/bin/env node
// Whole-process cost of loading knex with one SQLite driver, opening a file and running one query.
// Usage: node bench/sqlite-open.mjs sqlite3|better-sqlite3 FILE
import knexFactory from 'knex';
const [client, filename] = process.argv.slice(2);
const knex = knexFactory({ client, connection: { filename }, useNullAsDefault: true });
await knex.raw('select count(*) from django_cfg_task_log');
await knex.destroy();
