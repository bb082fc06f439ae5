/**
 * What operations tools read: GET /metrics (what `tasklog metrics` prints,
 * for Prometheus to scrape), GET /healthz (the health check as JSON: 200
 * when OK or WARNING, 503 when CRITICAL, or UNKNOWN when the database does
 * not answer) and GET /cfg/tasks/slos/ (a tasklog extension of django-cfg's
 * API: what `tasklog slo --json` prints).
 */
import type { Db } from '../db/connect.js';
import { DatabaseError } from '../core/errors.js';
import type { Thresholds } from '../query/health.js';
import type { Slo } from '../query/slo.js';
import { resolveWindow } from '../query/window.js';
import type { ApiRequest, Reply } from './api.js';

export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

export interface OpsSettings {
  thresholds: Thresholds;
  /** window of the per-task duration quantiles, hours */
  periodHours: number;
  /** the config file's objectives */
  slos?: readonly Slo[];
  /** the server's log: why /healthz could not ask the database (the answer only says that it could not) */
  log?: (line: string) => void;
}

export const SLO_PATH = '/cfg/tasks/slos/';

export function metricsRoute(settings: OpsSettings) {
  return async (db: Db, req: ApiRequest): Promise<Reply> => {
    const { metrics } = await import('../query/metrics.js');
    const text = await metrics(db, req.now, resolveWindow({ periodHours: settings.periodHours }, req.now), settings.thresholds.stuckAfterMs, null, settings.slos);
    return { status: 200, text, contentType: PROMETHEUS_TEXT };
  };
}

/** The objectives as `tasklog slo --json` shows them ({"slos": []} when the config file has none). */
export function slosRoute(settings: OpsSettings) {
  return async (db: Db, req: ApiRequest): Promise<Reply> => {
    const { measureObjectives } = await import('../query/slo.js');
    const measured = await measureObjectives(db, req.now, settings.slos ?? []);
    return { status: 200, body: { slos: measured.map((m) => m.report) } };
  };
}

export function healthRoute(settings: OpsSettings) {
  return async (req: ApiRequest, getDb: () => Promise<Db>): Promise<Reply> => {
    const { health } = await import('../query/health.js');
    try {
      const h = await health(await getDb(), req.now, settings.thresholds);
      return { status: h.status === 'OK' || h.status === 'WARNING' ? 200 : 503, body: h };
    } catch (err) {
      // the driver's words may name the database URL or the SQL: they go to the log, not to the client
      settings.log?.(`/healthz: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      const message = err instanceof DatabaseError ? 'database error' : 'database unavailable';
      return { status: 503, body: { healthy: false, status: 'UNKNOWN', message, timestamp: req.now.toISOString() } };
    }
  };
}
