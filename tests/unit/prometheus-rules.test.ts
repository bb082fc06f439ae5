/**
 * tasklog slo --prometheus-rules: the file Prometheus' own checker accepts
 * (`promtool check rules`), and, evaluated by promtool's rule tests over
 * burn-rate series as tasklog metrics exports them, the Workbook's rules:
 * page above 14.4× over 1h and 5m or above 6× over 6h and 30m, ticket above
 * 1× over 72h and 6h unless a page holds; at a threshold is not above it,
 * and a window without a sample fires nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRE_ALL } from '../helpers/databases.js';
import { run } from '../helpers/run.js';

const missing = spawnSync('promtool', ['--version']).status === 0 ? null : 'promtool is missing (apt-get install prometheus)';
if (missing && REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${missing}`);
if (missing) console.warn(`\n*** SKIPPING the Prometheus rules check: ${missing}\n`);

const dir = mkdtempSync(join(tmpdir(), 'tasklog-promrules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const promtool = (args: string[]) => spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });

/** burn rates per window of each objective, and the alert it must raise (by hand from the Workbook's table) */
const CASES: { slo: string; burn: Record<string, number>; expect: 'page' | 'ticket' | null }[] = [
  { slo: 'fast', burn: { '5m': 20, '1h': 15, '6h': 3, '72h': 2 }, expect: 'page' },
  { slo: 'slow-page', burn: { '5m': 1, '30m': 6.5, '1h': 7, '6h': 6.1, '72h': 3 }, expect: 'page' },
  { slo: 'ticket', burn: { '5m': 0, '30m': 0.5, '1h': 1, '6h': 1.5, '72h': 1.2 }, expect: 'ticket' },
  { slo: 'at-thresholds', burn: { '5m': 20, '30m': 6, '1h': 14.4, '6h': 6, '72h': 1 }, expect: null },
  { slo: 'short-window-only', burn: { '5m': 50, '30m': 50, '1h': 2, '6h': 0.5, '72h': 0.9 }, expect: null },
  { slo: 'no-rows-lately', burn: { '6h': 3, '72h': 3 }, expect: 'ticket' },
  { slo: 'no-72h', burn: { '5m': 2, '6h': 3 }, expect: null },
];

describe.skipIf(missing)('tasklog slo --prometheus-rules', () => {
  it('promtool check rules accepts the file: two rules', async () => {
    const r = await run(['slo', '--prometheus-rules'], { cwd: dir });
    expect(r.code).toBe(0);
    writeFileSync(join(dir, 'tasklog-slo.yml'), r.stdout);
    const check = promtool(['check', 'rules', 'tasklog-slo.yml']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 2 rules found');
  });

  it('promtool test rules: each objective raises the alert the Workbook says, and no other', () => {
    const series = CASES.flatMap((c) => Object.entries(c.burn).map(([w, v]) => `      - series: 'tasklog_slo_burn_rate{slo="${c.slo}",window="${w}"}'\n        values: '${v}x10'`));
    const annotations = (slo: string, s: string) =>
      `{summary: 'Objective ${slo} burns its error budget too fast (${s})', description: 'Burn rate ${s === 'page' ? 'above 14.4x over 1h and 5m, or above 6x over 6h and 30m' : 'above 1x over 72h and 6h'} (SRE Workbook, multiwindow, multi-burn-rate). See: tasklog slo ${slo}'}`;
    const expected = (s: 'page' | 'ticket') =>
      CASES.filter((c) => c.expect === s).map((c) => `          - exp_labels: {severity: ${s}, slo: ${c.slo}}\n            exp_annotations: ${annotations(c.slo, s)}`);
    const test = [
      'rule_files: [tasklog-slo.yml]',
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      ...series,
      '    alert_rule_test:',
      '      - eval_time: 5m',
      '        alertname: TasklogSLOBurnRatePage',
      '        exp_alerts:',
      ...expected('page'),
      '      - eval_time: 5m',
      '        alertname: TasklogSLOBurnRateTicket',
      '        exp_alerts:',
      ...expected('ticket'),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'tasklog-slo.test.yml'), test);
    const r = promtool(['test', 'rules', 'tasklog-slo.test.yml']);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('the same test fails when an expectation is wrong (the check can fail)', () => {
    const wrong = CASES.map((c) => (c.slo === 'at-thresholds' ? { ...c, expect: 'page' as const } : c));
    const lines = wrong.filter((c) => c.expect === 'page').map((c) => `          - exp_labels: {severity: page, slo: ${c.slo}}`);
    const series = CASES.flatMap((c) => Object.entries(c.burn).map(([w, v]) => `      - series: 'tasklog_slo_burn_rate{slo="${c.slo}",window="${w}"}'\n        values: '${v}x10'`));
    writeFileSync(
      join(dir, 'wrong.test.yml'),
      ['rule_files: [tasklog-slo.yml]', 'tests:', '  - interval: 1m', '    input_series:', ...series, '    alert_rule_test:', '      - eval_time: 5m', '        alertname: TasklogSLOBurnRatePage', '        exp_alerts:', ...lines, ''].join('\n'),
    );
    const r = promtool(['test', 'rules', 'wrong.test.yml']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('at-thresholds');
  });
});
