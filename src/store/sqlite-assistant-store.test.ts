import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAssistantStoreContract } from './assistant-store.contract.ts';
import { openSqlite } from './sqlite.ts';
import { createSqliteAssistantStore } from './sqlite-assistant-store.ts';
import { createSqlitePlatformStore } from './sqlite-platform-store.ts';

let owners = 0;

runAssistantStoreContract('SQLite', async () => {
  const db = openSqlite(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-store-')), 'seekstack.db'));
  const platform = createSqlitePlatformStore(db);
  return {
    store: createSqliteAssistantStore(db),
    async newOwner() {
      owners++;
      const tenant = await platform.createTenant(`owner-${owners}`, 1);
      const key = await platform.createKey({
        id: `key_${owners}`, tenantId: tenant.id, name: null, hash: Buffer.from(`hash-${owners}`), prefix: 'sk-test', isAdmin: false, isSessionOnly: true, createdAt: 1,
        rpm: null, tpm: null, maxConcurrency: null, budgetTokens: null, models: null, expiresAt: null,
      });
      return { tenantId: tenant.id, keyId: key.id };
    },
  };
});
