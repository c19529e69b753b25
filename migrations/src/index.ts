export { createMigrator, MigrationError, migrateDown, migrateToLatest } from './migrate.js';
