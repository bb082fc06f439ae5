/**
 * The dashboard of tasklog serve as server-rendered HTML: one self-contained
 * page (inline CSS and SVG, no script, no CDN), readable on a phone. Badges
 * take their colors from style.ts, as the terminal's do; numbers carry
 * data-k attributes with their raw values, for scripts and tests.
 */
import { diffMs, isoToMs } from '../core/time.js';
import type { ErrorReport } from '../query/errors.js';
import type { Overview } from '../query/overview.js';
import { BURN_WINDOWS, describeObjective } from '../query/slo.js';
import { userDisplay, type TaskLogRow } from '../query/present.js';
import { STATUSES, statusDisplay } from '../query/status.js';
import type { Bucket } from '../query/timeline.js';
import { clipText, formatDuration, formatInt, formatRelativeShort } from './format.js';
import type { SloRow } from './slo.js';
import { BADGE_CSS, durationHealth, queueColor, sloStatusColor, statusColor, statusIcon, type BadgeColor } from './style.js';

/** the longest error message a tooltip of the dashboard carries (the log's page shows it whole) */
const TITLE_CHARS = 1000;

export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;background:#f4f6f8}
header{background:#1f2d3d;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}
header a{color:#cfe2ff}header h1{font-size:18px;margin:0}main{max-width:1200px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0001;padding:12px 14px;margin:0 0 12px}
h2{font-size:15px;margin:0 0 8px}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px}
.card{background:#f8f9fa;border-radius:6px;padding:8px 10px}.card b{display:block;font-size:22px}.card span{color:#6c757d;font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;white-space:nowrap}
.chips{display:flex;flex-wrap:wrap;gap:6px}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e9ecef;white-space:nowrap;vertical-align:top}th{font-size:12px;color:#6c757d}
td.wrap{white-space:normal;word-break:break-word}form{display:flex;flex-wrap:wrap;gap:6px;align-items:end}
label{display:flex;flex-direction:column;font-size:12px;color:#6c757d}input,select,button{font:inherit;padding:4px 6px}
.pager{display:flex;gap:12px;align-items:center;margin-top:8px}.muted{color:#6c757d}.err{color:#dc3545}
pre{background:#f8f9fa;padding:8px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0}dt{color:#6c757d}dd{margin:0;word-break:break-word}
.d-green{color:#198754}.d-blue{color:#0d6efd}.d-yellow{color:#b58105}.d-red{color:#dc3545}svg text{font-size:10px;fill:#6c757d}
@media (max-width:600px){main{padding:6px}section{padding:10px}.hide-sm{display:none}}
`;

function badge(color: BadgeColor | undefined, text: string, attrs = ''): string {
  const c = BADGE_CSS[color ?? 'gray'];
  return `<span class="badge" style="background:${c.bg};color:${c.fg}"${attrs}>${esc(text)}</span>`;
}

export function statusBadgeHtml(status: string): string {
  return badge(statusColor(status), `${statusIcon(status)} ${statusDisplay(status)}`, ` data-status="${esc(status)}"`);
}

export function queueBadgeHtml(queue: string): string {
  return badge(queueColor(queue), queue);
}

function durationHtml(ms: number | null): string {
  if (ms === null) return '<span class="muted">—</span>';
  return `<span class="d-${durationHealth(ms)}">${esc(formatDuration(ms))}</span>`;
}

interface Page {
  title: string;
  refresh: number | null;
  /** the URL of this page without refresh / with it, for the toggle */
  refreshToggle: string;
  now: Date;
  body: string;
}

function page(p: Page): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${p.refresh ? `<meta http-equiv="refresh" content="${p.refresh}">` : ''}<title>${esc(p.title)}</title><style>${CSS}</style></head>
<body><header><h1><a href="/" style="color:#fff;text-decoration:none">tasklog</a></h1><span>${esc(p.title)}</span>
<span class="muted" style="color:#adb5bd">as of ${esc(p.now.toISOString().replace(/\.\d+Z$/, 'Z'))}</span>
<a href="${esc(p.refreshToggle)}">${p.refresh ? `auto-refresh every ${p.refresh} s: stop` : 'refresh every 30 s'}</a>
<a href="/cfg/tasks/logs/">API</a><a href="/metrics">metrics</a></header><main>${p.body}</main></body></html>
`;
}

/** The timeline as an SVG bar chart: successful (green), failed (red) and the rest (gray) stacked per bucket. */
export function timelineSvg(buckets: Bucket[], label: (b: Bucket) => string): string {
  const W = 720;
  const H = 170;
  const left = 34;
  const bottom = 20;
  const top = 8;
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const slot = (W - left) / Math.max(1, buckets.length);
  const y = (n: number) => ((H - bottom - top) * n) / max;
  const parts: string[] = [];
  for (const t of [0, max / 2, max]) {
    const yy = H - bottom - y(t);
    parts.push(`<line x1="${left}" x2="${W}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#e9ecef"/><text x="${left - 4}" y="${(yy + 3).toFixed(1)}" text-anchor="end">${formatInt(Math.round(t))}</text>`);
  }
  buckets.forEach((b, i) => {
    const x = left + i * slot + slot * 0.1;
    const w = Math.max(1, slot * 0.8);
    const other = b.total - b.successful - b.failed;
    let base = H - bottom;
    const seg = (n: number, color: string) => {
      if (n <= 0) return;
      const h = y(n);
      base -= h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
    };
    parts.push(`<g data-bucket="${esc(b.timestamp)}" data-total="${b.total}" data-failed="${b.failed}"><title>${esc(label(b))}: ${b.total} total, ${b.successful} successful, ${b.failed} failed</title>`);
    seg(b.successful, BADGE_CSS.green.bg);
    seg(b.failed, BADGE_CSS.red.bg);
    seg(other, '#adb5bd');
    parts.push('</g>');
    if (i % Math.max(1, Math.ceil(buckets.length / 8)) === 0) parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${H - 6}" text-anchor="middle">${esc(label(b))}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="tasks per bucket" preserveAspectRatio="none" style="max-height:220px">${parts.join('')}</svg>`;
}

function rowsTable(rows: TaskLogRow[], now: Date): string {
  if (rows.length === 0) return '<p class="muted">no matching rows</p>';
  const body = rows
    .map(
      (r) =>
        `<tr data-id="${r.id}"><td><a href="/logs/${r.id}">${r.id}</a></td><td class="wrap">${esc(r.task_name)}</td><td>${queueBadgeHtml(r.queue_name)}</td>` +
        `<td>${statusBadgeHtml(r.status)}</td><td>${durationHtml(r.duration_ms)}</td><td class="hide-sm">${r.job_retries}</td>` +
        `<td class="hide-sm" title="${esc(r.created_at)}">${esc(ago(r.created_at, now))}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><thead><tr><th>ID</th><th>Task</th><th>Queue</th><th>Status</th><th>Duration</th><th class="hide-sm">Retries</th><th class="hide-sm">Created</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/** "16m ago": the terminal tables' relative time (render/format.ts). */
function ago(iso: string | null, now: Date): string {
  return iso ? formatRelativeShort(isoToMs(iso), now.getTime()) : '—';
}

export interface DashboardData {
  /** the config file's objectives with the budget over their window (none: no section) */
  objectives?: SloRow[];
  /** the saved views: their links to the list of their rows */
  views: { name: string; expr: string; href: string }[];
  /** the reports are of the rows the list's filters select */
  scoped: boolean;
  overview: Overview;
  successRate: number;
  timeline: Bucket[];
  errors: ErrorReport;
  /** the newest failed rows with their error signatures */
  latestFailures: { row: TaskLogRow; signature: string }[];
  list: { count: number; page: number; pages: number; rows: TaskLogRow[] } | { error: string };
  /** the list's parameters as given (name → value) */
  params: Record<string, string>;
  now: Date;
  refresh: number | null;
  /** the URL of / with these parameters and one changed (null removes it) */
  link(changes: Record<string, string | null>): string;
}

const WINDOWS: [string, string][] = [
  ['', 'any time'],
  ['1h', 'last hour'],
  ['24h', 'last 24 h'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
];

function filterForm(d: DashboardData): string {
  const p = d.params;
  const select = (name: string, label: string, options: [string, string][]) =>
    `<label>${esc(label)}<select name="${name}">${options.map(([v, t]) => `<option value="${esc(v)}"${(p[name] ?? '') === v ? ' selected' : ''}>${esc(t)}</option>`).join('')}</select></label>`;
  const text = (name: string, label: string) => `<label>${esc(label)}<input name="${name}" value="${esc(p[name] ?? '')}" size="12"></label>`;
  return (
    `<form method="get" action="/" id="filters">` +
    select('status', 'status', [['', 'any'], ...STATUSES.map((s) => [s, statusDisplay(s)] as [string, string])]) +
    select('queue_name', 'queue', [['', 'any'], ...d.overview.active_queues.map((q) => [q, q] as [string, string])]) +
    text('task_name', 'task contains') +
    text('search', 'search') +
    `<label>where<input name="q" value="${esc(p.q ?? '')}" size="36" placeholder="kwargs.user_id = 42 and is_failed"></label>` +
    select('created_after', 'created', WINDOWS) +
    select('page_size', 'per page', [['', '20'], ['50', '50'], ['100', '100']]) +
    (d.refresh ? `<input type="hidden" name="refresh" value="${d.refresh}">` : '') +
    `<button type="submit">Filter</button> <a href="${esc(d.link({ status: null, queue_name: null, task_name: null, search: null, q: null, created_after: null, page: null, page_size: null }))}">reset</a></form>`
  );
}

function listSection(d: DashboardData): string {
  const l = d.list;
  if ('error' in l) return `<section id="list"><h2>Task logs</h2>${filterForm(d)}<p class="err">${esc(l.error)}</p></section>`;
  const pager =
    `<div class="pager">` +
    (l.page > 1 ? `<a rel="prev" href="${esc(d.link({ page: l.page - 1 === 1 ? null : String(l.page - 1) }))}">← previous</a>` : '') +
    `<span class="muted">page <b data-k="page">${l.page}</b> of <span data-k="pages">${l.pages}</span> · <span data-k="count">${formatInt(l.count)}</span> rows</span>` +
    (l.page < l.pages ? `<a rel="next" href="${esc(d.link({ page: String(l.page + 1) }))}">next →</a>` : '') +
    `</div>`;
  return `<section id="list"><h2>Task logs</h2>${filterForm(d)}${rowsTable(l.rows, d.now)}${pager}</section>`;
}

function latestFailuresTable(d: DashboardData): string {
  if (d.latestFailures.length === 0) return '<p class="muted">no failed rows</p>';
  const body = d.latestFailures
    .map(
      ({ row: r, signature }) =>
        `<tr data-id="${r.id}"><td><a href="/logs/${r.id}">${r.id}</a></td><td class="wrap">${esc(r.task_name)}</td><td class="hide-sm">${queueBadgeHtml(r.queue_name)}</td>` +
        `<td>${statusBadgeHtml(r.status)}</td><td class="wrap" title="${esc(clipText(r.error_message, TITLE_CHARS))}">${esc(signature)}</td><td title="${esc(r.created_at)}">${esc(ago(r.created_at, d.now))}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><thead><tr><th>ID</th><th>Task</th><th class="hide-sm">Queue</th><th>Status</th><th>Error signature</th><th>Created</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The budget left over the window as a line: 1 at the top, 0 on the rule, a blown budget below it (red). */
function budgetSvg(shares: (number | null)[]): string {
  const W = 140;
  const H = 28;
  const low = Math.min(0, ...shares.filter((s): s is number => s !== null));
  const y = (s: number) => ((1 - s) / (1 - low)) * (H - 2) + 1;
  const step = W / Math.max(1, shares.length - 1);
  const points = shares.flatMap((s, i) => (s === null ? [] : [`${(i * step).toFixed(1)},${y(s).toFixed(1)}`]));
  const last = [...shares].reverse().find((s) => s !== null);
  const color = last !== undefined && last !== null && last < 0 ? BADGE_CSS.red.bg : BADGE_CSS.green.bg;
  return (
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="error budget over the window">` +
    `<line x1="0" x2="${W}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#e9ecef"/>` +
    (points.length ? `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(' ')}"/>` : '') +
    `</svg>`
  );
}

function objectivesSection(rows: SloRow[]): string {
  const n = (x: number | null, digits: number) => (x === null ? '<span class="muted">—</span>' : esc(x.toFixed(digits)));
  const body = rows
    .map(({ report: r, budget }) => {
      const kind = describeObjective(r.objective);
      const left = r.budget.remaining_share === null ? '<span class="muted">—</span>' : `<span${r.budget.remaining < 0 ? ' class="err"' : ''}>${Math.round(r.budget.remaining_share * 100)}%</span>`;
      return (
        `<tr data-slo="${esc(r.name)}" data-status="${esc(r.status)}"><td class="wrap"><b>${esc(r.name)}</b></td><td class="hide-sm">${esc(kind)}</td><td>${esc(r.target)}%</td>` +
        `<td data-k="attainment">${r.attainment === null ? '<span class="muted">—</span>' : `${esc(r.attainment.toFixed(3))}%`}</td>` +
        `<td class="hide-sm">${formatInt(r.good)} / ${formatInt(r.total)}</td><td data-k="budget">${left}</td>` +
        BURN_WINDOWS.map((w) => `<td class="hide-sm" data-k="burn-${w.key}">${n(r.burn_rates[w.key], 2)}</td>`).join('') +
        `<td>${badge(sloStatusColor(r.status), r.status)}</td><td class="hide-sm">${budgetSvg(budget)}</td></tr>`
      );
    })
    .join('');
  const head = `<th>Objective</th><th class="hide-sm">Kind</th><th>Target</th><th>Attained</th><th class="hide-sm">Good / total</th><th>Budget left</th>${BURN_WINDOWS.map((w) => `<th class="hide-sm">Burn ${w.key}</th>`).join('')}<th>Status</th><th class="hide-sm">Budget over the window</th>`;
  return `<section id="objectives"><h2>Service-level objectives <a href="/cfg/tasks/slos/" style="font-weight:normal;font-size:12px">JSON</a></h2><div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}

export function renderDashboard(d: DashboardData): string {
  const o = d.overview;
  const card = (k: string, value: number | string, label: string) => `<div class="card"><b data-k="${k}">${esc(typeof value === 'number' ? formatInt(value) : value)}</b><span>${esc(label)}</span></div>`;
  const chips = (entries: Record<string, number>, badgeOf: (k: string) => string, attr: string) =>
    `<div class="chips">${Object.entries(entries)
      .map(([k, n]) => `<span ${attr}="${esc(k)}" data-n="${n}">${badgeOf(k)} <b>${formatInt(n)}</b></span>`)
      .join('')}</div>`;
  const hourLabel = (b: Bucket) => b.timestamp.slice(11, 16);
  const failures = d.errors.top_errors.length
    ? `<div class="scroll"><table><thead><tr><th>Count</th><th>Error signature</th><th class="hide-sm">Tasks</th><th>Last seen</th></tr></thead><tbody>${d.errors.top_errors
        .map(
          (g) =>
            `<tr><td data-k="error-count">${g.count}</td><td class="wrap" title="${esc(clipText(g.error_message, TITLE_CHARS))}">${esc(g.signature)}</td><td class="wrap hide-sm">${esc(g.tasks.join(', '))}</td><td>${esc(ago(g.last_seen, d.now))}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p class="muted">no failures in the last 24 hours</p>';
  const views = d.views.length
    ? `<section id="views"><h2>Views</h2><div class="chips">${d.views.map((v) => `<a data-view="${esc(v.name)}" href="${esc(v.href)}" title="${esc(v.expr)}">${esc(v.name)}</a>`).join(' ')}</div></section>`
    : '';
  const body =
    views +
    `<section id="overview"><h2>Overview${d.scoped ? ' <span class="muted">(the rows of the list\'s filters)</span>' : ''}</h2><div class="cards">` +
    card('total_tasks', o.total_tasks, 'tasks') +
    card('recent_failures', o.recent_failures, 'failures, last 24 h') +
    card('active_queues', o.active_queues.length, 'queues') +
    card('success_rate', `${d.successRate}%`, 'success rate, last 24 h') +
    `</div><h2 style="margin-top:10px">By status</h2>${chips(o.tasks_by_status, statusBadgeHtml, 'data-status-count')}` +
    `<h2 style="margin-top:10px">By queue</h2>${chips(o.tasks_by_queue, queueBadgeHtml, 'data-queue-count')}</section>` +
    (d.objectives?.length ? objectivesSection(d.objectives) : '') +
    `<section id="timeline"><h2>Last 24 hours, per hour (UTC)</h2>${timelineSvg(d.timeline, hourLabel)}</section>` +
    `<section id="latest-failures"><h2>Latest failures</h2>${latestFailuresTable(d)}</section>` +
    `<section id="failures"><h2>Failures by error signature, last 24 h: <span data-k="total_failures">${formatInt(d.errors.total_failures)}</span></h2>${failures}</section>` +
    listSection(d);
  return page({ title: 'task log dashboard', refresh: d.refresh, refreshToggle: d.link({ refresh: d.refresh ? null : '30' }), now: d.now, body });
}

export interface LogPageData {
  row: TaskLogRow;
  related: TaskLogRow[];
  errorSignature: string | null;
  now: Date;
  refresh: number | null;
}

/** /logs/{id}: the sections of `logs show` (task, arguments, performance, result, error) and the related rows. */
export function renderLogPage(d: LogPageData): string {
  const r = d.row;
  const dl = (items: [string, string][]) => `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  const time = (iso: string | null) => (iso ? `<span data-iso="${esc(iso)}">${esc(iso)}</span> <span class="muted">(${esc(ago(iso, d.now))})</span>` : '<span class="muted">—</span>');
  const json = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;
  const wait = r.enqueue_time && r.start_time ? diffMs(r.enqueue_time, r.start_time) : null;
  let result = '';
  if (r.result !== null && r.result !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.result);
    } catch {
      parsed = undefined;
    }
    result = `<section id="result"><h2>Result</h2>${parsed === undefined ? `<pre>${esc(r.result)}</pre>` : json(parsed)}</section>`;
  }
  const error = r.error_message
    ? `<section id="error"><h2 class="err">Error</h2><p>signature: <code>${esc(d.errorSignature)}</code></p><pre class="err" data-k="error_message">${esc(r.error_message)}</pre></section>`
    : '';
  const body =
    `<section id="task"><h2>Task</h2>${dl([
      ['ID', `<span data-k="id">${r.id}</span>`],
      ['Job ID', `<code data-k="job_id">${esc(r.job_id)}</code>`],
      ['Task', `<b data-k="task_name">${esc(r.task_name)}</b>`],
      ['Queue', queueBadgeHtml(r.queue_name)],
      ['Status', statusBadgeHtml(r.status) + (r.success === null ? '' : ` <span class="muted">success=<span data-k="success">${r.success}</span></span>`)],
      ['User', esc(userDisplay(r) ?? (r.user_id === null ? '—' : `#${r.user_id}`))],
    ])}</section>` +
    `<section id="arguments"><h2>Arguments</h2>args ${json(r.args)}kwargs ${json(r.kwargs)}</section>` +
    `<section id="performance"><h2>Performance</h2>${dl([
      ['Duration', `<span data-k="duration_ms" data-v="${r.duration_ms ?? ''}">${durationHtml(r.duration_ms)}</span>`],
      ['Queue wait', wait === null ? '—' : esc(formatDuration(wait))],
      ['Retries', `<span data-k="job_retries">${r.job_retries}</span> of <span data-k="job_retry">${r.job_retry}</span>`],
      ['Retry after', `${r.job_retry_after} s`],
      ['Worker', esc(r.worker_id ?? '—')],
      ['Enqueued', time(r.enqueue_time)],
      ['Started', time(r.start_time)],
      ['Finished', time(r.finish_time)],
      ['Expires', time(r.expire_time)],
      ['Created', time(r.created_at)],
      ['Updated', time(r.updated_at)],
    ])}</section>` +
    result +
    error +
    `<section id="related"><h2>Related (same job id or task), newest first</h2>${rowsTable(d.related, d.now)}</section>`;
  const self = `/logs/${r.id}`;
  return page({ title: `task log ${r.id}: ${r.task_name}`, refresh: d.refresh, refreshToggle: d.refresh ? self : `${self}?refresh=30`, now: d.now, body });
}

/** A page for a missing row or a bad request. */
export function renderMessage(title: string, message: string, now: Date): string {
  return page({ title, refresh: null, refreshToggle: '/', now, body: `<section><h2>${esc(title)}</h2><p>${esc(message)}</p><p><a href="/">back to the dashboard</a></p></section>` });
}
