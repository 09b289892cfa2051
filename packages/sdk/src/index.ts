export * from './roles.js';
export * from './types.js';
export * from './errors.js';
export { GatehouseClient, baseUrlOf, type ClientOptions, type PageWindow } from './client.js';
export * from './verify.js';
export * from './middleware.js';
