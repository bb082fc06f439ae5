import { resolveSetting, thresholdValues } from '../toolkit/config.js';
import { withDb } from '../toolkit/database.js';
import { output } from '../toolkit/output.js';
import { ALERTS_COOLDOWN, ALERTS_EMAIL, ALERTS_FROM, ALERTS_SMTP_URL, ALERTS_TASKS, ALERTS_WEBHOOK, SLOS } from '../toolkit/settings.js';
import { RuntimeFailure, UsageError } from '../core/errors.js';
import { ALERT_EXIT, ALERT_STATUS, exitDocs } from '../core/exit.js';
import type { Ctx } from '../core/io.js';
import { plural } from '../core/numbers.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { intInRange, positiveNumber } from '../core/values.js';
import { emailList, isWebhookUrl, WEBHOOK_ACCEPTS } from '../notify/addresses.js';
import type { DeliveryPlan, Outcome, WouldSend } from '../notify/deliver.js';
import type { AlertRules } from '../query/alerts.js';
import { describeBurnRules } from '../query/slo.js';
import { formatThreshold, threshold, thresholdOption, thresholdsOf } from '../query/thresholds.js';
import { parseSpan } from '../query/timearg.js';
import { filterCondition, type ActiveFilter } from '../query/filters.js';
import { commandFilters, filterOptions, type ReadFlags } from '../toolkit/logs.js';

interface Opts extends ReadFlags {
  [threshold: string]: unknown;
  webhook?: string;
  email?: string[];
  smtpUrl?: string;
  from?: string;
  cooldown?: number;
  retries: number;
  retryDelay: number;
  dryRun?: boolean;
}

const THRESHOLDS = thresholdsOf('alerts');
const DEFAULT_FROM = ALERTS_FROM.default;

/** The rules with their default thresholds, as the help says them (from the thresholds table). */
function describeRules(): string {
  const d = (key: string) => formatThreshold(threshold('alerts', key));
  return (
    `Rules (django-cfg's alerting strategy): failure rate above ${d('failureRate')} % in the last ${d('window')} with at least ${d('minRows')} rows; ` +
    `more than ${d('stuckCount')} tasks in progress for over ${d('stuckAfter')}; more than ${d('queued')} queued; average duration above ` +
    `${d('avgDuration')} s in the last ${d('window')}; more than ${d('avgRetries')} retries on average; ` +
    'and failure-rate rules of their own from the config file ("alerts": {"tasks": [{"task": …, "failureRate": 5}, ' +
    '{"where": "queue_name = \'payments\'", "failureRate": 2}]}). Every filter of `logs list` (--where, --view too) ' +
    'narrows the rows every rule looks at. ' +
    `The config file's objectives ("slos", see tasklog slo) fire burn-rate alerts by the SRE Workbook's rules (${describeBurnRules()}), ` +
    'with severity page or ticket (one per objective, the worse); once the burn stops, an objective\'s cooldown is cleared, so ' +
    'the next burn is sent at once. ' +
    'Every threshold is a flag and a config entry. Fired alerts go to stdout, to --webhook (JSON with a `text` ' +
    'summary) and to --email over SMTP; the same alert is not sent again within --cooldown (state in the table ' +
    'tasklog_alert_state). Failed deliveries are retried with backoff and not recorded as sent.'
  );
}

export const spec: CommandSpec<Opts> = {
  path: ['alerts', 'check'],
  summary: 'evaluate the alert rules; print, post to a webhook, e-mail — once per cooldown',
  description: describeRules(),
  options: [
    ...THRESHOLDS.map(thresholdOption),
    { flags: '--webhook <url>', description: 'POST the fired alerts as JSON (Slack-compatible `text`)' },
    { flags: '--email <addr,…>', description: 'e-mail each fired alert to these addresses', parse: emailList },
    { flags: '--smtp-url <url>', description: 'SMTP server: smtp://user:pass@host:587 or smtps://… (default $TASKLOG_SMTP_URL)' },
    { flags: '--from <addr>', description: `sender address (default ${DEFAULT_FROM})` },
    { flags: '--cooldown <span>', description: 'do not send the same alert again within this span (default 1h)', parse: parseSpan },
    { flags: '--retries <n>', description: 'delivery attempts per channel', default: 3, parse: (v) => intInRange(v, 1, 10) },
    { flags: '--retry-delay <seconds>', description: 'first wait between attempts, doubled each time', default: 1, parse: (v) => positiveNumber(v, 'a number of seconds > 0') },
    { flags: '--dry-run', description: 'evaluate and show what would be sent; send and record nothing' },
    ...filterOptions(),
    JSON_OPTION,
  ],
  exitCodes: exitDocs(ALERT_STATUS),
  failure: { usage: ALERT_EXIT.USAGE, runtime: ALERT_EXIT.FAILED },
  examples: [
    { command: '*/15 * * * * tasklog alerts check --webhook https://hooks.slack.com/services/… --cooldown 1h', description: 'the cron line' },
    { command: 'tasklog alerts check --email oncall@example.com --smtp-url smtp://mail:587 --dry-run', description: 'see what would be mailed' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const plan = resolvePlan(opts, ctx);
    const { evaluate } = await import('../query/alerts.js');
    const { deliver, wouldSend } = await import('../notify/deliver.js');
    // sending records each alert in a state table of the task log's database (its cooldown); evaluating only reads
    const writes = plan.channels && !plan.dryRun ? 'alerts check records what it sent in the database (--dry-run only reads)' : undefined;
    const outcome = await withDb(opts, ctx, { requireTable: true, writes }, async (db) =>
      deliver(db, await evaluate(db, plan.now, plan.rules, filterCondition(db, plan.now, { filters: plan.filters })), plan),
    );
    const would = plan.dryRun && plan.channels ? await wouldSend(outcome.alerts, plan) : null;
    await output(opts, ctx).print(outcomeJson(outcome, plan, would), () => outcomeText(outcome, would));
    const failed = outcome.deliveries.filter((d) => !d.ok);
    if (failed.length) {
      throw new RuntimeFailure(`${plural(failed.length, 'delivery', 'deliveries')} failed: ${failed.map((d) => `${d.channel} (${d.error})`).join('; ')}`, 'delivery');
    }
    return outcome.alerts.length ? ALERT_EXIT.FIRED : ALERT_EXIT.NONE;
  },
};

/** What this run does: the rules, where alerts go, how often — flags over the config file's "alerts" section over defaults. */
interface Plan extends DeliveryPlan {
  rules: AlertRules;
  /** the rows every rule looks at */
  filters: ActiveFilter[];
}

function resolvePlan(opts: Opts, ctx: Ctx): Plan {
  const webhook = resolveSetting(ALERTS_WEBHOOK, opts, ctx).value;
  const emails = resolveSetting(ALERTS_EMAIL, opts, ctx).value;
  const smtpUrl = resolveSetting(ALERTS_SMTP_URL, opts, ctx).value;
  if (emails?.length && !smtpUrl) throw new UsageError('option --email needs an SMTP server: --smtp-url smtp://host:587, or TASKLOG_SMTP_URL');
  if (webhook && !isWebhookUrl(webhook)) throw new UsageError(`option '--webhook <url>' argument is invalid. expects ${WEBHOOK_ACCEPTS}`);
  return {
    now: ctx.now(),
    rules: resolveRules(opts, ctx),
    webhook,
    emails,
    smtpUrl,
    from: resolveSetting(ALERTS_FROM, opts, ctx).value!,
    cooldownMs: resolveSetting(ALERTS_COOLDOWN, opts, ctx).value!,
    policy: { attempts: opts.retries, baseDelayMs: opts.retryDelay * 1000 },
    dryRun: Boolean(opts.dryRun),
    channels: Boolean(webhook || emails?.length),
    filters: commandFilters(opts, ctx),
  };
}

/** Each threshold from its flag, the config file's "alerts" section, its default; the file's rules and objectives. */
function resolveRules(opts: Opts, ctx: Ctx): AlertRules {
  const rules = { ...thresholdValues('alerts', opts, ctx), tasks: resolveSetting(ALERTS_TASKS, opts, ctx).value!, slos: resolveSetting(SLOS, opts, ctx).value! };
  return rules as unknown as AlertRules;
}

/** What --json prints; `would`: what --dry-run would have sent (with channels). */
function outcomeJson(outcome: Outcome, plan: Plan, would: WouldSend | null) {
  return {
    fired: outcome.alerts.length,
    checked_at: plan.now.toISOString(),
    alerts: outcome.alerts.map((a) => ({ ...a, state: outcome.state.get(a.id) })),
    deliveries: outcome.deliveries,
    cleared: outcome.cleared,
    ...(would ? { would_send: would } : {}),
  };
}

/** The page a person reads: one line per alert with its evidence, then the deliveries. */
function outcomeText(outcome: Outcome, would: WouldSend | null): string {
  const lines: string[] = [];
  if (outcome.alerts.length === 0) lines.push('OK - no alert fired');
  for (const a of outcome.alerts) {
    lines.push(`ALERT ${a.id}: ${a.subject.replace(/^\[ALERT\] /, '')} (threshold ${a.threshold}${a.unit === '%' || a.unit === '×' ? a.unit : ` ${a.unit}`}) — ${outcome.state.get(a.id)}`);
    for (const e of a.evidence) lines.push(`    ${e}`);
  }
  for (const id of outcome.cleared) lines.push(`cleared ${id}: the burn stopped (its next alert is sent at once)`);
  for (const d of outcome.deliveries) lines.push(`${d.ok ? 'delivered' : 'FAILED'}: ${d.channel} after ${plural(d.attempts, 'attempt')}${d.error ? ` (${d.error})` : ''}`);
  if (would && outcome.alerts.length) {
    if (would.webhook) lines.push(`would POST ${plural(would.webhook.payload.alerts.length, 'alert')} to ${would.webhook.url} (--json shows the payload)`);
    for (const m of would.emails) lines.push(`would mail ${m.to.join(', ')}: ${m.subject}`);
  }
  return lines.join('\n') + '\n';
}
