#!/usr/bin/env node
// Writes man/tasklog.1 from the command specs (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { manPage } from '../dist/src/cli/manpage.js';
import { version } from '../dist/src/cli/main.js';

writeFileSync(new URL('../man/tasklog.1', import.meta.url), manPage(version()));
