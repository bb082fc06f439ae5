/**
 * Alert delivery: a JSON webhook (with a `text` summary, so a Slack incoming
 * webhook accepts it) and e-mail over SMTP, each retried with backoff.
 */
import type { Alert } from '../query/alerts.js';
import { alertText } from '../query/alerts.js';

export interface Delivery {
  channel: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface RetryPolicy {
  attempts: number;
  /** first delay, doubled after each failure */
  baseDelayMs: number;
}

async function withRetry(policy: RetryPolicy, fn: () => Promise<void>): Promise<{ ok: boolean; attempts: number; error?: string }> {
  let error = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      await fn();
      return { ok: true, attempts: attempt };
    } catch (err) {
      error = (err as Error).message;
      if (attempt < policy.attempts) await new Promise((r) => setTimeout(r, policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
  return { ok: false, attempts: policy.attempts, error };
}

export function webhookPayload(alerts: Alert[], now: Date, source: string) {
  return {
    text: alerts.map((a) => `:rotating_light: ${a.subject}\n${a.evidence.join('\n')}`).join('\n\n'),
    source,
    timestamp: now.toISOString(),
    alerts: alerts.map((a) => ({ id: a.id, title: a.title, subject: a.subject, value: a.value, threshold: a.threshold, unit: a.unit, evidence: a.evidence, ...(a.severity ? { severity: a.severity } : {}) })),
  };
}

export async function sendWebhook(url: string, alerts: Alert[], now: Date, source: string, policy: RetryPolicy): Promise<Delivery> {
  const body = JSON.stringify(webhookPayload(alerts, now, source));
  const r = await withRetry(policy, async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  });
  return { channel: `webhook ${redactUrl(url)}`, ...r };
}

export async function sendEmails(smtpUrl: string, from: string, to: string[], alerts: Alert[], policy: RetryPolicy): Promise<Delivery[]> {
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport(smtpUrl);
  const out: Delivery[] = [];
  try {
    for (const a of alerts) {
      const r = await withRetry(policy, async () => {
        await transport.sendMail({ from, to, subject: a.subject, text: alertText(a) + '\n\n-- \nsent by tasklog alerts check\n' });
      });
      out.push({ channel: `email to ${to.join(', ')} (${a.id})`, ...r });
    }
  } finally {
    transport.close();
  }
  return out;
}

/** A URL without its credentials or query (webhook URLs often carry a secret in the path: keep only the host). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}
