export { run, HELP } from './cli.js';
export { EXIT, type Io } from './io.js';
export { configPath } from './config-file.js';
