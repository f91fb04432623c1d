/**
 * @module api/routes/app
 * The assistant app's own API under /app/api: accounts, encrypted history, privacy controls and the
 * administrator's settings. Chat itself goes through the public /v1 API with the session as credential.
 * Every conversation route is scoped to the signed-in user; another user's id reads as not found.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import {
  ConversationId,
  Credentials,
  PasswordChange,
  PasswordConfirmation,
  Recovery,
  Rename,
  SaveConversation,
  SearchQuery,
  UserSettings,
} from '../schemas/app.ts';
import { accountAdminRoutes, appSettingsBody } from './account-admin.ts';
import { clearSessionCookie, requireSignedIn, setSessionCookie, signedInOrNull } from './app-session.ts';
import type { IssuedSession } from '../../platform/accounts.ts';
import type { Assistant } from '../../platform/assistant.ts';
import type { UserRecord } from '../../store/assistant-store.ts';

const userView = (user: UserRecord) => ({ username: user.username, is_admin: user.isAdmin, retention_days: user.retentionDays, created_at: user.createdAt });

export function appRoutes(app: FastifyInstance, assistant: Assistant): void {
  const { accounts, history, settings } = assistant;
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  /** The session as the page needs it: the administrator's settings come with it, so the page never has to reload for them. */
  const sessionView = async (session: { user: UserRecord; csrfToken: string }) => ({
    user: userView(session.user),
    csrf_token: session.csrfToken,
    settings: session.user.isAdmin ? appSettingsBody(await settings.get(), await accounts.isSignUpOpen()) : null,
  });
  const signIn = (request: FastifyRequest, reply: FastifyReply, session: IssuedSession) => {
    setSessionCookie(request, reply, session);
    return sessionView(session);
  };

  app.get('/status', async () => ({ is_sign_up_open: await accounts.isSignUpOpen() }));
  app.get('/session', async (request) => sessionView(await requireSignedIn(request, assistant)));
  app.post<{ Body: Credentials }>('/signup', { schema: { body: Credentials } }, async (request, reply) => {
    const { session, recoveryKey } = await accounts.signUp(request.body.username, request.body.password);
    return { ...(await signIn(request, reply, session)), recovery_key: recoveryKey };
  });
  app.post<{ Body: Credentials }>('/signin', { schema: { body: Credentials } }, async (request, reply) =>
    signIn(request, reply, await accounts.signIn(request.body.username, request.body.password, request.ip)));
  app.post<{ Body: Recovery }>('/recover', { schema: { body: Recovery } }, async (request, reply) =>
    signIn(request, reply, await accounts.recover(request.body.username, request.body.recovery_key, request.body.new_password, request.ip)));
  app.post('/signout', async (request, reply) => {
    const signedIn = await signedInOrNull(request, assistant);
    if (signedIn) await accounts.signOut(signedIn);
    clearSessionCookie(request, reply);
    return { signed_out: true };
  });
  app.post<{ Body: PasswordChange }>('/password', { schema: { body: PasswordChange } }, async (request) => {
    await accounts.changePassword(await requireSignedIn(request, assistant), request.body.current_password, request.body.new_password, request.ip);
    return { changed: true };
  });
  app.post<{ Body: PasswordConfirmation }>('/account/delete', { schema: { body: PasswordConfirmation } }, async (request, reply) => {
    await accounts.deleteAccount(await requireSignedIn(request, assistant), request.body.password, request.ip);
    clearSessionCookie(request, reply);
    return { deleted: true };
  });
  app.put<{ Body: UserSettings }>('/settings', { schema: { body: UserSettings } }, async (request) => {
    await accounts.setRetention(await requireSignedIn(request, assistant), request.body.retention_days);
    return { retention_days: request.body.retention_days };
  });
  app.get('/export', async (request, reply) => {
    const signedIn = await requireSignedIn(request, assistant);
    void reply.header('content-disposition', `attachment; filename="seekstack-${signedIn.user.username}.json"`);
    return { exported_at: new Date().toISOString(), account: userView(signedIn.user), conversations: await history.all(signedIn) };
  });

  app.get<{ Querystring: SearchQuery }>('/conversations', { schema: { querystring: SearchQuery } }, async (request) =>
    ({ data: await history.list(await requireSignedIn(request, assistant), request.query.q) }));
  app.get<{ Params: ConversationId }>('/conversations/:id', { schema: { params: ConversationId } }, async (request) =>
    history.get(await requireSignedIn(request, assistant), request.params.id));
  app.put<{ Params: ConversationId; Body: SaveConversation }>('/conversations/:id', { schema: { params: ConversationId, body: SaveConversation } }, async (request) => {
    const { title, messages, system_prompt, temperature } = request.body;
    return history.save(await requireSignedIn(request, assistant), request.params.id, title, messages, { system_prompt, temperature });
  });
  app.patch<{ Params: ConversationId; Body: Rename }>('/conversations/:id', { schema: { params: ConversationId, body: Rename } }, async (request) => {
    await history.rename(await requireSignedIn(request, assistant), request.params.id, request.body.title);
    return { renamed: true };
  });
  app.delete<{ Params: ConversationId }>('/conversations/:id', { schema: { params: ConversationId } }, async (request) => {
    await history.delete(await requireSignedIn(request, assistant), request.params.id);
    return { deleted: true };
  });

  void app.register(async (admin) => {
    const actors = new WeakMap<FastifyRequest, string>();
    // Before the body is read: only an administrator's session learns anything about these routes.
    admin.addHook('onRequest', async (request) => {
      const signedIn = await requireSignedIn(request, assistant);
      if (!signedIn.user.isAdmin) throw new ApiError('permission_denied', 'only an administrator can manage accounts and the app\'s settings');
      actors.set(request, `app:${signedIn.user.username}`);
    });
    accountAdminRoutes(admin, assistant, (request) => actors.get(request)!);
  }, { prefix: '/admin' });
}
