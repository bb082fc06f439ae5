/**
 * The timeline as a chart: total, successful (green) and failed (red) lines
 * with asciichart, y-axis labels, time ticks under the x-axis, a legend, fitted
 * to the terminal (adjacent buckets merged when there are more than columns).
 */
import asciichart from 'asciichart';
import { isoToMs } from '../core/time.js';
import { wallClock, type Interval } from '../query/buckets.js';
import type { Bucket } from '../query/timeline.js';
import { formatInt, plural } from './format.js';
import type { Style } from './style.js';

export interface ChartView {
  style: Style;
  width: number;
  height?: number;
  interval: Interval;
  tz: string;
}

/** Merges runs of `factor` buckets (sums; the average duration weighted by nothing — counts only). */
export function mergeBuckets(buckets: Bucket[], factor: number): Bucket[] {
  if (factor <= 1) return buckets;
  const out: Bucket[] = [];
  for (let i = 0; i < buckets.length; i += factor) {
    const run = buckets.slice(i, i + factor);
    out.push({
      timestamp: run[0].timestamp,
      total: run.reduce((s, b) => s + b.total, 0),
      successful: run.reduce((s, b) => s + b.successful, 0),
      failed: run.reduce((s, b) => s + b.failed, 0),
      avg_duration_ms: 0,
    });
  }
  return out;
}

function tickLabel(iso: string, interval: Interval, tz: string, withDate: boolean): string {
  const w = wallClock(isoToMs(iso), tz);
  const p = (n: number) => String(n).padStart(2, '0');
  if (interval === 'day') return `${p(w.mo)}-${p(w.d)}`;
  return withDate ? `${p(w.mo)}-${p(w.d)} ${p(w.h)}:${p(w.mi)}` : `${p(w.h)}:${p(w.mi)}`;
}

export function renderTimeline(buckets: Bucket[], v: ChartView, title: string): string {
  const { c } = v.style;
  const lines: string[] = [c.bold('Timeline') + ' · ' + title, ''];
  const total = buckets.reduce((s, b) => s + b.total, 0);
  const ok = buckets.reduce((s, b) => s + b.successful, 0);
  const failed = buckets.reduce((s, b) => s + b.failed, 0);
  const peak = buckets.reduce((best, b) => (b.total > best.total ? b : best), buckets[0]);
  const maxValue = Math.max(1, ...buckets.map((b) => b.total));
  const labelWidth = Math.max(formatInt(maxValue).length, 1) + 1;
  const room = Math.max(10, v.width - labelWidth - 3);
  const factor = Math.ceil(buckets.length / room);
  const shown = mergeBuckets(buckets, factor);
  // fewer buckets than columns: draw each bucket `stretch` columns wide
  const stretch = Math.max(1, Math.min(8, Math.floor(room / shown.length)));
  const widen = (xs: number[]) => xs.flatMap((x) => Array<number>(stretch).fill(x));
  if (total === 0) {
    lines.push(c.gray('  no rows in this window'));
  } else {
    const colors = v.style.enabled ? [asciichart.default, asciichart.green, asciichart.red] : undefined;
    const chart = asciichart.plot(
      [widen(shown.map((b) => b.total)), widen(shown.map((b) => b.successful)), widen(shown.map((b) => b.failed))],
      {
        height: v.height ?? 10,
        colors,
        min: 0,
        format: (x: number) => formatInt(Math.round(x)).padStart(labelWidth),
      },
    );
    lines.push(...chart.split('\n'));
    // time ticks under the x-axis, each under the column where its bucket starts
    const axisStart = labelWidth + 2;
    const spanMs = shown.length > 1 ? isoToMs(shown[shown.length - 1].timestamp) - isoToMs(shown[0].timestamp) : 0;
    const withDate = v.interval !== 'day' && spanMs >= 86_400_000;
    let ticks = '';
    let marks = '';
    for (let i = 0; i < shown.length; i++) {
      const col = axisStart + i * stretch;
      const label = tickLabel(shown[i].timestamp, v.interval, v.tz, withDate);
      if (col < ticks.length + 2 || col + label.length > v.width) continue;
      ticks = ticks.padEnd(col) + label;
      marks = marks.padEnd(col) + '┬';
    }
    lines.push(c.gray(marks), c.gray(ticks));
    lines.push('');
    lines.push(
      `  ${c.white('──')} total   ${c.green('──')} successful   ${c.red('──')} failed` +
        c.gray(`   (${formatInt(buckets.length)} ${v.interval} buckets${factor > 1 ? `, ${factor} per column` : ''}, ${v.tz})`),
    );
  }
  lines.push('');
  const busiest = total > 0 ? ` · busiest ${tickLabel(peak.timestamp, v.interval, v.tz, true)} (${formatInt(peak.total)})` : '';
  lines.push(`${plural(total, 'task')} · ${c.green(formatInt(ok) + ' successful')} · ${failed ? c.red(formatInt(failed) + ' failed') : '0 failed'}${busiest}`);
  return lines.join('\n') + '\n';
}
