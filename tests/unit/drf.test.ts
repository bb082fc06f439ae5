/**
 * The query-string and page-link rules of src/server/drf.ts against the real
 * thing: Django REST framework's replace_query_param / remove_query_param,
 * Python's parse_qsl and QueryDict, and Django's Paginator, run in Debian's
 * python3 for the same inputs.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { drfJson, lastValue, pageNumber, parseQs, PyFloat, withQueryParam } from '../../src/server/drf.js';
import { djangoApiPython } from '../helpers/servers.js';

const python = djangoApiPython('sqlite');

const QUERIES = [
  '',
  'page=2',
  'status=failed&page=3&page_size=5',
  'z=1&a=%20x&b=+y+&page=2',
  'search=%C3%BC%20caf%C3%A9&ordering=-id',
  'search=a%2Bb%26c%3Dd&x=~*!()\'',
  'k=1&k=2&k=3',
  'flag&empty=&=v',
  'bad=%ZZ%&half=%C3',
  'semi=a;b=c',
  'path=/x/y?z&colon=a:b@c',
  'emoji=%F0%9F%98%80&cyr=%D0%BE%D1%88',
];
const PAGES = ['1', '2', ' 3 ', '+2', '-1', '0', '2.0', '1_0', '1__0', 'last', '', 'abc', '\u0663', '99'];

function pythonAnswers(): { replaced: string[]; removed: string[]; last: (string | null)[]; pages: (number | null)[] } {
  const script = `
import json, sys
import django
from django.conf import settings
settings.configure(USE_TZ=True)
django.setup()
from django.http import QueryDict
from django.core.paginator import Paginator, InvalidPage
from rest_framework.utils.urls import replace_query_param, remove_query_param
qs, pages = json.load(sys.stdin)
base = 'http://h.example:8000/cfg/tasks/logs/'
def page(raw):
    p = Paginator(list(range(50)), 10)
    if raw == 'last':
        return p.num_pages
    try:
        return p.page(raw).number
    except InvalidPage:
        return None
print(json.dumps({
  'replaced': [replace_query_param(base + ('?' + q if q else ''), 'page', '7') for q in qs],
  'removed': [remove_query_param(base + ('?' + q if q else ''), 'page') for q in qs],
  'last': [QueryDict(q).get('k', QueryDict(q).get('search')) for q in qs],
  'pages': [page(p) for p in pages],
}))
`;
  const r = spawnSync(python!, ['-c', script], { input: JSON.stringify([QUERIES, PAGES]), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe.skipIf(!python)('DRF page links and Django query strings', () => {
  const want = python ? pythonAnswers() : null;
  const base = 'http://h.example:8000/cfg/tasks/logs/';

  it.each(QUERIES.map((q, i) => [q, i]))('replace and remove page in %j as DRF does', (q, i) => {
    expect(withQueryParam(base, q as string, 'page', '7')).toBe(want!.replaced[i as number]);
    expect(withQueryParam(base, q as string, 'page', null)).toBe(want!.removed[i as number]);
  });

  it('the last value of a parameter, as QueryDict.get', () => {
    expect(QUERIES.map((q) => {
      const pairs = parseQs(q);
      return lastValue(pairs, 'k') ?? lastValue(pairs, 'search') ?? null;
    })).toEqual(want!.last);
  });

  it('a body as DRF\'s JSONRenderer writes it', () => {
    // the same body to Python (floats marked, since JSON cannot say 100.0), rendered by DRF
    const script = `
import json, sys
import django
from django.conf import settings
settings.configure(USE_TZ=True)
django.setup()
from rest_framework.renderers import JSONRenderer
body = json.loads(sys.stdin.read(), object_hook=lambda o: float(o["__float__"]) if "__float__" in o else o)
sys.stdout.buffer.write(JSONRenderer().render(body))
`;
    const text = 'x\u2028y\u2029 \u0001 "q" \\ \n é 😀';
    const wire = { rate: { __float__: 100 }, zero: { __float__: 0 }, half: { __float__: 96.67 }, n: 3, none: null, t: true, s: text, list: [1, 2.5, 'ü'] };
    const r = spawnSync(python!, ['-c', script], { input: JSON.stringify(wire), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const body = { rate: new PyFloat(100), zero: new PyFloat(0), half: new PyFloat(96.67), n: 3, none: null, t: true, s: text, list: [1, 2.5, 'ü'] };
    expect(drfJson(body)).toBe(r.stdout);
  });

  it('page numbers as Django\'s Paginator takes them (5 pages)', () => {
    expect(PAGES.map((p) => pageNumber(p, 5))).toEqual(want!.pages);
  });
});
