import { EXIT, UsageError } from '../core/errors.js';
import { isInteractive, type Ctx } from '../core/io.js';
import type { CommandSpec } from '../toolkit/spec.js';

export const spec: CommandSpec<import('../ui/init.js').InitOptions> = {
  path: ['init'],
  summary: 'a wizard that writes the config file: database, connection test, table, user table, thresholds',
  description:
    'Asks for the database (SQLite, PostgreSQL, MySQL/MariaDB) and its connection details, tests the connection ' +
    'and says what it found, offers the tables that look like a task log, checks the user table, optionally the ' +
    'health and alert thresholds, and writes ./tasklog.config.json (with --global: $XDG_CONFIG_HOME/tasklog/config.json). ' +
    'A password is not written unless you say so: the file names an environment variable to read it from ' +
    '(passwordEnv, TASKLOG_DB_PASSWORD by default). Run again, it offers the current values (--db, --table and ' +
    '--user-table offer theirs instead). Needs a terminal.',
  options: [{ flags: '--global', description: 'write the per-user config file ($XDG_CONFIG_HOME/tasklog/config.json) instead of ./tasklog.config.json' }],
  exitCodes: { [EXIT.INTERRUPTED]: 'cancelled with Ctrl-C; nothing written' },
  examples: [
    { command: 'tasklog init', description: 'set up ./tasklog.config.json for this project' },
    { command: 'tasklog init --global', description: 'set up the per-user default' },
  ],
  async run(opts: import('../ui/init.js').InitOptions, ctx: Ctx) {
    if (!isInteractive(ctx)) {
      throw new UsageError(
        'init is an interactive wizard and needs a terminal (stdin and stdout); off one, pass --db URL (and --table, --user-table) ' +
          'to each command, set TASKLOG_DATABASE_URL or DATABASE_URL, or write tasklog.config.json yourself (see README, "Choosing the database")',
      );
    }
    const { initWizard } = await import('../ui/init.js');
    return initWizard(ctx, opts);
  },
};
