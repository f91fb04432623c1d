/**
 * GET /user/balance in DeepSeek's shape, from the caller's token budget. The balance is counted in
 * tokens (currency "TOKENS"), since that is what a key's budget holds; a key without a budget, or a
 * server running without keys, has no balance to report and is always available.
 */
import type { FastifyInstance } from 'fastify';

export function balanceRoutes(app: FastifyInstance): void {
  app.get('/user/balance', async (request) => {
    const key = request.caller.key;
    if (!key || key.budgetTokens === null) return { is_available: true, balance_infos: [] };
    const left = Math.max(0, key.budgetTokens - key.spentTokens - key.reservedTokens);
    return {
      is_available: left > 0,
      balance_infos: [{ currency: 'TOKENS', total_balance: String(left), granted_balance: String(left), topped_up_balance: '0' }],
    };
  });
}
