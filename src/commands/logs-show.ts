import { withDb } from '../toolkit/database.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { ReadFlags } from '../toolkit/logs.js';
import { output } from '../toolkit/output.js';

export const spec: CommandSpec<ReadFlags> = {
  path: ['logs', 'show'],
  summary: 'one row in full: task, arguments, performance, result, error',
  description:
    'Takes a row id or a job_id. --json prints the API\'s detail fields: the list fields plus args, kwargs, result, ' +
    'error_message, duration_seconds, job_retry, job_retry_after, worker_id, expire_time, created_at, updated_at, ' +
    'user and user_display.',
  args: [{ name: 'id|job_id', description: 'the row id or its job_id', required: true }],
  options: [JSON_OPTION],
  examples: [
    { command: 'tasklog logs show 123', description: 'by id' },
    { command: 'tasklog logs show efdfd9dc3a2e4c68a92a6362d83cd9c7 --json', description: 'by job id, as JSON' },
  ],
  async run(opts: ReadFlags, ctx: Ctx, args: string[]) {
    const ref = args[0];
    const { LogReader, notFound } = await import('../query/logs.js');
    const row = await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const found = await new LogReader(db, ctx.now()).find(ref);
      if (!found) throw notFound(ref, db);
      return found;
    });
    const { toDetail } = await import('../query/present.js');
    await output(opts, ctx).print(toDetail(row), async (term) => (await import('../render/logs.js')).renderDetail(row, term));
  },
};
