/** Every command, in the order `tasklog --help` lists them. */
import type { CommandSpec } from '../toolkit/spec.js';
import { spec as alertsCheck } from './alerts-check.js';
import { spec as archive } from './archive.js';
import { spec as cleanup } from './cleanup.js';
import { spec as completion } from './completion.js';
import { spec as config } from './config.js';
import { spec as demo } from './demo.js';
import { spec as doctor } from './doctor.js';
import { spec as errors } from './errors.js';
import { spec as health } from './health.js';
import { spec as importRows } from './import.js';
import { spec as init } from './init.js';
import { spec as logsBrowse } from './logs-browse.js';
import { spec as logsList } from './logs-list.js';
import { spec as logsRelated } from './logs-related.js';
import { spec as logsShow } from './logs-show.js';
import { spec as metrics } from './metrics.js';
import { spec as migrate } from './migrate.js';
import { spec as overview } from './overview.js';
import { spec as serve } from './serve.js';
import { spec as slo } from './slo.js';
import { spec as stats } from './stats.js';
import { spec as timeline } from './timeline.js';
import { spec as views } from './views.js';
import { spec as syncRearq } from './sync-rearq.js';
import { spec as rearqJobs } from './rearq-jobs.js';
import { spec as rearqResults } from './rearq-results.js';
import { spec as rearqShow } from './rearq-show.js';
import { spec as rearqWorkers } from './rearq-workers.js';
import { spec as rearqQueues } from './rearq-queues.js';
import { spec as rearqTasks } from './rearq-tasks.js';
import { spec as rearqCancel } from './rearq-cancel.js';
import { spec as rearqRequeue } from './rearq-requeue.js';

export const COMMANDS: CommandSpec[] = [overview, logsList, logsShow, logsRelated, logsBrowse, views, stats, timeline, errors, slo, health, alertsCheck, cleanup, archive, metrics, serve, init, config, migrate, demo, importRows, rearqJobs, rearqResults, rearqShow, rearqWorkers, rearqQueues, rearqTasks, rearqCancel, rearqRequeue, syncRearq, doctor, completion];

export { GROUPS } from './groups.js';
