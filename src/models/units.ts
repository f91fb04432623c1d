/** @module How sizes, counts and durations read in the model commands: decimal units, as Hugging Face shows them. */

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(value < 10 ? 2 : 1))} ${units[unit]}`;
}

/** `1.8B`, `671B`, `260K`. */
export function formatCount(count: number): string {
  for (const [size, suffix] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (count >= size) return `${Number((count / size).toPrecision(count / size < 10 ? 2 : 3))}${suffix}`;
  }
  return String(count);
}

/** `0:07`, `12:30`, `3:05:00`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** `8GiB`, `16GB`, `512 MiB`, or plain bytes; undefined when it is none of these. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const scale = match ? BYTE_UNITS[match[2].toLowerCase() || 'b'] : undefined;
  return match && scale ? Math.round(Number(match[1]) * scale) : undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Ollama's keep-alive durations in milliseconds: `5m`, `30s`, `300ms`, `1h`, plain seconds, or negative for forever. */
export function parseDuration(text: string): number | undefined {
  const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']) : undefined;
}
