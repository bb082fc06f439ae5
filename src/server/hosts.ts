/**
 * Which Host headers the server answers. A page on another site can make the
 * browser of someone who runs `tasklog serve` on loopback send requests to it
 * under the attacker's own name (DNS rebinding: attacker.example first points
 * at the attacker, then at 127.0.0.1); the browser then lets that page read
 * the answers. Such a request names the attacker's host in its Host header,
 * so without a token only loopback names are answered (localhost,
 * 127.0.0.0/8, [::1], with any port), and the names --allowed-host adds.
 */
import { InvalidValue } from '../core/errors.js';

const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** what --allowed-host accepts: a DNS name or an IPv4 address, or an IPv6 address in brackets */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;

/** The host name of a Host header ("Example.com:8000" → "example.com", "[::1]:80" → "[::1]"), or null when it is not host[:port]. */
export function hostName(header: string): string | null {
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(header);
  if (!m || m[1] === '') return null;
  if (m[2] !== undefined && Number(m[2]) > 65535) return null;
  return m[1].toLowerCase();
}

export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '[::1]') return true;
  const v4 = LOOPBACK_V4.exec(name);
  return v4 !== null && v4.slice(1).every((o) => Number(o) <= 255);
}

/**
 * Whether a request's Host header names loopback or one of `allowed`. A
 * request without one (HTTP/1.0; node refuses HTTP/1.1 without it) is
 * answered: no browser sends such a request.
 */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  return name !== null && (isLoopbackName(name) || allowed.includes(name));
}

/** --allowed-host's value: comma-separated host names (no port), each checked, lower-cased. */
export function parseAllowedHosts(raw: string): string[] {
  const names = raw.split(',').map((s) => s.trim().toLowerCase());
  for (const name of names) {
    if (name === '*') throw new InvalidValue("expects host names; '*' would answer any site's pages (DNS rebinding): use --token instead");
    if (!HOST_NAME.test(name) && !IPV6.test(name)) throw new InvalidValue(`expects comma-separated host names such as tasks.internal,10.0.0.5 (no port, no scheme); got '${name.slice(0, 80)}'`);
  }
  return names;
}
