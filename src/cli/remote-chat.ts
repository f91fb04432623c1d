/**
 * @module cli/remote-chat
 * One chat turn against a running server (`seekstack run --url`): POST /v1/chat/completions streamed, its
 * server-sent events read into reasoning and answer deltas. Aborting the signal closes the connection,
 * which cancels the generation on the server at its next step.
 */
import type { ChatRequest } from '../api/schemas/chat.ts';

export interface RemoteTurn {
  url: string;
  apiKey?: string;
  model: string;
  messages: ChatRequest['messages'];
  thinking?: boolean;
  temperature: number;
  maxTokens: number;
  signal?: AbortSignal;
}

export async function* remoteChatTurn(turn: RemoteTurn): AsyncGenerator<{ reasoning: string; content: string }> {
  const base = turn.url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(turn.apiKey && { authorization: `Bearer ${turn.apiKey}` }) },
    body: JSON.stringify({
      model: turn.model,
      messages: turn.messages,
      stream: true,
      temperature: turn.temperature,
      max_tokens: turn.maxTokens,
      ...(turn.thinking !== undefined && { thinking: { type: turn.thinking ? 'enabled' : 'disabled' } }),
    }),
    signal: turn.signal,
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not JSON (a proxy's page): shown as it came.
    }
    throw new Error(`the server answered ${response.status}: ${message}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data === '' || data === '[DONE]') continue;
      const parsed = JSON.parse(data) as { error?: { message: string }; choices?: Array<{ delta?: { content?: string; reasoning_content?: string } }> };
      if (parsed.error) throw new Error(parsed.error.message);
      const delta = parsed.choices?.[0]?.delta;
      if (delta) yield { reasoning: delta.reasoning_content ?? '', content: delta.content ?? '' };
    }
  }
}
