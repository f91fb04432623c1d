/**
 * The scale-out tier's tests need PostgreSQL and Redis, which this machine kind runs as local services:
 * CI starts neither, only checks them, and stops here (exit 1) when CI=true and either is unreachable,
 * rather than letting their tests be skipped.
 */
import { sharedStateSkip } from '../test/helpers/shared-state.ts';

try {
  if (!(await sharedStateSkip({ postgres: true, redis: true }))) console.log('PostgreSQL and Redis are reachable');
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
