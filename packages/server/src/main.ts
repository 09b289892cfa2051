#!/usr/bin/env node
// First, before anything queues a tick (see fast-path/tick-shape.ts).
import './fast-path/tick-shape.js';
import { processEnvironment } from './config.js';
import { runServerCommand } from './process/command-line.js';

// `node packages/server/dist/main.js [serve|migrate] [settings]` (npm start); serving keeps running.
const io = { stdout: process.stdout, stderr: process.stderr, env: processEnvironment() };
runServerCommand(process.argv.slice(2), io, { defaultCommand: 'serve' }).then((code) => {
  if (code >= 0) process.exit(code);
});
