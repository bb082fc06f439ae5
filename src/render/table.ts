/**
 * Tables for the terminal. On a terminal: a bold header, a rule, colored
 * cells, columns fitted to the width (the flexible ones shortened with …).
 * Piped: the same columns, no color, no rule, no truncation — plain text for
 * grep and awk.
 */
import Table from 'cli-table3';
import { visibleLength } from './format.js';
import type { Style } from './style.js';

export interface Column<R> {
  header: string;
  /** the cell's text, possibly colored */
  cell(row: R): string;
  align?: 'left' | 'right';
  /** may be shortened to fit the terminal; the widest flexible column gives way first */
  flexible?: boolean;
  /** narrowest it may become */
  min?: number;
  /** left out (last first) when the terminal is too narrow even for the shortened row */
  droppable?: boolean;
}

export interface TableOptions {
  style: Style;
  /** terminal width to fit into; undefined: no fitting */
  width?: number;
  /** header rule and truncation (a terminal) or plain (piped) */
  decorate: boolean;
}

const GAP = 2;

export function renderTable<R>(allColumns: Column<R>[], rows: R[], opts: TableOptions): string {
  let columns = allColumns;
  const measure = (cols: Column<R>[]) => {
    const cells = rows.map((r) => cols.map((c) => c.cell(r) ?? ''));
    const natural = cols.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((row) => visibleLength(row[i]))));
    return { cells, natural };
  };
  let { cells, natural } = measure(columns);
  const gap = GAP;
  let widths = natural;
  if (opts.decorate && opts.width) {
    const width = opts.width;
    const room = (cols: Column<R>[]) => width - gap * (cols.length - 1);
    widths = fit(columns, natural, room(columns));
    // still too wide: leave out droppable columns, rightmost first
    while (widths.reduce((a, b) => a + b, 0) > room(columns) && columns.some((c) => c.droppable)) {
      const drop = columns.map((c) => c.droppable).lastIndexOf(true);
      columns = columns.filter((_, i) => i !== drop);
      ({ cells, natural } = measure(columns));
      widths = fit(columns, natural, room(columns));
    }
  }
  const { c } = opts.style;
  const table = new Table({
    head: columns.map((col) => (opts.decorate ? c.bold(col.header) : col.header)),
    colWidths: widths.map((w) => w + gap),
    colAligns: columns.map((col) => col.align ?? 'left'),
    wordWrap: false,
    truncate: '…',
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': gap },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
  });
  for (const row of cells) table.push(row);
  const lines = table
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  if (opts.decorate && lines.length > 0) {
    const ruleWidth = Math.min(widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1), opts.width ?? Infinity);
    lines.splice(1, 0, c.gray('─'.repeat(ruleWidth)));
  }
  return lines.join('\n') + '\n';
}

/** Shrinks flexible columns, widest first, until the row fits (never below their minimum). */
function fit<R>(columns: Column<R>[], natural: number[], room: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > room) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      if (!columns[i].flexible || widths[i] <= (columns[i].min ?? 8)) continue;
      if (widest < 0 || widths[i] > widths[widest]) widest = i;
    }
    if (widest < 0) break;
    const step = Math.min(total - room, widths[widest] - (columns[widest].min ?? 8));
    widths[widest] -= Math.max(1, Math.min(step, Math.ceil(widths[widest] / 4)));
    total = widths.reduce((a, b) => a + b, 0);
  }
  return widths;
}

/** A rendered table without its header (and the rule under it on a terminal): the blocks after the first of a streamed table. */
export function tableBody(text: string, decorate: boolean): string {
  return text.split('\n').slice(decorate ? 2 : 1).join('\n');
}
