/**
 * What happens to the alerts that fired: each one not sent within its
 * cooldown goes to the channels (webhook, e-mail), what reached them all is
 * recorded (state.ts), and an objective whose burn stopped has its cooldown
 * cleared, so its next burn is sent at once.
 */
import type { Db } from '../db/connect.js';
import { SLO_ALERT_PREFIX, type Alert, type AlertRules } from '../query/alerts.js';
import type { Delivery, RetryPolicy } from './channels.js';

/** Where alerts go and how often: what a run of `alerts check` resolved from flags, the config file and defaults. */
export interface DeliveryPlan {
  now: Date;
  /** objectives configured: an earlier alert of one may need clearing even when nothing fires */
  rules: Pick<AlertRules, 'slos'>;
  webhook?: string;
  emails?: string[];
  smtpUrl?: string;
  from: string;
  cooldownMs: number;
  policy: RetryPolicy;
  dryRun: boolean;
  /** anywhere to send to (else the alerts are only printed) */
  channels: boolean;
}

export interface Outcome {
  alerts: Alert[];
  /** per alert: printed, dry_run, sent, suppressed (…), delivery failed */
  state: Map<string, string>;
  deliveries: Delivery[];
  /** objectives' alerts sent before that no longer fire: their cooldown state was removed */
  cleared: string[];
}

/** Sends what fired and is not in its cooldown, records what was delivered; nothing is sent without channels or with --dry-run. */
export async function deliver(db: Db, alerts: Alert[], plan: DeliveryPlan): Promise<Outcome> {
  const outcome: Outcome = { alerts, state: new Map(), deliveries: [], cleared: [] };
  if (!plan.channels || plan.dryRun) {
    for (const a of alerts) outcome.state.set(a.id, plan.channels ? 'dry_run' : 'printed');
    return outcome;
  }
  // nothing fired and no objective whose earlier alert may need clearing: nothing to read or write
  if (alerts.length === 0 && !plan.rules.slos?.length) return outcome;
  const { ensureStateTable, lastSent, recordSent, clearSent } = await import('./state.js');
  await ensureStateTable(db);
  const last = await lastSent(db);
  // an objective whose burn stopped: its next burn is news, whatever the cooldown
  const firing = new Set(alerts.map((a) => a.id));
  outcome.cleared = [...last.keys()].filter((id) => id.startsWith(SLO_ALERT_PREFIX) && !firing.has(id)).sort();
  if (outcome.cleared.length) await clearSent(db, outcome.cleared);
  if (alerts.length === 0) return outcome;
  const toSend = outsideCooldown(alerts, last, plan, outcome.state);
  if (toSend.length === 0) return outcome;
  const ok = await send(toSend, plan, outcome.deliveries);
  for (const a of toSend) {
    if (ok.get(a.id)) {
      await recordSent(db, a.id, a.value, plan.now);
      outcome.state.set(a.id, 'sent');
    } else outcome.state.set(a.id, 'delivery failed');
  }
  return outcome;
}

/** The alerts not sent within the cooldown; the others are marked suppressed. */
function outsideCooldown(alerts: Alert[], last: Map<string, number>, plan: DeliveryPlan, state: Map<string, string>): Alert[] {
  const now = plan.now.getTime();
  return alerts.filter((a) => {
    const at = last.get(a.id);
    // a last-sent time in the future (a clock that moved back) does not silence an alert
    if (at !== undefined && now - at >= 0 && now - at < plan.cooldownMs) {
      state.set(a.id, `suppressed (sent ${Math.round((now - at) / 60000)} min ago, cooldown ${plan.cooldownMs / 60000} min)`);
      return false;
    }
    return true;
  });
}

/** Posts and mails; whether each alert reached every channel. */
async function send(alerts: Alert[], plan: DeliveryPlan, deliveries: Delivery[]): Promise<Map<string, boolean>> {
  const { sendWebhook, sendEmails } = await import('./channels.js');
  const ok = new Map(alerts.map((a) => [a.id, true]));
  if (plan.webhook) {
    const d = await sendWebhook(plan.webhook, alerts, plan.now, 'tasklog', plan.policy);
    deliveries.push(d);
    if (!d.ok) for (const a of alerts) ok.set(a.id, false);
  }
  if (plan.emails?.length) {
    const ds = await sendEmails(plan.smtpUrl!, plan.from, plan.emails, alerts, plan.policy);
    deliveries.push(...ds);
    ds.forEach((d, i) => {
      if (!d.ok) ok.set(alerts[i].id, false);
    });
  }
  return ok;
}

/** What --dry-run would have sent: the webhook's payload (its URL without secrets) and each e-mail's subject. */
export async function wouldSend(alerts: Alert[], plan: DeliveryPlan) {
  const { webhookPayload, redactUrl } = await import('./channels.js');
  return {
    webhook: plan.webhook ? { url: redactUrl(plan.webhook), payload: webhookPayload(alerts, plan.now, 'tasklog') } : null,
    emails: plan.emails?.length ? alerts.map((a) => ({ to: plan.emails!, subject: a.subject })) : [],
  };
}
export type WouldSend = Awaited<ReturnType<typeof wouldSend>>;
