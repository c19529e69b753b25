export { adminQuery, withDatabase } from './admin.js';
export { makeAuthor, makePost } from './factories.js';
export { createTestDatabase, type TestDatabase } from './test-db.js';
