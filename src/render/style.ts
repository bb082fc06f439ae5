/**
 * Colors and badges, defined once (django-cfg's admin colors):
 *   status: queued gray, in_progress blue, success green, failed red,
 *           canceled yellow, deferred magenta, expired dark red
 *   queue:  critical red, high yellow, default blue, low and background gray
 *   duration: < 1 s green, < 5 s blue, < 30 s yellow, else red
 *   retries: ≥ 3 red, ≥ 2 yellow
 *   objective: ok green, ticket yellow, page red
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

/** The badge colors, named once; the terminal paints them with chalk, the dashboard with CSS (BADGE_CSS). */
export type BadgeColor = 'gray' | 'blue' | 'green' | 'red' | 'yellow' | 'magenta' | 'darkred';

// Maps, not objects: statuses and queues come from the database, and a queue
// named "constructor" or a status "__proto__" must find nothing, not Object's own.
const STATUS_COLOR: ReadonlyMap<string, BadgeColor> = new Map([
  ['queued', 'gray'],
  ['in_progress', 'blue'],
  ['success', 'green'],
  ['failed', 'red'],
  ['canceled', 'yellow'],
  ['deferred', 'magenta'],
  ['expired', 'darkred'],
]);

const STATUS_ICON: ReadonlyMap<string, string> = new Map([
  ['queued', '◷'],
  ['in_progress', '▶'],
  ['success', '✔'],
  ['failed', '✖'],
  ['canceled', '⊘'],
  ['deferred', '‖'],
  ['expired', '◌'],
]);

const QUEUE_COLOR: ReadonlyMap<string, BadgeColor> = new Map([
  ['critical', 'red'],
  ['high', 'yellow'],
  ['default', 'blue'],
  ['low', 'gray'],
  ['background', 'gray'],
]);

/** a status's badge color; undefined for a status tasklog does not know */
export const statusColor = (status: string): BadgeColor | undefined => STATUS_COLOR.get(status);
/** a status's icon; a bullet for a status tasklog does not know */
export const statusIcon = (status: string): string => STATUS_ICON.get(status) ?? '•';
/** a queue's badge color; undefined for a queue without one */
export const queueColor = (queue: string): BadgeColor | undefined => QUEUE_COLOR.get(queue);

/** An objective's status (query/slo.ts): ok green, a ticket yellow, a page red. */
const SLO_STATUS_COLOR: ReadonlyMap<string, BadgeColor> = new Map([
  ['ok', 'green'],
  ['ticket', 'yellow'],
  ['page', 'red'],
]);

export const sloStatusColor = (status: string): BadgeColor | undefined => SLO_STATUS_COLOR.get(status);

/** Each badge color as CSS: background and text (the admin's Bootstrap-like palette). */
export const BADGE_CSS: Record<BadgeColor, { bg: string; fg: string }> = {
  gray: { bg: '#6c757d', fg: '#fff' },
  blue: { bg: '#0d6efd', fg: '#fff' },
  green: { bg: '#198754', fg: '#fff' },
  red: { bg: '#dc3545', fg: '#fff' },
  yellow: { bg: '#ffc107', fg: '#212529' },
  magenta: { bg: '#a61e9e', fg: '#fff' },
  darkred: { bg: '#b43c00', fg: '#fff' },
};

function paint(c: ChalkInstance, color: BadgeColor | undefined): (s: string) => string {
  if (!color) return (s) => s;
  return color === 'darkred' ? c.rgb(180, 60, 0) : c[color];
}

/** A status as a badge: colored icon and label on a terminal, the plain value otherwise. */
export function statusBadge(style: Style, status: string): string {
  if (!style.enabled) return status;
  return paint(style.c, statusColor(status))(`${statusIcon(status)} ${statusDisplay(status)}`);
}

export function sloStatusBadge(style: Style, status: string): string {
  return style.enabled ? paint(style.c, sloStatusColor(status))(status) : status;
}

export function queueBadge(style: Style, queue: string): string {
  if (!style.enabled) return queue;
  return paint(style.c, queueColor(queue))(queue);
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
