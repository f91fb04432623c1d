import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownersIn, runAssistantStoreContract } from './assistant-store.contract.ts';
import { openSqlite } from './sqlite.ts';
import { createSqliteAssistantStore } from './sqlite-assistant-store.ts';
import { createSqlitePlatformStore } from './sqlite-platform-store.ts';

runAssistantStoreContract('SQLite', async () => {
  const db = openSqlite(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-store-')), 'seekstack.db'));
  return { store: createSqliteAssistantStore(db), newOwner: ownersIn(createSqlitePlatformStore(db)) };
});
