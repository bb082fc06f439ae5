/**
 * --where: a small expression language over a task log row, compiled to
 * parameterized SQL through the dialect.
 *
 *   expr       := term { or term }
 *   term       := factor { and factor }
 *   factor     := not factor | ( expr ) | group | comparison
 *   group      := is_completed | is_successful | is_failed | is_open | has_error
 *   comparison := field op value
 *               | field [not] in ( value {, value} )
 *               | field [not] contains 'text' | field [not] startswith 'text'
 *               | field is [not] null
 *   op         := = | != | <> | < | <= | > | >=
 *   field      := column | args[0] | kwargs.user_id | result.a.b[2] | kwargs['odd key']
 *   value      := 'text' | "text" | number | 30s | 2024-05-01 | 2024-05-01T10:00:00Z | -7d | 7d ago | now | true | false
 *
 * Words are case-insensitive; fields are not. A condition the flags can say
 * compiles to the flags' own SQL (conditions.ts): `status = 'failed' and
 * queue_name = 'high'` is the statement of --status failed --queue-name high.
 * The input is read once, left to right (no backtracking), and its size and
 * nesting are bounded.
 */
import { InvalidValue } from '../core/errors.js';
import type { JsonStep } from '../db/dialect/types.js';
import { containsCondition, equalsSql, hasErrorSql, inSql, statusGroupSql, type Condition, type FilterEnv } from './conditions.js';
import { STATUS_GROUPS, STATUSES, type StatusGroup } from './status.js';
import { parseTimeArg, resolveTimeArg, type TimeArg } from './timearg.js';

/** The grammar as the man page and the module's comment state it. */
export const WHERE_GRAMMAR: readonly string[] = [
  'expr       := term { or term }',
  'term       := factor { and factor }',
  'factor     := not factor | ( expr ) | group | comparison',
  'comparison := field op value | field [not] in ( value, ... ) | field [not] contains \'text\'',
  "            | field [not] startswith 'text' | field is [not] null",
  'op         := = | != | <> | < | <= | > | >=',
  "field      := column | args[0] | kwargs.user_id | result.a.b[2] | kwargs['odd key']",
  "value      := 'text' | \"text\" | 42 | -1.5 | true | false | 30s | 2024-05-01 | 2024-05-01T10:00:00Z | -7d | 7d ago | now",
];

export const MAX_WHERE_LENGTH = 4000;
const MAX_DEPTH = 50;
const MAX_VALUES = 1000;

type Kind = 'text' | 'status' | 'int' | 'duration' | 'bool' | 'time' | 'json';

/** The row's fields and what each holds (the task table's columns, as Django declares them). */
export const WHERE_FIELDS: ReadonlyMap<string, Kind> = new Map<string, Kind>([
  ['id', 'int'],
  ['job_id', 'text'],
  ['task_name', 'text'],
  ['queue_name', 'text'],
  ['status', 'status'],
  ['worker_id', 'text'],
  ['error_message', 'text'],
  ['result', 'json'],
  ['args', 'json'],
  ['kwargs', 'json'],
  ['success', 'bool'],
  ['duration_ms', 'duration'],
  ['job_retry', 'int'],
  ['job_retries', 'int'],
  ['job_retry_after', 'int'],
  ['user_id', 'int'],
  ['enqueue_time', 'time'],
  ['expire_time', 'time'],
  ['start_time', 'time'],
  ['finish_time', 'time'],
  ['created_at', 'time'],
  ['updated_at', 'time'],
]);

/** Django stores args and kwargs as a JSONField, result as text (JSON when the task wrote some). */
const JSON_STORED: ReadonlyMap<string, 'json' | 'text'> = new Map([
  ['args', 'json'],
  ['kwargs', 'json'],
  ['result', 'text'],
]);

/** The words that stand for a status group (status.ts) or for has_error, as the --is-… and --has-error flags. */
export const WHERE_GROUPS: readonly string[] = [...STATUS_GROUPS.map((g) => `is_${g}`), 'has_error'];

const DURATION_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
  ['w', 604_800_000],
]);

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'startswith', 'is', 'null', 'true', 'false', 'now', 'ago']);

/** A bad expression: what is wrong and where (0-based character offset). */
export class WhereError extends InvalidValue {
  constructor(
    readonly reason: string,
    readonly pos: number,
    readonly expr: string,
  ) {
    super(`${reason} (at character ${pos + 1})`);
  }
}

/** The expression with a caret under the error: for a terminal. */
export function describeWhereError(err: WhereError, label: string): string {
  const shown = err.expr.replace(/[\x00-\x1f\x7f]/g, ' ');
  const pos = Math.min(err.pos, shown.length);
  return `${label}: ${err.reason}\n  ${shown}\n  ${' '.repeat([...shown.slice(0, pos)].length)}^`;
}

// ---------------------------------------------------------------- tokens

type Tok =
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; unit: string; text: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number }
  | { t: 'end'; pos: number };

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new WhereError('unterminated text: close it with ' + c, start, src);
        if (src[i] === c) {
          if (src[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += src[i++];
      }
      out.push({ t: 'string', v: text, pos: start });
      continue;
    }
    if (isDigit(c) || (c === '-' && isDigit(src[i + 1] ?? ''))) {
      if (c !== '-') {
        // a date: four digits and a dash; then the characters a time may hold
        let j = i;
        while (j < n && isDigit(src[j])) j++;
        if (j - i === 4 && src[j] === '-' && isDigit(src[j + 1] ?? '')) {
          while (j < n && (isDigit(src[j]) || '-:.+TZtz'.includes(src[j]))) j++;
          out.push({ t: 'date', v: src.slice(i, j), pos: start });
          i = j;
          continue;
        }
      }
      let j = c === '-' ? i + 1 : i;
      while (j < n && isDigit(src[j])) j++;
      if (src[j] === '.' && isDigit(src[j + 1] ?? '')) {
        j++;
        while (j < n && isDigit(src[j])) j++;
      }
      const numText = src.slice(i, j);
      let k = j;
      while (k < n && isLetter(src[k])) k++;
      const unit = src.slice(j, k).toLowerCase();
      if (k < n && isDigit(src[k])) throw new WhereError(`unexpected '${src[k]}'`, k, src);
      out.push({ t: 'number', v: Number(numText), unit, text: src.slice(i, k), pos: start });
      i = k;
      continue;
    }
    if (isLetter(c)) {
      let j = i;
      while (j < n && (isLetter(src[j]) || isDigit(src[j]))) j++;
      out.push({ t: 'word', v: src.slice(i, j), pos: start });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=' || two === '==') {
      out.push({ t: 'op', v: two === '<>' ? '!=' : two === '==' ? '=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ t: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if ('(),.[]'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: start });
      i++;
      continue;
    }
    throw new WhereError(`unexpected '${c}'`, i, src);
  }
  out.push({ t: 'end', pos: n });
  return out;
}

// ---------------------------------------------------------------- tree

export type Value =
  | { t: 'text'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'time'; v: TimeArg };

export interface FieldRef {
  name: string;
  kind: Kind;
  path: JsonStep[];
}

export type WhereNode =
  | { k: 'and' | 'or'; parts: WhereNode[] }
  | { k: 'not'; e: WhereNode }
  | { k: 'group'; name: string }
  | { k: 'cmp'; field: FieldRef; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Value }
  | { k: 'in'; field: FieldRef; values: Value[]; negate: boolean }
  | { k: 'match'; field: FieldRef; how: 'contains' | 'startswith'; text: string; negate: boolean }
  | { k: 'null'; field: FieldRef; negate: boolean };

/** A parsed expression: its text and its tree. */
export interface WhereExpr {
  text: string;
  node: WhereNode;
}

const word = (tok: Tok, w: string) => tok.t === 'word' && tok.v.toLowerCase() === w;

class Parser {
  private i = 0;
  private depth = 0;
  private values = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  private get tok(): Tok {
    return this.toks[this.i];
  }

  /** the current token is this punctuation */
  private at(p: string): boolean {
    const t = this.toks[this.i];
    return t.t === 'punct' && t.v === p;
  }

  private atEnd(): boolean {
    return this.toks[this.i].t === 'end';
  }

  private fail(reason: string, at: Tok = this.toks[Math.min(this.i, this.toks.length - 1)]): never {
    throw new WhereError(reason, at.pos, this.src);
  }

  private shown(tok: Tok): string {
    if (tok.t === 'end') return 'the end';
    const next = this.toks[this.toks.indexOf(tok) + 1];
    const text = this.src.slice(tok.pos, next?.pos ?? tok.pos + 1).trim();
    return `'${text.length > 30 ? text.slice(0, 29) + '…' : text}'`;
  }

  parse(): WhereNode {
    if (this.atEnd()) this.fail('empty expression: write a condition such as status = \'failed\'');
    const node = this.or();
    if (!this.atEnd()) this.fail(`expected and, or or the end, found ${this.shown(this.tok)}`);
    return node;
  }

  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private or(): WhereNode {
    const parts = [this.and()];
    while (word(this.tok, 'or')) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : { k: 'or', parts };
  }

  private and(): WhereNode {
    const parts = [this.factor()];
    while (word(this.tok, 'and')) {
      this.i++;
      parts.push(this.factor());
    }
    return parts.length === 1 ? parts[0] : { k: 'and', parts };
  }

  private factor(): WhereNode {
    return this.nest(() => {
      const tok = this.tok;
      if (word(tok, 'not')) {
        this.i++;
        return { k: 'not', e: this.factor() };
      }
      if (tok.t === 'punct' && tok.v === '(') {
        this.i++;
        const inner = this.or();
        if (!this.at(')')) this.fail(`expected ')', found ${this.shown(this.tok)}`);
        this.i++;
        return inner;
      }
      if (tok.t === 'word' && WHERE_GROUPS.includes(tok.v.toLowerCase())) {
        this.i++;
        return { k: 'group', name: tok.v.toLowerCase() };
      }
      return this.comparison();
    });
  }

  private field(): FieldRef {
    const tok = this.tok;
    if (tok.t === 'end') this.fail(`expected a condition (a field, a group such as is_failed, not, or '('), found the end`);
    if (tok.t !== 'word' || KEYWORDS.has(tok.v.toLowerCase())) {
      this.fail(`expected a field, found ${this.shown(tok)}; fields: ${[...WHERE_FIELDS.keys()].join(', ')}; groups: ${WHERE_GROUPS.join(', ')}`);
    }
    const kind = WHERE_FIELDS.get(tok.v);
    if (!kind) this.fail(`unknown field '${tok.v}'; fields: ${[...WHERE_FIELDS.keys()].join(', ')}; groups: ${WHERE_GROUPS.join(', ')}`, tok);
    this.i++;
    const path: JsonStep[] = [];
    for (;;) {
      const t = this.tok;
      if (t.t === 'punct' && t.v === '.') {
        const key = this.toks[this.i + 1];
        if (key.t !== 'word' && !(key.t === 'number' && key.unit === '' && Number.isInteger(key.v) && key.v >= 0)) this.fail('expected a key after .', key);
        path.push(key.t === 'word' ? key.v : String(key.v));
        this.i += 2;
      } else if (t.t === 'punct' && t.v === '[') {
        const step = this.toks[this.i + 1];
        const close = this.toks[this.i + 2];
        if (step.t === 'number' && step.unit === '' && Number.isInteger(step.v) && step.v >= 0 && step.v <= 1_000_000) path.push(step.v);
        else if (step.t === 'string') path.push(jsonKey(step.v, step.pos, this.src));
        else this.fail('expected an array index (0, 1, …) or a quoted key in [ ]', step);
        if (!(close.t === 'punct' && close.v === ']')) this.fail("expected ']'", close);
        this.i += 3;
      } else break;
    }
    if (path.length && kind !== 'json') this.fail(`${tok.v} is not JSON: only args, kwargs and result take a path`, this.toks[this.i - 1]);
    return { name: tok.v, kind, path };
  }

  private comparison(): WhereNode {
    const at = this.tok;
    const field = this.field();
    const tok = this.tok;
    if (word(tok, 'is')) {
      this.i++;
      const negate = word(this.tok, 'not');
      if (negate) this.i++;
      if (!word(this.tok, 'null')) this.fail(`expected null after is${negate ? ' not' : ''}`);
      this.i++;
      return { k: 'null', field, negate };
    }
    if (field.kind === 'json' && field.path.length === 0 && field.name !== 'result') {
      this.fail(`${field.name} is compared by a path into it: ${field.name}${field.name === 'args' ? '[0]' : '.key'} = …, or ${field.name} is null`, tok);
    }
    let negate = false;
    if (word(tok, 'not')) {
      negate = true;
      this.i++;
    }
    const how = this.tok;
    if (word(how, 'in')) {
      this.i++;
      if (!this.at('(')) this.fail("expected '(' after in");
      this.i++;
      const values: Value[] = [];
      for (;;) {
        values.push(this.value(field, '='));
        if (++this.values > MAX_VALUES) this.fail(`more than ${MAX_VALUES} values`);
        if (this.at(',')) {
          this.i++;
          continue;
        }
        if (this.at(')')) {
          this.i++;
          break;
        }
        this.fail(`expected ',' or ')', found ${this.shown(this.tok)}`);
      }
      return { k: 'in', field, values, negate };
    }
    if (word(how, 'contains') || word(how, 'startswith')) {
      this.i++;
      const v = this.tok;
      if (!textual(field)) this.fail(`${field.name} holds ${kindWords(field.kind)}: contains and startswith take text fields`, how);
      if (v.t !== 'string') this.fail(`expected quoted text after ${how.t === 'word' ? how.v.toLowerCase() : ''}, found ${this.shown(v)}`);
      this.i++;
      return { k: 'match', field, how: word(how, 'contains') ? 'contains' : 'startswith', text: v.v, negate };
    }
    if (negate) this.fail('expected in, contains or startswith after not', how);
    if (how.t !== 'op') this.fail(`expected an operator (= != < <= > >= in contains startswith is) after ${this.src.slice(at.pos, how.pos).trim()}, found ${this.shown(how)}`);
    this.i++;
    const op = how.v as '=' | '!=' | '<' | '<=' | '>' | '>=';
    if (op !== '=' && op !== '!=' && field.kind === 'bool') this.fail(`${field.name} is true, false or null: compare it with = or !=`, how);
    const value = this.value(field, op);
    return { k: 'cmp', field, op, value };
  }

  /** A value as the field takes it (typed here, so a bad one is found before any SQL). */
  private value(field: FieldRef, op: string): Value {
    const tok = this.tok;
    const name = field.name + field.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
    if (word(tok, 'null')) this.fail(`write ${name} is ${op === '!=' ? 'not ' : ''}null to compare with null`);
    const kind = field.kind === 'json' && field.path.length === 0 ? 'text' : field.kind;
    const bad = (what: string): never => this.fail(`${name} ${what}, found ${this.shown(tok)}`, tok);
    this.i++;
    switch (kind) {
      case 'text':
        if (tok.t !== 'string') bad("takes quoted text ('…')");
        return { t: 'text', v: (tok as { v: string }).v };
      case 'status': {
        if (tok.t !== 'string') bad(`takes a quoted status: ${STATUSES.join(', ')}`);
        const v = (tok as { v: string }).v;
        if (!(STATUSES as readonly string[]).includes(v)) this.fail(`'${v}' is not a status; statuses: ${STATUSES.join(', ')}`, tok);
        return { t: 'text', v };
      }
      case 'int':
        if (tok.t !== 'number' || tok.unit !== '') bad('takes a number');
        return { t: 'number', v: (tok as { v: number }).v };
      case 'duration': {
        if (tok.t !== 'number') bad('takes milliseconds or a duration (500ms, 30s, 5m, 2h, 1d)');
        const t = tok as Extract<Tok, { t: 'number' }>;
        const unit = t.unit === '' ? 1 : DURATION_MS.get(t.unit);
        if (unit === undefined) this.fail(`unknown unit '${t.unit}' in ${t.text}; units: ms, s, m, h, d, w`, tok);
        return { t: 'number', v: t.v * unit };
      }
      case 'bool':
        if (!word(tok, 'true') && !word(tok, 'false')) bad('takes true or false');
        return { t: 'bool', v: word(tok, 'true') };
      case 'time':
        return { t: 'time', v: this.time(tok, name) };
      case 'json':
        if (tok.t === 'string') return { t: 'text', v: tok.v };
        if (word(tok, 'true') || word(tok, 'false')) return { t: 'bool', v: word(tok, 'true') };
        if (tok.t === 'number' && tok.unit === '') return { t: 'number', v: tok.v };
        return bad("takes quoted text, a number, true or false");
    }
  }

  private time(tok: Tok, name: string): TimeArg {
    const example = `${name} > -7d, ${name} > 7d ago, ${name} >= 2024-05-01 or ${name} < '2024-05-01T10:00:00Z'`;
    if (word(tok, 'now')) return { kind: 'relative', ms: 0, text: 'now' };
    if (tok.t === 'date' || tok.t === 'string') {
      try {
        return parseTimeArg(tok.v);
      } catch {
        this.fail(`'${tok.v}' is not a time: write ${example}`, tok);
      }
    }
    if (tok.t === 'number' && tok.unit !== '') {
      const unit = DURATION_MS.get(tok.unit);
      if (unit === undefined) this.fail(`unknown unit '${tok.unit}' in ${tok.text}; units: ms, s, m, h, d, w`, tok);
      const ago = word(this.tok, 'ago');
      if (ago) this.i++;
      if (tok.v < 0 && !ago) return { kind: 'relative', ms: -tok.v * unit, text: tok.text };
      if (tok.v >= 0 && ago) return { kind: 'relative', ms: tok.v * unit, text: `${tok.text} ago` };
    }
    return this.fail(`${name} takes a time: ${example}`, tok);
  }
}

function textual(field: FieldRef): boolean {
  return field.kind === 'text' || field.kind === 'status' || field.kind === 'json';
}

function kindWords(kind: Kind): string {
  return { text: 'text', status: 'a status', int: 'a number', duration: 'a duration', bool: 'true, false or null', time: 'a time', json: 'JSON' }[kind];
}

/** A key of a JSON path: plain text, without the characters that would have to be escaped inside a path. */
function jsonKey(key: string, pos: number, src: string): string {
  if (key === '' || /["'\\\x00-\x1f\x7f]/.test(key)) throw new WhereError('a JSON key cannot be empty nor hold quotes, backslashes or control characters', pos, src);
  return key;
}

/** Parses an expression (throws WhereError, an InvalidValue, with the position). */
export function parseWhere(text: string): WhereExpr {
  if (text.length > MAX_WHERE_LENGTH) throw new WhereError(`longer than ${MAX_WHERE_LENGTH} characters`, MAX_WHERE_LENGTH, text.slice(0, 60) + '…');
  return { text, node: new Parser(text, lex(text)).parse() };
}

/** Both expressions must hold (a view and --where, say). */
export function andWhere(a: WhereExpr | undefined, b: WhereExpr | undefined): WhereExpr | undefined {
  if (!a || !b) return a ?? b;
  return { text: `(${a.text}) and (${b.text})`, node: { k: 'and', parts: [a.node, b.node] } };
}

// ---------------------------------------------------------------- SQL

/**
 * The expression's conditions, ANDed: the parts of a top-level `and` each on
 * its own, as the flags add theirs, so that both give the same statement.
 */
export function whereConditions(expr: WhereExpr, e: FilterEnv): Condition[] {
  const parts = expr.node.k === 'and' ? expr.node.parts : [expr.node];
  return parts.map((p) => compile(p, e, true));
}

/** `positive`: the node is under an even number of `not`s (a condition an index may narrow first: containsCondition) */
function compile(node: WhereNode, e: FilterEnv, positive: boolean): Condition {
  switch (node.k) {
    case 'and':
    case 'or': {
      const parts = node.parts.map((p) => compile(p, e, positive));
      return { sql: `(${parts.map((p) => p.sql).join(node.k === 'and' ? ' AND ' : ' OR ')})`, bindings: parts.flatMap((p) => p.bindings) };
    }
    case 'not': {
      const inner = compile(node.e, e, !positive);
      return { sql: `NOT (${inner.sql})`, bindings: inner.bindings };
    }
    case 'group':
      return { sql: node.name === 'has_error' ? hasErrorSql(e) : statusGroupSql(node.name.slice(3) as StatusGroup, e), bindings: [] };
    case 'null': {
      if (node.field.path.length) {
        const missing = json(node.field, e).missing;
        return { sql: node.negate ? `NOT ${missing}` : missing, bindings: [] };
      }
      return { sql: `${e.col(node.field.name)} IS ${node.negate ? 'NOT ' : ''}NULL`, bindings: [] };
    }
    case 'match': {
      const target = node.field.path.length ? json(node.field, e).text : e.col(node.field.name);
      const c =
        node.how === 'startswith'
          ? e.db.dialect.startsWith(target, node.text)
          : node.field.path.length
            ? e.db.dialect.foldContains(target, node.text)
            : containsCondition(node.field.name, node.text, e, positive && !node.negate);
      return node.negate ? { sql: `NOT (${c.sql})`, bindings: c.bindings } : c;
    }
    case 'in': {
      const { field } = node;
      let c: Condition;
      if (field.path.length) {
        const parts = node.values.map((v) => compare(field, '=', v, e));
        c = { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, bindings: parts.flatMap((p) => p.bindings) };
      } else {
        const values = node.values.map((v) => bind(v, e));
        c = { sql: inSql(field.name, values.length, e), bindings: values };
      }
      return node.negate ? { sql: `NOT (${c.sql})`, bindings: c.bindings } : c;
    }
    case 'cmp':
      return compare(node.field, node.op, node.value, e);
  }
}

function compare(field: FieldRef, op: string, value: Value, e: FilterEnv): Condition {
  const d = e.db.dialect;
  const sqlOp = op === '!=' ? '<>' : op;
  if (field.path.length) {
    const j = json(field, e);
    if (value.t === 'text') return { sql: `${d.binaryText(j.text)} ${sqlOp} ?`, bindings: [value.v] };
    if (value.t === 'number') return { sql: `${j.number} ${sqlOp} ?`, bindings: [value.v] };
    if (value.t === 'bool') return { sql: `${j.bool} ${sqlOp} ${value.v ? d.trueSql : d.falseSql}`, bindings: [] };
  }
  if (field.kind === 'bool' && value.t === 'bool') return { sql: `${e.col(field.name)} ${sqlOp} ?`, bindings: [d.encodeBool(value.v)] };
  if (op === '=') return { sql: equalsSql(field.name, e), bindings: [bind(value, e)] };
  // text in code point order on every database (MySQL's collations would fold case)
  const col = value.t === 'text' && op !== '!=' ? d.binaryText(e.col(field.name)) : e.col(field.name);
  return { sql: `${col} ${sqlOp} ?`, bindings: [bind(value, e)] };
}

function bind(value: Value, e: FilterEnv): unknown {
  switch (value.t) {
    case 'time':
      return e.db.dialect.encodeTime(resolveTimeArg(value.v, e.now));
    case 'bool':
      return e.db.dialect.encodeBool(value.v);
    default:
      return value.v;
  }
}

function json(field: FieldRef, e: FilterEnv) {
  return e.db.dialect.jsonValue(e.col(field.name), JSON_STORED.get(field.name)!, field.path);
}
