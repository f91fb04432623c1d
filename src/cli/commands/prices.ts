/** `seekstack prices set <model> … | list`: per-model prices per million tokens, which give the ledger its cost. */
import { parseCommandLine } from '../args.ts';
import { CLI_ACTOR, STORE_OPTIONS, dispatch, listing, withPlatform } from '../platform-command.ts';

const SET_OPTIONS = {
  ...STORE_OPTIONS,
  currency: { type: 'string', default: 'USD', value: 'code', help: 'the currency of the prices' },
  'cache-hit': { type: 'string', value: 'P', help: 'price per million prompt tokens served from the prefix cache' },
  'cache-miss': { type: 'string', value: 'P', help: 'price per million prompt tokens computed' },
  output: { type: 'string', value: 'P', help: 'price per million generated tokens' },
} as const;

export function run(args: string[]): Promise<number> {
  return dispatch('prices', args, {
    set: {
      summary: "set a model's prices per million tokens (by the name clients request, or the model's id)",
      spec: { operands: '<model>', options: SET_OPTIONS },
      async run(rest) {
        const parsed = parseCommandLine('prices set', rest, SET_OPTIONS);
        if (!parsed) return 2;
        const { values, positionals } = parsed;
        const prices = (['cache-hit', 'cache-miss', 'output'] as const).map((flag) => [flag, Number(values[flag] ?? NaN)] as const);
        const bad = prices.find(([, price]) => !Number.isFinite(price) || price < 0);
        if (positionals.length !== 1 || bad) {
          console.error(`seekstack prices set: ${positionals.length !== 1 ? 'give exactly one model name' : `--${bad![0]} must be a price ≥ 0 per million tokens`}`);
          return 2;
        }
        return withPlatform('prices set', values, async ({ admin }) => {
          const [[, cacheHitPerM], [, cacheMissPerM], [, outputPerM]] = prices;
          await admin.setPrice({ model: positionals[0], currency: values.currency, cacheHitPerM, cacheMissPerM, outputPerM }, CLI_ACTOR);
          console.log(`priced ${positionals[0]}; requests from now on are costed at these prices`);
          return 0;
        });
      },
    },
    list: listing('prices list', 'every model price', {}, ['MODEL', 'CURRENCY', 'CACHE HIT /M', 'CACHE MISS /M', 'OUTPUT /M'], async ({ admin }) =>
      (await admin.listPrices()).map((p) => [p.model, p.currency, String(p.cacheHitPerM), String(p.cacheMissPerM), String(p.outputPerM)])),
  });
}
