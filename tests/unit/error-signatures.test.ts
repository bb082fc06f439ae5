import { describe, expect, it } from 'vitest';
import { errorSignature } from '../../src/query/errors.js';

describe('error signatures', () => {
  it.each([
    ['TimeoutError: request to payments-api timed out after 3s', 'TimeoutError: request to payments-api timed out after <n>s'],
    ['TimeoutError: request to payments-api timed out after 30s', 'TimeoutError: request to payments-api timed out after <n>s'],
    ["KeyError: 'customer_17'", "KeyError: '…'"],
    ['SoftTimeLimitExceeded: export 1f86dfee-f594-4385-b563-50f40fad76ef exceeded 300s', 'SoftTimeLimitExceeded: export <uuid> exceeded <n>s'],
    ['APNsError: BadDeviceToken for device 9f3a0c1d2e4b5a69', 'APNsError: BadDeviceToken for device <hex>'],
    ["FileNotFoundError: [Errno 2] No such file or directory: '/srv/invoices/a.pdf'", "FileNotFoundError: [Errno <n>] No such file or directory: '…'"],
    ['OSError: cannot read /var/lib/app/data/file_17.bin today', 'OSError: cannot read <path> today'],
    ['HTTPError: 503 Server Error for url https://hooks.example.com/ab12cd34', 'HTTPError: <n> Server Error for url <url>'],
    ['SMTPRecipientsRefused: <user42@example.com>: mailbox unavailable', 'SMTPRecipientsRefused: <<email>>: mailbox unavailable'],
    ['StripeError: rate limit exceeded for account acct_1a2b3c4d5e', 'StripeError: rate limit exceeded for account <id>'],
    ['Ошибка: недоступен сервис аналитики 3 — повторите позже', 'Ошибка: недоступен сервис аналитики <n> — повторите позже'],
    ['Traceback (most recent call last):\n  File "tasks.py", line 7, in run\nRuntimeError: boom 42', 'RuntimeError: boom <n>'],
    [null, '(no error message)'],
    ['   ', '(no error message)'],
  ])('%j → %j', (message, signature) => {
    expect(errorSignature(message)).toBe(signature);
  });

  it('keeps distinct errors apart', () => {
    expect(errorSignature('KeyError: x')).not.toBe(errorSignature('ValueError: x'));
  });
});
