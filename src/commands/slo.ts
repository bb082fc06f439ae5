import { resolveSetting } from '../toolkit/config.js';
import { SLOS } from '../toolkit/settings.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import type { Ctx } from '../core/io.js';
import { describeBurnRules, pickObjectives, SLO_ACCEPTS } from '../query/slo.js';
import type { ReadFlags } from '../toolkit/logs.js';
import { showView, taskLog } from '../toolkit/view.js';

interface Opts extends ReadFlags {
  prometheusRules?: boolean;
  watch?: boolean | number;
}

export const spec: CommandSpec<Opts> = {
  path: ['slo'],
  summary: 'service-level objectives: attainment, error budget, burn rates and page/ticket status',
  description:
    `Each objective of the config file's "slos" (${SLO_ACCEPTS}) over its window: target, attainment, good and total ` +
    'rows, the error budget (allowed bad rows, spent, remaining as a count and a share; negative when blown), the burn ' +
    'rate over 5m, 30m, 1h, 6h, 24h and 72h (the share of bad rows over the share the budget allows) and a status by the ' +
    `SRE Workbook's multiwindow, multi-burn-rate rules: ${describeBurnRules()}; else ok. Which rows count: for "success", ` +
    'rows in a finished state other than canceled (success, failed, expired), good when successful (status success and ' +
    'success true); for {"latency_ms": MS}, finished rows (success, failed, expired, canceled) with a duration, good when ' +
    'the duration is at most MS. Windows are on created_at and include their start: a row created exactly 28 days ago is ' +
    'in a 28-day window. A window without rows has attainment null and no burn rate. "filter" takes the API\'s parameters ' +
    '(task for an exact task name, task_name for a part of one, queue_name, status_in …). One statement per objective. ' +
    '--prometheus-rules prints Prometheus alerting rules over the metrics of `tasklog metrics` that implement the same rules.',
  args: [{ name: 'name...', description: 'only these objectives (default: every one)' }],
  options: [
    { flags: '--prometheus-rules', description: 'print Prometheus alerting rules (page, ticket) over tasklog_slo_burn_rate; reads no database' },
    JSON_OPTION,
    WATCH_OPTION,
  ],
  examples: [
    { command: 'tasklog slo', description: 'every objective: budget left, burn rates, status' },
    { command: "tasklog slo payments --json | jq '.slos[0].budget'", description: "one objective's error budget" },
    { command: 'tasklog slo --prometheus-rules > /etc/prometheus/rules/tasklog-slo.yml', description: 'the same rules for Prometheus' },
  ],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    if (opts.prometheusRules) {
      const { prometheusRules } = await import('../query/slo-rules.js');
      ctx.stdout.write(prometheusRules());
      return;
    }
    const slos = pickObjectives(resolveSetting(SLOS, opts, ctx).value!, args);
    const { measureObjectives, budgetOverWindow, SPARK_BUCKETS } = await import('../query/slo.js');
    await showView(opts, ctx, taskLog(opts, ctx), {
      // the sparkline's buckets only for the terminal page: --json counts without them
      compute: (db) => measureObjectives(db, ctx.now(), slos, opts.json ? {} : { buckets: SPARK_BUCKETS }),
      json: (measured) => ({ slos: measured.map((m) => m.report) }),
      render: async (measured, term) => {
        const { renderSlos } = await import('../render/slo.js');
        return renderSlos(
          measured.map((m) => ({ report: m.report, budget: budgetOverWindow(m.slo, m.counts) })),
          { style: term.style, width: term.width, decorate: term.decorate },
        );
      },
    });
  },
};
