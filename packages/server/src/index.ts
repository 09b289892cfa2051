export * from './app.js';
export * from './config.js';
export * from './server.js';
export * from './secrets.js';
export * from './passwords.js';
export * from './serve.js';
export * from './cluster.js';
