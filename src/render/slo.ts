/**
 * `tasklog slo` on a terminal: one row per objective with its status
 * colored (style.ts), and the error budget over the window as a sparkline.
 */
import type { SloReport } from '../query/slo.js';
import { BURN_WINDOWS, describeObjective } from '../query/slo.js';
import { formatInt } from './format.js';
import { sloStatusBadge, type Style } from './style.js';
import { renderTable, type Column } from './table.js';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The budget left at the end of each bucket as bars: a full bar is the whole
 * budget, the lowest an empty or blown one; a bucket without rows yet is a
 * space. Blown stretches are red on a terminal.
 */
export function sparkline(shares: (number | null)[], style?: Style): string {
  return shares
    .map((s) => {
      if (s === null) return ' ';
      const bar = BARS[Math.max(0, Math.min(BARS.length - 1, Math.round(s * (BARS.length - 1))))];
      return s < 0 && style?.enabled ? style.c.red(bar) : bar;
    })
    .join('');
}

const num = (x: number | null, digits: number) => (x === null ? '—' : x.toFixed(digits));

export interface SloRow {
  report: SloReport;
  /** the budget's share left at the end of each bucket of the window */
  budget: (number | null)[];
}

export function renderSlos(rows: SloRow[], opts: { style: Style; width?: number; decorate: boolean }): string {
  const burn = (key: string): Column<SloRow> => ({ header: `burn ${key}`, align: 'right', droppable: key !== '1h' && key !== '6h', cell: (r) => num(r.report.burn_rates[key as keyof SloReport['burn_rates']], 2) });
  // on a narrow terminal the droppable columns go, rightmost first: the wider burn windows, then the
  // counts, window and kind, then the sparkline; name, status, target, attainment, budget, 1h and 6h stay
  const columns: Column<SloRow>[] = [
    { header: 'objective', cell: (r) => r.report.name, flexible: true, min: 10 },
    { header: 'status', cell: (r) => sloStatusBadge(opts.style, r.report.status) },
    { header: 'target', align: 'right', cell: (r) => `${r.report.target}%` },
    { header: 'attained', align: 'right', cell: (r) => (r.report.attainment === null ? '—' : `${r.report.attainment.toFixed(3)}%`) },
    { header: 'budget left', align: 'right', cell: (r) => budgetText(r.report, opts.style) },
    { header: 'budget over the window', cell: (r) => sparkline(r.budget, opts.style), droppable: true },
    { header: 'kind', cell: (r) => describeObjective(r.report.objective), droppable: true },
    { header: 'window', align: 'right', cell: (r) => windowText(r.report.window_hours), droppable: true },
    { header: 'good / total', align: 'right', cell: (r) => `${formatInt(r.report.good)} / ${formatInt(r.report.total)}`, droppable: true },
    ...BURN_WINDOWS.map((w) => burn(w.key)),
  ];
  return renderTable(columns, rows, opts);
}

function windowText(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`;
}

/** "61% (3.1 of 5)", red when blown; "—" without rows */
function budgetText(r: SloReport, style: Style): string {
  const b = r.budget;
  if (b.remaining_share === null) return '—';
  const text = `${Math.round(b.remaining_share * 100)}% (${trim(b.remaining)} of ${trim(b.allowed)})`;
  return b.remaining < 0 && style.enabled ? style.c.red(text) : text;
}

const trim = (x: number) => (Number.isInteger(x) ? formatInt(x) : x.toFixed(1));
