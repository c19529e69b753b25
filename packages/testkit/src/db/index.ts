export { adminQuery, withDatabase } from './admin.js';
export { makeAuthor, makePost, NO_METRICS, postAt } from './factories.js';
export { storeAndRollUp, storedBucket, storePosts } from './store-posts.js';
export { createTestDatabase, type TestDatabase } from './test-db.js';
