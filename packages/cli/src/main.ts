#!/usr/bin/env node
// First, before anything queues a tick: the server's (see the server's fast-path/tick-shape.ts).
import '@gatehouse/server/tick-shape';
import { processEnvironment } from '@gatehouse/server/config';
import { run } from './cli.js';

const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: processEnvironment() };
run(process.argv.slice(2), io).then((code) => {
  // serve keeps running (-1); everything else exits once its output is flushed.
  if (code >= 0) process.exitCode = code;
});
