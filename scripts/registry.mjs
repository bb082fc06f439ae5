#!/usr/bin/env node
// Writes src/cli/registry-table.ts from the command specs (run after `npm run build`):
// what the program needs to know of every command before it loads one.
import { writeFileSync } from 'node:fs';
import { registrySource } from '../dist/src/cli/registry.js';

writeFileSync(new URL('../src/cli/registry-table.ts', import.meta.url), await registrySource());
