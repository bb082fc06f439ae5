/**
 * JSON as Django stores it. Django's JSONField writes `json.dumps(value)`:
 * separators ", " and ": ", and every character outside printable ASCII as a
 * \uXXXX escape. SQLite and MySQL keep that text as written, so tasklog writes
 * the same bytes Django would; reading accepts any valid JSON.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiEscape(JSON.stringify(value));
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${asciiEscape(JSON.stringify(k))}: ${pythonJsonDumps(v)}`,
    );
    return '{' + entries.join(', ') + '}';
  }
  return 'null';
}

function asciiEscape(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A JSON column's value: its text (every driver hands JSON columns over as text) is parsed; a value already parsed passes through. */
export function decodeJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (Buffer.isBuffer(value)) return decodeJson(value.toString('utf8'));
  return value;
}
