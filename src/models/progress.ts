/**
 * @module Shows a pull: on a terminal, one redrawn bar per file with size, speed and time left; elsewhere
 * (logs, CI, a pipe) a plain line every few seconds, so output stays readable and small.
 */
import type { PullEvent } from './download.ts';
import { formatBytes, formatDuration } from './units.ts';

const TTY_REDRAW_MS = 100;
const PLAIN_LINE_MS = 5000;
const BAR_WIDTH = 30;

interface Rate {
  readonly startMs: number;
  readonly startBytes: number;
  lastPrintMs: number;
}

export function progressPrinter(stream: NodeJS.WriteStream): (event: PullEvent) => void {
  const isTty = stream.isTTY === true;
  const rates = new Map<string, Rate>();
  return (event) => {
    const now = Date.now();
    switch (event.kind) {
      case 'waiting':
        stream.write(`${event.file}: another pull is downloading it; waiting for that one\n`);
        return;
      case 'retry':
        stream.write(`${isTty ? '\n' : ''}${event.file}: connection lost (${event.reason}); resuming (retry ${event.attempt})\n`);
        return;
      case 'done':
        rates.delete(event.file);
        stream.write(`${isTty ? '\r\x1b[K' : ''}${event.file}: ${doneLine(event)}\n`);
        return;
      case 'progress': {
        let rate = rates.get(event.file);
        if (!rate) {
          rate = { startMs: now, startBytes: event.receivedBytes, lastPrintMs: 0 };
          rates.set(event.file, rate);
        }
        if (now - rate.lastPrintMs < (isTty ? TTY_REDRAW_MS : PLAIN_LINE_MS)) return;
        rate.lastPrintMs = now;
        const line = progressLine(event.receivedBytes, event.totalBytes, rate, now, isTty);
        stream.write(isTty ? `\r\x1b[K${event.file} ${line}` : `${event.file}: ${line}\n`);
      }
    }
  };
}

function progressLine(received: number, total: number | undefined, rate: Rate, now: number, isTty: boolean): string {
  if (received === rate.startBytes) {
    const size = total === undefined ? '' : formatBytes(total);
    return received > 0 ? `resuming at ${formatBytes(received)} of ${size || '?'}` : `starting, ${size || 'size unknown'}`;
  }
  const seconds = (now - rate.startMs) / 1000;
  const bytesPerSecond = seconds > 0 ? (received - rate.startBytes) / seconds : 0;
  const speed = `${formatBytes(bytesPerSecond)}/s`;
  if (total === undefined || total === 0) return `${formatBytes(received)}  ${speed}`;
  const fraction = Math.min(1, received / total);
  const left = bytesPerSecond > 0 ? formatDuration((total - received) / bytesPerSecond) : '?';
  const percent = `${(fraction * 100).toFixed(0).padStart(3)}%`;
  const sizes = `${formatBytes(received)} / ${formatBytes(total)}`;
  if (!isTty) return `${percent} of ${formatBytes(total)}, ${speed}, ${left} left`;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}  ${sizes}  ${speed}  ${left} left`;
}

function doneLine(event: Extract<PullEvent, { kind: 'done' }>): string {
  if (!event.downloaded) return `already present, ${formatBytes(event.sizeBytes)}`;
  const check = event.verified ? 'SHA-256 verified' : 'not verified: the server published no SHA-256';
  return `downloaded, ${formatBytes(event.sizeBytes)}, ${check}`;
}
