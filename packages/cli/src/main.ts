#!/usr/bin/env node
import { run } from './cli.js';

const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
run(process.argv.slice(2), io).then((code) => {
  // serve keeps running (-1); everything else exits once its output is flushed.
  if (code >= 0) process.exitCode = code;
});
