/**
 * `seekstack usage [--tenant t] [--since 7d|YYYY-MM-DD] [--by day|model|requested_model|key|tenant|user]`: the metered usage,
 * from the daily roll-ups; `model` is the model that served, `requested_model` the name clients asked for (an alias),
 * `user` the DeepSeek user_id requests named.
 */
import { MAX_SINCE_DAYS, sinceDay } from '../../platform/admin.ts';
import type { UsageGrouping } from '../../store/platform-store.ts';
import { defineCommand, parseCommandArgs } from '../args.ts';
import { STORE_OPTIONS, withPlatform } from '../platform-command.ts';
import { formatTable } from '../table.ts';

export const spec = defineCommand({
  options: {
    ...STORE_OPTIONS,
    tenant: { type: 'string', value: 'name', help: "only this tenant's usage" },
    since: { type: 'string', value: '7d|YYYY-MM-DD', help: 'from this day on' },
    by: { type: 'string', default: 'day', value: 'day|model|requested_model|key|tenant', help: 'how rows are grouped' },
    json: { type: 'boolean', default: false, help: 'JSON instead of a table' },
  },
});

const GROUPINGS: readonly UsageGrouping[] = ['day', 'model', 'requested_model', 'key', 'tenant', 'user'];

/** A cost of a few requests is millionths: show its significant digits rather than 0.0000. */
function formatCost(cost: number): string {
  return cost === 0 ? '-' : cost < 0.01 ? cost.toPrecision(2) : cost.toFixed(4);
}

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs('usage', args, spec.options);
  if (!values) return 2;
  if (!GROUPINGS.includes(values.by as UsageGrouping)) {
    console.error(`seekstack usage: --by must be one of ${GROUPINGS.join(', ')}, got '${values.by}'`);
    return 2;
  }
  const since = values.since === undefined ? undefined : sinceDay(values.since);
  if (since === null) {
    console.error(`seekstack usage: --since takes a date (YYYY-MM-DD) or a number of days up to ${MAX_SINCE_DAYS} (7d), got '${values.since}'`);
    return 2;
  }
  return withPlatform('usage', values, async ({ admin }) => {
    const rows = await admin.usage({ tenant: values.tenant, sinceDay: since, by: values.by as UsageGrouping });
    if (values.json) {
      console.log(JSON.stringify(rows));
      return 0;
    }
    const body = rows.map((r) => [
      r.group || (values.by === 'user' ? '(no user_id)' : '(no key)'), String(r.requests), String(r.promptTokens), String(r.cacheHitTokens), String(r.completionTokens),
      String(r.reasoningTokens), formatCost(r.cost),
    ]);
    console.log(formatTable([[values.by.toUpperCase(), 'REQUESTS', 'PROMPT', 'CACHE HIT', 'COMPLETION', 'REASONING', 'COST'], ...body]));
    return 0;
  });
}
