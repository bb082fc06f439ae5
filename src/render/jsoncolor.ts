/** Pretty JSON with colored keys, strings, numbers and literals (plain when color is off). */
import type { Style } from './style.js';

export function prettyJson(value: unknown, style: Style, indent = 2): string {
  const compact = JSON.stringify(value) ?? 'null';
  // short values stay on one line (with a space after , and :), longer ones are indented
  const text = compact.length <= 72 ? JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/([[{]) /g, '$1').replace(/ ([\]}])/g, '$1') : JSON.stringify(value, null, indent);
  if (!style.enabled) return text;
  const { c } = style;
  return text.replace(/("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (m, str, colon, lit, num) => {
    if (str) return colon ? c.cyan(str) + colon : c.green(str);
    if (lit) return lit === 'null' ? c.gray(lit) : c.magenta(lit);
    if (num) return c.yellow(num);
    return m;
  });
}
