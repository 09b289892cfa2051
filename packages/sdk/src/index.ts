export * from './roles.js';
export * from './types.js';
export * from './errors.js';
export { GatehouseClient, baseUrlOf, type ClientOptions, type PageWindow } from './client.js';
export * from './verify.js';
export * from './middleware.js';
/** Finding Gatehouse tokens in text (the pattern SECURITY.md publishes): core's module that imports nothing. */
export { findTokens, TOKEN_PATTERN_SOURCE, tokenPattern } from '@gatehouse/core/recognise';
