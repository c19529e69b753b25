export { deletePrefix, testPrefix } from './redis-prefix.js';
