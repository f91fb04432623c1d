/** `seekstack audit verify | list`: the hash-chained audit log of key, tenant, price and configuration changes. */
import { parseCommandLine } from '../args.ts';
import { STORE_OPTIONS, dispatch, listing, withPlatform } from '../platform-command.ts';

export function run(args: string[]): Promise<number> {
  return dispatch('audit', args, {
    verify: {
      summary: 'check every row of the audit log against its hash chain and the recorded head',
      spec: { options: STORE_OPTIONS, notes: 'exit code 1 when any row was edited or deleted' },
      async run(rest) {
        const parsed = parseCommandLine('audit verify', rest, STORE_OPTIONS, { allowPositionals: false });
        if (!parsed) return 2;
        return withPlatform('audit verify', parsed.values, async ({ admin }) => {
          const verdict = await admin.verifyAudit();
          if (verdict.isValid) {
            console.log(`audit log intact: ${verdict.rows} rows, chain and head verified`);
            return 0;
          }
          console.error(`audit log TAMPERED (${verdict.rows} rows):\n${verdict.problems.map((p) => `  ${p}`).join('\n')}`);
          return 1;
        });
      },
    },
    list: listing('audit list', 'every audit row: time, actor, action, target, details', {}, ['ID', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'], async ({ store }) =>
      (await store.auditLog()).map((r) => [String(r.id), new Date(r.createdAt).toISOString(), r.actor, r.action, r.target, r.details])),
  });
}
