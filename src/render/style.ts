/**
 * Colors and badges, defined once (django-cfg's admin colors):
 *   status: queued gray, in_progress blue, success green, failed red,
 *           canceled yellow, deferred magenta, expired dark red
 *   queue:  critical red, high yellow, default blue, low and background gray
 *   duration: < 1 s green, < 5 s blue, < 30 s yellow, else red
 *   retries: ≥ 3 red, ≥ 2 yellow
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { colorLevel, type Ctx } from '../core/io.js';
import { statusDisplay } from '../query/status.js';

export interface Style {
  c: ChalkInstance;
  enabled: boolean;
}

export function makeStyle(ctx: Ctx, noColorFlag = false): Style {
  const level = colorLevel(ctx, noColorFlag);
  return { c: new Chalk({ level }), enabled: level > 0 };
}

type Paint = (c: ChalkInstance) => (s: string) => string;

const STATUS_PAINT: Record<string, Paint> = {
  queued: (c) => c.gray,
  in_progress: (c) => c.blue,
  success: (c) => c.green,
  failed: (c) => c.red,
  canceled: (c) => c.yellow,
  deferred: (c) => c.magenta,
  expired: (c) => c.rgb(180, 60, 0),
};

const STATUS_ICON: Record<string, string> = {
  queued: '◷',
  in_progress: '▶',
  success: '✔',
  failed: '✖',
  canceled: '⊘',
  deferred: '⏸',
  expired: '⌛',
};

const QUEUE_PAINT: Record<string, Paint> = {
  critical: (c) => c.red,
  high: (c) => c.yellow,
  default: (c) => c.blue,
  low: (c) => c.gray,
  background: (c) => c.gray,
};

/** A status as a badge: colored icon and label on a terminal, the plain value otherwise. */
export function statusBadge(style: Style, status: string): string {
  if (!style.enabled) return status;
  const paint = STATUS_PAINT[status]?.(style.c) ?? ((s: string) => s);
  return paint(`${STATUS_ICON[status] ?? '•'} ${statusDisplay(status)}`);
}

export function queueBadge(style: Style, queue: string): string {
  if (!style.enabled) return queue;
  const paint = QUEUE_PAINT[queue]?.(style.c) ?? ((s: string) => s);
  return paint(queue);
}

export type Health = 'good' | 'warn' | 'bad' | 'neutral';

export function paintHealth(style: Style, health: Health, text: string): string {
  switch (health) {
    case 'good':
      return style.c.green(text);
    case 'warn':
      return style.c.yellow(text);
    case 'bad':
      return style.c.red(text);
    default:
      return text;
  }
}

/** Success rate health: ≥ 95 % good, ≥ 80 % warning, below that bad. */
export function successRateHealth(rate: number, total: number): Health {
  if (total === 0) return 'neutral';
  if (rate >= 95) return 'good';
  if (rate >= 80) return 'warn';
  return 'bad';
}

export function durationHealth(ms: number): 'green' | 'blue' | 'yellow' | 'red' {
  if (ms < 1000) return 'green';
  if (ms < 5000) return 'blue';
  if (ms < 30000) return 'yellow';
  return 'red';
}

export function paintDuration(style: Style, ms: number | null, text: string): string {
  if (ms === null) return style.c.gray(text);
  return style.c[durationHealth(ms)](text);
}

export function paintRetries(style: Style, retries: number, text: string): string {
  if (retries >= 3) return style.c.red(text);
  if (retries >= 2) return style.c.yellow(text);
  return text;
}
