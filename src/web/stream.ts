/**
 * Streams one chat completion from the public /v1 API (the session cookie is the credential), reporting
 * reasoning and answer deltas as they arrive and the usage at the end. Aborting the signal stops the
 * generation server-side too.
 */
import { errorOf, headers, type ChatMessage, type MessageUsage } from './api.ts';
import { contentForModel } from './attachments.ts';

export interface Delta {
  reasoning?: string;
  content?: string;
  usage?: MessageUsage;
}

export interface StreamRequest {
  model: string;
  messages: ChatMessage[];
  isThinking: boolean;
  systemPrompt?: string;
  temperature?: number;
  signal: AbortSignal;
}

interface Chunk {
  choices?: Array<{ delta?: { reasoning_content?: string | null; content?: string | null } }>;
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_cache_hit_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } } | null;
  error?: { message: string };
}

export async function streamChat(request: StreamRequest, onDelta: (delta: Delta) => void): Promise<void> {
  const system = request.systemPrompt?.trim() ? [{ role: 'system', content: request.systemPrompt }] : [];
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers(true),
    signal: request.signal,
    body: JSON.stringify({
      model: request.model,
      // The API rejects reasoning sent back, as DeepSeek's does: earlier turns go as plain text, files inlined.
      messages: [...system, ...request.messages.map((message) => ({ role: message.role, content: contentForModel(message) }))],
      stream: true,
      stream_options: { include_usage: true },
      thinking: { type: request.isThinking ? 'enabled' : 'disabled' },
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    }),
  });
  if (!response.ok || !response.body) throw await errorOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const event of events) {
      const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (!data || data === '[DONE]') continue;
      const chunk = JSON.parse(data) as Chunk;
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices?.[0]?.delta;
      if (delta?.reasoning_content || delta?.content) onDelta({ reasoning: delta.reasoning_content ?? undefined, content: delta.content ?? undefined });
      if (chunk.usage) {
        const { prompt_tokens, completion_tokens, prompt_cache_hit_tokens, completion_tokens_details } = chunk.usage;
        onDelta({ usage: { prompt_tokens, completion_tokens, prompt_cache_hit_tokens, reasoning_tokens: completion_tokens_details?.reasoning_tokens } });
      }
    }
  }
}
