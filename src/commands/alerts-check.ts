import { configThresholds, loadConfig, type LoadedConfig } from '../cli/config.js';
import { withDb } from '../cli/database.js';
import { RuntimeFailure, UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../cli/spec.js';
import { csvList, intInRange, nonNegativeInt, positiveNumber } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';
import { DEFAULT_RULES, type AlertRules } from '../query/alerts.js';
import { parseSpan, SPAN_HELP } from '../query/timearg.js';
import type { OutputFlags } from './logs-shared.js';

interface Opts extends OutputFlags {
  window?: number;
  failureRate?: number;
  minRows?: number;
  stuckCount?: number;
  stuckAfter?: number;
  queued?: number;
  avgDuration?: number;
  avgRetries?: number;
  webhook?: string;
  email?: string[];
  smtpUrl?: string;
  from?: string;
  cooldown?: number;
  retries: number;
  retryDelay: number;
  dryRun?: boolean;
}

export const ALERT_EXIT = { NONE: 0, FIRED: 1, USAGE: 2, FAILED: 3 } as const;

const email = (raw: string) => {
  const list = csvList(raw);
  const bad = list.filter((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
  if (bad.length) throw new InvalidValue(`'${bad.join(',')}' is not an e-mail address`);
  return list;
};
const num = (what: string) => (v: string) => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidValue(`expects ${what}`);
  return n;
};

export const spec: CommandSpec = {
  path: ['alerts', 'check'],
  summary: 'evaluate the alert rules; print, post to a webhook, e-mail — once per cooldown',
  description:
    'Rules (django-cfg\'s): failure rate above 10 % in the last hour with at least 10 rows; more than 5 tasks in progress ' +
    'for over 2 h; more than 100 queued; average duration above 30 s in the last hour; more than 5 retries on average; ' +
    'and per-task failure-rate rules from the config file ("alerts": {"tasks": [{"task": …, "failureRate": 5}]}). ' +
    'Every threshold is a flag and a config entry. Fired alerts go to stdout, to --webhook (JSON with a `text` ' +
    'summary) and to --email over SMTP; the same alert is not sent again within --cooldown (state in the table ' +
    'tasklog_alert_state). Failed deliveries are retried with backoff and not recorded as sent.',
  options: [
    { flags: '--window <span>', description: `window of the rate, duration and retry rules (${SPAN_HELP}; default 1h)`, parse: parseSpan },
    { flags: '--failure-rate <pct>', description: `fire above this failure rate, % (default ${DEFAULT_RULES.failureRate})`, parse: num('a percentage') },
    { flags: '--min-rows <n>', description: `only with at least this many rows in the window (default ${DEFAULT_RULES.minRows})`, parse: (v) => nonNegativeInt(v) },
    { flags: '--stuck-count <n>', description: `fire above this many stuck tasks (default ${DEFAULT_RULES.stuckCount})`, parse: (v) => nonNegativeInt(v) },
    { flags: '--stuck-after <span>', description: 'in progress for longer than this is stuck (default 2h)', parse: parseSpan },
    { flags: '--queued <n>', description: `fire above this many queued rows (default ${DEFAULT_RULES.queued})`, parse: (v) => nonNegativeInt(v) },
    { flags: '--avg-duration <seconds>', description: `fire above this average duration (default ${DEFAULT_RULES.avgDurationSeconds})`, parse: num('a number of seconds') },
    { flags: '--avg-retries <n>', description: `fire above this many retries on average (default ${DEFAULT_RULES.avgRetries})`, parse: num('a number ≥ 0') },
    { flags: '--webhook <url>', description: 'POST the fired alerts as JSON (Slack-compatible `text`)' },
    { flags: '--email <addr,…>', description: 'e-mail each fired alert to these addresses', parse: email },
    { flags: '--smtp-url <url>', description: 'SMTP server: smtp://user:pass@host:587 or smtps://… (default $TASKLOG_SMTP_URL)' },
    { flags: '--from <addr>', description: 'sender address (default tasklog@localhost)' },
    { flags: '--cooldown <span>', description: 'do not send the same alert again within this span (default 1h)', parse: parseSpan },
    { flags: '--retries <n>', description: 'delivery attempts per channel', default: 3, parse: (v) => intInRange(v, 1, 10) },
    { flags: '--retry-delay <seconds>', description: 'first wait between attempts, doubled each time', default: 1, parse: (v) => positiveNumber(v, 'a number of seconds > 0') },
    { flags: '--dry-run', description: 'evaluate and show what would be sent; send and record nothing' },
    JSON_OPTION,
  ],
  exitCodes: { 1: 'an alert fired', 3: 'could not check (database) or deliver' },
  failure: { usage: ALERT_EXIT.USAGE, runtime: ALERT_EXIT.FAILED },
  examples: [
    { command: '*/15 * * * * tasklog alerts check --webhook https://hooks.slack.com/services/… --cooldown 1h', description: 'the cron line' },
    { command: 'tasklog alerts check --email oncall@example.com --smtp-url smtp://mail:587 --dry-run', description: 'see what would be mailed' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const cfg = loadConfig(ctx);
    const section = (cfg.values.alerts ?? {}) as Record<string, unknown>;
    const rules = resolveRules(opts, cfg);
    const webhook = opts.webhook ?? (section.webhook as string | undefined);
    const emails = opts.email ?? (section.email as string[] | undefined);
    const smtpUrl = opts.smtpUrl ?? ctx.env.TASKLOG_SMTP_URL ?? (section.smtpUrl as string | undefined);
    const from = opts.from ?? (section.from as string | undefined) ?? 'tasklog@localhost';
    const cooldownMs = opts.cooldown ?? (typeof section.cooldown === 'string' ? parseSpan(section.cooldown) : 3_600_000);
    if (emails?.length && !smtpUrl) throw new UsageError('option --email needs an SMTP server: --smtp-url smtp://host:587, or TASKLOG_SMTP_URL');
    if (webhook && !/^https?:\/\//.test(webhook)) throw new UsageError(`option '--webhook <url>' argument is invalid. expects an http:// or https:// URL`);
    const channels = Boolean(webhook || emails?.length);
    const { evaluate } = await import('../query/alerts.js');
    const now = ctx.now();
    const policy = { attempts: opts.retries, baseDelayMs: opts.retryDelay * 1000 };

    const outcome = await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const alerts = await evaluate(db, now, rules);
      const state = new Map<string, string>();
      const deliveries: import('../notify/channels.js').Delivery[] = [];
      if (alerts.length === 0) return { alerts, state, deliveries };
      if (!channels) {
        for (const a of alerts) state.set(a.id, 'printed');
        return { alerts, state, deliveries };
      }
      if (opts.dryRun) {
        for (const a of alerts) state.set(a.id, 'dry_run');
        return { alerts, state, deliveries };
      }
      const { ensureStateTable, lastSent, recordSent } = await import('../notify/state.js');
      await ensureStateTable(db);
      const last = await lastSent(db);
      const toSend = alerts.filter((a) => {
        const at = last.get(a.id);
        // a last-sent time in the future (a clock that moved back) does not silence an alert
        if (at !== undefined && now.getTime() - at >= 0 && now.getTime() - at < cooldownMs) {
          state.set(a.id, `suppressed (sent ${Math.round((now.getTime() - at) / 60000)} min ago, cooldown ${cooldownMs / 60000} min)`);
          return false;
        }
        return true;
      });
      if (toSend.length === 0) return { alerts, state, deliveries };
      const { sendWebhook, sendEmails } = await import('../notify/channels.js');
      const ok = new Map(toSend.map((a) => [a.id, true]));
      if (webhook) {
        const d = await sendWebhook(webhook, toSend, now, 'tasklog', policy);
        deliveries.push(d);
        if (!d.ok) for (const a of toSend) ok.set(a.id, false);
      }
      if (emails?.length) {
        const ds = await sendEmails(smtpUrl!, from, emails, toSend, policy);
        deliveries.push(...ds);
        ds.forEach((d, i) => {
          if (!d.ok) ok.set(toSend[i].id, false);
        });
      }
      for (const a of toSend) {
        if (ok.get(a.id)) {
          await recordSent(db, a.id, a.value, now);
          state.set(a.id, 'sent');
        } else state.set(a.id, 'delivery failed');
      }
      return { alerts, state, deliveries };
    });

    const failedDeliveries = outcome.deliveries.filter((d) => !d.ok);
    if (opts.json) {
      const { writeJson } = await import('../render/output.js');
      writeJson(ctx, {
        fired: outcome.alerts.length,
        checked_at: now.toISOString(),
        alerts: outcome.alerts.map((a) => ({ ...a, state: outcome.state.get(a.id) })),
        deliveries: outcome.deliveries,
        ...(opts.dryRun && channels ? { would_send: await wouldSend(outcome.alerts, webhook, emails, now) } : {}),
      });
    } else {
      const lines: string[] = [];
      if (outcome.alerts.length === 0) lines.push('OK - no alert fired');
      for (const a of outcome.alerts) {
        lines.push(`ALERT ${a.id}: ${a.subject.replace(/^\[ALERT\] /, '')} (threshold ${a.threshold}${a.unit === '%' ? '%' : ` ${a.unit}`}) — ${outcome.state.get(a.id)}`);
        for (const e of a.evidence) lines.push(`    ${e}`);
      }
      for (const d of outcome.deliveries) lines.push(`${d.ok ? 'delivered' : 'FAILED'}: ${d.channel} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.error ? ` (${d.error})` : ''}`);
      if (opts.dryRun && channels && outcome.alerts.length) {
        const w = await wouldSend(outcome.alerts, webhook, emails, now);
        if (w.webhook) lines.push(`would POST ${w.webhook.payload.alerts.length} alert(s) to ${w.webhook.url} (--json shows the payload)`);
        for (const m of w.emails) lines.push(`would mail ${m.to.join(', ')}: ${m.subject}`);
      }
      ctx.stdout.write(lines.join('\n') + '\n');
    }
    if (failedDeliveries.length) {
      throw new RuntimeFailure(`${failedDeliveries.length} deliver${failedDeliveries.length === 1 ? 'y' : 'ies'} failed: ${failedDeliveries.map((d) => `${d.channel} (${d.error})`).join('; ')}`, 'delivery');
    }
    return outcome.alerts.length ? ALERT_EXIT.FIRED : ALERT_EXIT.NONE;
  },
};

async function wouldSend(alerts: import('../query/alerts.js').Alert[], webhook: string | undefined, emails: string[] | undefined, now: Date) {
  const { webhookPayload, redactUrl } = await import('../notify/channels.js');
  return {
    webhook: webhook ? { url: redactUrl(webhook), payload: webhookPayload(alerts, now, 'tasklog') } : null,
    emails: emails?.length ? alerts.map((a) => ({ to: emails, subject: a.subject })) : [],
  };
}

/** Defaults, then the config file's "alerts" entry, then flags. */
function resolveRules(opts: Opts, cfg: LoadedConfig): AlertRules {
  const rules: AlertRules = { ...DEFAULT_RULES, ...configThresholds(cfg, 'alerts'), tasks: [] };
  const section = (cfg.values.alerts ?? {}) as Record<string, unknown>;
  const bad = (k: string, what: string) => new RuntimeFailure(`config file ${cfg.path}: alerts.${k} must be ${what}`, 'config');
  if (section.tasks !== undefined) {
    if (!Array.isArray(section.tasks)) throw bad('tasks', 'a list of {"task": NAME, "failureRate": PERCENT}');
    for (const t of section.tasks as Record<string, unknown>[]) {
      if (typeof t?.task !== 'string' || typeof t.failureRate !== 'number') throw bad('tasks', 'a list of {"task": NAME, "failureRate": PERCENT}');
      rules.tasks.push({ task: t.task, failureRate: t.failureRate, minRows: typeof t.minRows === 'number' ? t.minRows : undefined });
    }
  }
  if (opts.window !== undefined) rules.windowMs = opts.window;
  if (opts.failureRate !== undefined) rules.failureRate = opts.failureRate;
  if (opts.minRows !== undefined) rules.minRows = opts.minRows;
  if (opts.stuckCount !== undefined) rules.stuckCount = opts.stuckCount;
  if (opts.stuckAfter !== undefined) rules.stuckAfterMs = opts.stuckAfter;
  if (opts.queued !== undefined) rules.queued = opts.queued;
  if (opts.avgDuration !== undefined) rules.avgDurationSeconds = opts.avgDuration;
  if (opts.avgRetries !== undefined) rules.avgRetries = opts.avgRetries;
  return rules;
}
