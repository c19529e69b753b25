export { createDb, type DbOptions } from './client.js';
export type * from './database.js';
