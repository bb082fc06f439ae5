/**
 * `logs browse`: the list, the detail and the related rows of the other logs
 * commands, on one terminal screen, with filters picked or typed. The rows
 * come from the same LogReader (page, count, find, related), are drawn by the
 * same renderers (renderList with listColumns, renderDetail, badges) and
 * filtered by the same FILTERS, parsed as their flags are.
 */
import { terminalHeight, terminalWidth, type Ctx } from '../core/io.js';
import { EXIT } from '../core/errors.js';
import type { Db } from '../db/connect.js';
import type { TaskLogRow } from '../db/decode.js';
import { activeFilters, filterArgs, filterNamed, parseFilterValue } from '../query/filters.js';
import { DEFAULT_ORDERING, ESTIMATE_FROM, LogReader, parseOrdering } from '../query/logs.js';
import { STATUSES } from '../query/status.js';
import { formatInt } from '../render/format.js';
import { listColumns, pageFooter, renderDetail, renderList, type ViewOptions } from '../render/logs.js';
import { queueBadge, statusBadge } from '../render/style.js';
import { screen, type Binding, type ScreenConfig } from './screen.js';
import { ESC } from '../core/terminal.js';
import { isPromptExit, onAlternateScreen, promptContext, toValidator } from './terminal.js';

/** Filter values by filter name, as parsed ('status', 'is_failed', 'since'). */
export type FilterValues = Record<string, unknown>;

export interface BrowseOptions {
  filters: FilterValues;
  pageSize?: number;
  view: ViewOptions;
}

type Screen =
  | { kind: 'list'; active: number }
  | { kind: 'detail'; row: TaskLogRow }
  | { kind: 'related'; row: TaskLogRow; active: number };

/** lines around the rows of a list screen: title, filters, blank, header, rule, blank, footer, help */
const LIST_CHROME = 8;

const QUIT: Binding = { keys: ['q'], action: 'quit', help: 'q quit' };
const BACK: Binding = { keys: ['b', 'escape', 'left', 'backspace'], action: 'back', help: 'b/esc back' };

/** Which filter keys each menu entry sets (and clears when "any" is chosen). */
const OWNS = {
  status: ['status', 'status_in', 'is_failed', 'is_successful', 'is_completed'],
  task: ['task', 'task_name', 'task_name_exact'],
  queue: ['queue_name', 'queue_name_in'],
  time: ['since', 'until', 'created_after', 'created_before'],
  search: ['search'],
} as const;

type MenuEntry = keyof typeof OWNS;

/** Runs the browser until q or Ctrl-C; the exit code (0, or 130 for Ctrl-C). */
export async function browse(db: Db, ctx: Ctx, options: BrowseOptions): Promise<number> {
  return onAlternateScreen(ctx, async () => {
    try {
      await new Browser(db, ctx, options).run();
      return EXIT.OK;
    } catch (err) {
      if (isPromptExit(err)) return EXIT.INTERRUPTED;
      throw err;
    }
  });
}

class Browser {
  private readonly reader: LogReader;
  private filters: FilterValues;
  private page = 1;
  private readonly pageSize: number;
  private readonly width: number;
  private readonly height: number;
  private message = '';

  constructor(
    private readonly db: Db,
    private readonly ctx: Ctx,
    private readonly options: BrowseOptions,
  ) {
    this.reader = new LogReader(db, ctx.now());
    this.filters = { ...options.filters };
    this.width = terminalWidth(ctx);
    this.height = terminalHeight(ctx);
    this.pageSize = options.pageSize ?? Math.max(3, this.height - LIST_CHROME - 1);
  }

  private get view(): ViewOptions {
    // two columns for the cursor in front of every row
    return { ...this.options.view, width: this.width - 2 };
  }

  async run(): Promise<void> {
    const stack: Screen[] = [{ kind: 'list', active: 0 }];
    while (stack.length > 0) {
      const current = stack[stack.length - 1];
      const next = current.kind === 'list' ? await this.list(current) : current.kind === 'detail' ? await this.detail(current.row) : await this.related(current);
      if (next === 'quit') return;
      if (next === 'back') stack.pop();
      else if (next) stack.push(next);
    }
  }

  private async show(config: Omit<ScreenConfig, 'top'> & { title: string; subtitle?: string }) {
    const top = [this.options.view.style.c.bold(config.title)];
    if (config.subtitle !== undefined) top.push(config.subtitle);
    if (this.message) top.push(this.options.view.style.c.yellow(this.message));
    this.message = '';
    top.push('');
    this.ctx.stdout.write(ESC.clear);
    return screen({ ...config, top }, this.promptIo);
  }

  private query() {
    return { filters: activeFilters(this.filters), order: parseOrdering(DEFAULT_ORDERING) };
  }

  private describeFilters(): string {
    const args = filterArgs(activeFilters(this.filters));
    return args.length ? `filters: ${args.map(shellWord).join(' ')}` : 'filters: none (f to filter, / to search)';
  }

  /** The total of the current filters, counted once per set of filters (not on every page turn), estimated as `logs list` does. */
  private counted: { key: string; total: Promise<{ count: number; estimated: boolean }> } | null = null;

  private total(query: ReturnType<Browser['query']>): Promise<{ count: number; estimated: boolean }> {
    const key = JSON.stringify(filterArgs(query.filters));
    if (this.counted?.key !== key) this.counted = { key, total: this.reader.countForPage(query, ESTIMATE_FROM) };
    return this.counted.total;
  }

  private async list(state: { active: number }): Promise<Screen | 'back' | 'quit' | null> {
    const query = this.query();
    const [{ count, estimated }, rows] = await Promise.all([this.total(query), this.reader.page(query, this.page, this.pageSize)]);
    const [header, rule, ...lines] = renderList(rows, listColumns(this.view), this.view).replace(/\n$/, '').split('\n');
    const pages = Math.max(1, Math.ceil(count / this.pageSize));
    const answer = await this.show({
      title: `Task logs · ${this.db.target.display} · ${this.db.table}`,
      subtitle: this.describeFilters(),
      header: [header, rule],
      body: rows.length ? lines : [],
      mode: 'choose',
      height: this.pageSize,
      footer: [`${pageFooter(this.page, this.pageSize, rows.length, count, estimated)} · page ${formatInt(this.page)} of ${estimated ? 'about ' : ''}${formatInt(pages)}`],
      active: state.active,
      bindings: [
        { keys: [], action: 'open', help: '⏎ open' },
        { keys: ['n', 'right', 'pagedown'], action: 'next', help: 'n/p next/previous page' },
        { keys: ['p', 'left', 'pageup'], action: 'previous' },
        { keys: ['f'], action: 'filter', help: 'f filter' },
        { keys: ['/'], action: 'search', help: '/ search' },
        { keys: ['c'], action: 'clear', help: 'c clear filters' },
        QUIT,
      ],
    });
    state.active = answer.index;
    switch (answer.action) {
      case 'open':
        return { kind: 'detail', row: rows[answer.index] };
      case 'next':
        if (this.page < pages) [this.page, state.active] = [this.page + 1, 0];
        else this.message = 'this is the last page';
        return null;
      case 'previous':
        if (this.page > 1) [this.page, state.active] = [this.page - 1, 0];
        else this.message = 'this is the first page';
        return null;
      case 'filter':
        if (await this.filterMenu()) [this.page, state.active] = [1, 0];
        return null;
      case 'search':
        await this.askSearch();
        [this.page, state.active] = [1, 0];
        return null;
      case 'clear':
        this.filters = {};
        [this.page, state.active] = [1, 0];
        return null;
      default:
        return 'quit';
    }
  }

  /** `logs show`, scrollable; r for the related rows. */
  private async detail(row: TaskLogRow): Promise<Screen | 'back' | 'quit' | null> {
    const lines = renderDetail(row, this.options.view).replace(/\n$/, '').split('\n');
    const answer = await this.show({
      title: `Task log ${row.id} · ${row.task_name}`,
      body: lines,
      mode: 'scroll',
      height: Math.max(3, this.height - 6),
      footer: [],
      bindings: [{ keys: ['r'], action: 'related', help: 'r related rows' }, BACK, QUIT],
    });
    if (answer.action === 'related') return { kind: 'related', row, active: 0 };
    return answer.action as 'back' | 'quit';
  }

  /** `logs related`: the same job_id or task name, newest first. */
  private async related(state: { row: TaskLogRow; active: number }): Promise<Screen | 'back' | 'quit' | null> {
    const rows = await this.reader.related(state.row, this.pageSize);
    const [header, rule, ...lines] = renderList(rows, listColumns(this.view), this.view).replace(/\n$/, '').split('\n');
    const answer = await this.show({
      title: `Related to ${state.row.id} · job ${state.row.job_id} or task ${state.row.task_name}`,
      subtitle: 'newest first',
      header: [header, rule],
      body: rows.length ? lines : [],
      mode: 'choose',
      height: this.pageSize,
      footer: [rows.length ? `${formatInt(rows.length)} related rows` : 'no related rows'],
      active: state.active,
      bindings: [{ keys: [], action: 'open', help: '⏎ open' }, BACK, QUIT],
    });
    state.active = answer.index;
    if (answer.action === 'open') return { kind: 'detail', row: rows[answer.index] };
    return answer.action as 'back' | 'quit';
  }

  private set(name: string, raw: string): void {
    this.filters[name] = parseFilterValue(filterNamed(name), raw);
  }

  private clear(keys: readonly string[]): void {
    for (const k of keys) delete this.filters[k];
  }

  /** Picks one filter; true when the filters changed (the list then goes back to page 1). */
  private async filterMenu(): Promise<boolean> {
    const { select } = await import('@inquirer/prompts');
    const current = (keys: readonly string[]) => {
      const args = filterArgs(activeFilters(Object.fromEntries(keys.map((k) => [k, this.filters[k]]))));
      return args.length ? args.map(shellWord).join(' ') : 'any';
    };
    this.ctx.stdout.write(ESC.clear + this.describeFilters() + '\n\n');
    const which = await select<MenuEntry | 'back'>(
      {
        message: 'Filter by',
        choices: [
          { name: `Status       ${current(OWNS.status)}`, value: 'status' },
          { name: `Task         ${current(OWNS.task)}`, value: 'task' },
          { name: `Queue        ${current(OWNS.queue)}`, value: 'queue' },
          { name: `Time window  ${current(OWNS.time)}`, value: 'time' },
          { name: `Search       ${current(OWNS.search)}`, value: 'search' },
          { name: 'Back to the list', value: 'back' },
        ],
        pageSize: 10,
      },
      this.promptIo,
    );
    if (which === 'back') return false;
    const before = JSON.stringify(filterArgs(activeFilters(this.filters)));
    if (which === 'search') await this.askSearch();
    else {
      const choice = await this.pickers[which]();
      this.clear(OWNS[which]);
      if (choice) this.set(choice.name, choice.value);
    }
    return JSON.stringify(filterArgs(activeFilters(this.filters))) !== before;
  }

  private get promptIo() {
    return { ...promptContext(this.ctx), clearPromptOnDone: true };
  }

  /** One question per menu entry: the filter (name and typed value) it sets, or null for "any". */
  private readonly pickers: Record<Exclude<MenuEntry, 'search'>, () => Promise<{ name: string; value: string } | null>> = {
    status: () => this.pickStatus(),
    task: () => this.pickTask(),
    queue: () => this.pickQueue(),
    time: () => this.pickTime(),
  };

  private async pickStatus() {
    const { select } = await import('@inquirer/prompts');
    const { style } = this.options.view;
    const status = await select(
      {
        message: 'Status',
        choices: [
          { name: 'any status', value: '' },
          { name: `failed  ${style.c.gray('status failed or expired, or success false (--is-failed)')}`, value: 'is-failed' },
          ...STATUSES.map((s) => ({ name: statusBadge(style, s), value: s })),
        ],
        pageSize: STATUSES.length + 2,
      },
      this.promptIo,
    );
    if (status === 'is-failed') return { name: 'is_failed', value: 'true' };
    return status ? { name: 'status', value: status } : null;
  }

  private async pickTask() {
    const { search } = await import('@inquirer/prompts');
    const names = await this.distinct('task_name');
    return search<{ name: string; value: string } | null>(
      {
        message: 'Task (type to narrow; pick a name, or "contains")',
        source: (term) => {
          const t = (term ?? '').trim();
          const hits = names.filter((n) => n.toLowerCase().includes(t.toLowerCase()));
          return [
            ...(t ? [{ name: `task name contains "${t}"`, value: { name: 'task_name', value: t } }] : [{ name: 'any task', value: null }]),
            ...hits.map((n) => ({ name: n, value: { name: 'task', value: n } })),
          ];
        },
        pageSize: Math.max(5, this.height - 6),
      },
      this.promptIo,
    );
  }

  private async pickQueue() {
    const { select } = await import('@inquirer/prompts');
    const { style } = this.options.view;
    const queues = await this.distinct('queue_name');
    const queue = await select(
      { message: 'Queue', choices: [{ name: 'any queue', value: '' }, ...queues.map((q) => ({ name: queueBadge(style, q), value: q }))], pageSize: Math.max(5, this.height - 6) },
      this.promptIo,
    );
    return queue ? { name: 'queue_name', value: queue } : null;
  }

  private async pickTime() {
    const { select } = await import('@inquirer/prompts');
    const span = await select(
      {
        message: 'Created',
        choices: [
          { name: 'any time', value: '' },
          { name: 'in the last hour', value: '1h' },
          { name: 'in the last 24 hours', value: '24h' },
          { name: 'in the last 7 days', value: '7d' },
          { name: 'in the last 30 days', value: '30d' },
          { name: 'since… (type a time or span)', value: 'type' },
        ],
      },
      this.promptIo,
    );
    const since = span === 'type' ? await this.askTime() : span;
    return since ? { name: 'since', value: since } : null;
  }

  private async askTime(): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    const def = filterNamed('since');
    return input(
      {
        message: 'Created since (2026-01-31, 2026-01-31T08:00, 90m, 12h, 3d; empty: any time)',
        validate: (raw) => (raw.trim() === '' ? true : toValidator((v) => parseFilterValue(def, v))(raw)),
      },
      this.promptIo,
    );
  }

  private async askSearch(): Promise<void> {
    const { input } = await import('@inquirer/prompts');
    const current = this.filters.search as string[] | undefined;
    this.ctx.stdout.write(ESC.clear + this.describeFilters() + '\n\n');
    const text = await input(
      {
        message: 'Search: every word, in task, job id, queue, error, worker, user (empty: no search)',
        default: current?.join(' '),
      },
      this.promptIo,
    );
    this.clear(OWNS.search);
    if (text.trim()) this.set('search', text);
  }

  /** The values a column takes, for the pick lists (at most 500): read once a session, not each time a menu opens. */
  private readonly distinctValues = new Map<string, Promise<string[]>>();

  private distinct(column: 'task_name' | 'queue_name'): Promise<string[]> {
    let values = this.distinctValues.get(column);
    if (!values) {
      const q = (s: string) => this.db.dialect.quote(s);
      values = this.db
        .query<{ v: string }>(`SELECT DISTINCT ${q(column)} AS v FROM ${q(this.db.table)} ORDER BY ${this.db.dialect.binaryText(q(column))} LIMIT 500`)
        .then((rows) => rows.map((r) => String(r.v)));
      this.distinctValues.set(column, values);
    }
    return values;
  }
}

/** A value as a shell would need it typed. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
