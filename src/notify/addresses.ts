/**
 * Where alerts may go, checked the same way for flags and the config file:
 * e-mail addresses, the webhook URL, the SMTP server URL.
 */
import { InvalidValue } from '../core/errors.js';
import { csvList } from '../core/values.js';

const EMAIL = /^[^@\s]+@[^@\s]+$/;

export function isEmailAddress(text: string): boolean {
  return EMAIL.test(text);
}

/** "a@x.org,b@x.org" → ['a@x.org', 'b@x.org']; throws InvalidValue naming what is not an address. */
export function emailList(raw: string): string[] {
  const list = csvList(raw);
  const bad = list.filter((a) => !isEmailAddress(a));
  if (bad.length) throw new InvalidValue(`'${bad.join(',')}' is not an e-mail address`);
  return list;
}

export const WEBHOOK_ACCEPTS = 'an http:// or https:// URL';
export function isWebhookUrl(text: string): boolean {
  return /^https?:\/\/[^\s/]+/i.test(text);
}

export const SMTP_ACCEPTS = 'an smtp:// or smtps:// URL, such as smtp://user:pass@host:587';
export function isSmtpUrl(text: string): boolean {
  return /^smtps?:\/\/[^\s/]+/i.test(text);
}
