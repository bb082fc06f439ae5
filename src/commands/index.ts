/** Every command, in the order `tasklog --help` lists them. */
import type { CommandSpec } from '../cli/spec.js';
import { spec as demo } from './demo.js';
import { spec as migrate } from './migrate.js';
import { spec as overview } from './overview.js';

export const COMMANDS: CommandSpec[] = [overview, migrate, demo];

/** Words of command groups (`logs` in `tasklog logs list`) and what they hold. */
export const GROUPS: Record<string, string> = {};
