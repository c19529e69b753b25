export { adminQuery, withDatabase } from './admin.js';
export { makeAuthor, makePost } from './factories.js';
export { storePosts } from './store-posts.js';
export { createTestDatabase, type TestDatabase } from './test-db.js';
