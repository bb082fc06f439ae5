/**
 * The request log's view of a URL: the values of query parameters whose name
 * says they hold a secret (token, key, password, secret, auth, session,
 * signature, credential…) replaced, so that a token sent as ?token= by
 * mistake does not end up in log files. Linear in the URL's length.
 */
import { unquotePlus } from './drf.js';

const SECRET_NAME = /token|secret|passw|pwd|key|auth|session|sig|credential|cookie|bearer/i;
export const REDACTED = '[redacted]';

export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((piece) => {
      const eq = piece.indexOf('=');
      if (eq < 0) return piece;
      return SECRET_NAME.test(unquotePlus(piece.slice(0, eq))) ? `${piece.slice(0, eq)}=${REDACTED}` : piece;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}
