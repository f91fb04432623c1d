/** `seekstack tenants create <name> | list`: the teams or customers that keys belong to. */
import { parseCommandLine } from '../args.ts';
import { CLI_ACTOR, STORE_OPTIONS, dispatch, listing, withPlatform } from '../platform-command.ts';

export function run(args: string[]): Promise<number> {
  return dispatch('tenants', args, {
    create: {
      summary: 'create a tenant (a team or customer that keys belong to)',
      spec: { operands: '<name>', options: STORE_OPTIONS },
      async run(rest) {
        const parsed = parseCommandLine('tenants create', rest, STORE_OPTIONS);
        if (!parsed) return 2;
        if (parsed.positionals.length !== 1) {
          console.error('seekstack tenants create: give exactly one tenant name');
          return 2;
        }
        return withPlatform('tenants create', parsed.values, async ({ admin }) => {
          const tenant = await admin.createTenant(parsed.positionals[0], CLI_ACTOR);
          console.log(`created tenant ${tenant.name}`);
          return 0;
        });
      },
    },
    list: listing('tenants list', 'every tenant and when it was created', {}, ['NAME', 'CREATED'], async ({ admin }) =>
      (await admin.listTenants()).map((t) => [t.name, new Date(t.createdAt).toISOString()])),
  });
}
