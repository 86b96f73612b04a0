// PostgreSQL: one schema per service, its migrations and runtime role, plain-SQL reads, and
// the retention job that keeps growing tables to their window.
export { dataSourceOptions } from './data-source-options';
export { ListeningPgClient } from './listening-pg-client';
export { advisoryLockKey } from './advisory-lock';
export { describeMigration, type MigrationResult, runMigrationCli, runMigrations } from './run-migrations';
export { ensureRuntimeRole, roleOf } from './service-role';
export { queryRows } from './query-rows';
export { RETENTION_SETTINGS, RetentionJob, type RetentionRule, type RetentionSettings } from './retention/retention.job';
