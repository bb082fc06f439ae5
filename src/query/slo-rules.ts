/**
 * The objectives' metric names (what `tasklog metrics` exports) and the
 * Prometheus alerting rules over them that implement the SRE Workbook's
 * rules of slo.ts: `tasklog slo --prometheus-rules`. The thresholds come from
 * BURN_RULES, so the rules Prometheus evaluates and the status tasklog
 * computes are the same table. A ticket is left out while a page holds, as
 * tasklog's status is the first rule that holds.
 */
import { BURN_RULES, factorOf, type BurnRule, type Severity } from './slo.js';

export const SLO_METRICS = {
  attainment: 'tasklog_slo_attainment',
  budgetRemaining: 'tasklog_slo_budget_remaining',
  burnRate: 'tasklog_slo_burn_rate',
} as const;

/** The label naming the objective. */
export const SLO_LABEL = 'slo';

const ALERT_NAMES: Record<Severity, string> = { page: 'TasklogSLOBurnRatePage', ticket: 'TasklogSLOBurnRateTicket' };

/** One window's burn rate above the rule's factor, without the window label (so two windows match). */
function above(window: string, r: BurnRule): string {
  return `max without (window) (${SLO_METRICS.burnRate}{window="${window}"} > ${factorOf(r)})`;
}

function ruleExpr(r: BurnRule): string {
  return `(${above(r.long, r)} and ${above(r.short, r)})`;
}

/** The condition of a severity: any of its rules (OR). */
function severityExpr(severity: Severity): string {
  return BURN_RULES.filter((r) => r.severity === severity)
    .map(ruleExpr)
    .join(' or ');
}

/** The rules file: one group, a page alert and a ticket alert, for every objective tasklog exports. */
export function prometheusRules(): string {
  const page = severityExpr('page');
  const ticket = `(${severityExpr('ticket')}) unless (${page})`;
  const explain = (s: Severity) =>
    BURN_RULES.filter((r) => r.severity === s)
      .map((r) => `above ${factorOf(r)}x over ${r.long} and ${r.short}`)
      .join(', or ');
  const alert = (s: Severity, expr: string) =>
    [
      `      - alert: ${ALERT_NAMES[s]}`,
      `        expr: ${expr}`,
      `        labels:`,
      `          severity: ${s}`,
      `        annotations:`,
      `          summary: 'Objective {{ $labels.${SLO_LABEL} }} burns its error budget too fast (${s})'`,
      `          description: 'Burn rate ${explain(s)} (SRE Workbook, multiwindow, multi-burn-rate). See: tasklog slo {{ $labels.${SLO_LABEL} }}'`,
    ].join('\n');
  return [
    '# Prometheus alerting rules for the objectives of tasklog (tasklog slo --prometheus-rules),',
    `# over ${SLO_METRICS.burnRate}{${SLO_LABEL}, window} as tasklog metrics exports it.`,
    'groups:',
    '  - name: tasklog-slo',
    '    rules:',
    alert('page', page),
    alert('ticket', ticket),
    '',
  ].join('\n');
}
