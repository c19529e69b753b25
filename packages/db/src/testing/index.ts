export { adminQuery, withDatabase } from './admin.js';
export { createTestDatabase, type TestDatabase } from './test-db.js';
