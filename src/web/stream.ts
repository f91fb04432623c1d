/**
 * Streams one chat completion from the public /v1 API (the session cookie is the credential), reporting
 * reasoning and answer deltas as they arrive. Aborting the signal stops the generation server-side too.
 */
import { errorOf, headers, type ChatMessage } from './api.ts';

export interface Delta {
  reasoning?: string;
  content?: string;
}

export interface StreamRequest {
  model: string;
  messages: ChatMessage[];
  isThinking: boolean;
  signal: AbortSignal;
}

export async function streamChat(request: StreamRequest, onDelta: (delta: Delta) => void): Promise<void> {
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers(true),
    signal: request.signal,
    body: JSON.stringify({
      model: request.model,
      // The API rejects reasoning sent back, as DeepSeek's does: earlier turns go as plain text.
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      stream: true,
      thinking: { type: request.isThinking ? 'enabled' : 'disabled' },
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
      const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { reasoning_content?: string | null; content?: string | null } }>; error?: { message: string } };
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices?.[0]?.delta;
      if (delta?.reasoning_content || delta?.content) onDelta({ reasoning: delta.reasoning_content ?? undefined, content: delta.content ?? undefined });
    }
  }
}
