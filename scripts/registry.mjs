#!/usr/bin/env node
// Writes src/commands/registry.ts from the command specs (run after `npm run build`):
// what the program needs to know of every command before it loads one.
import { writeFileSync } from 'node:fs';
import { registrySource } from '../dist/src/cli/registry.js';

writeFileSync(new URL('../src/commands/registry.ts', import.meta.url), await registrySource());
