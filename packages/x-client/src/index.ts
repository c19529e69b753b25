export { baseUrlPlugin, createXClient } from './client.js';
