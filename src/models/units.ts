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
