/**
 * `npm run bench`: runs each section, prints its tables and writes bench/results/<section>.json.
 * Ratios (batched vs single, cached vs cold) are measured within one run, since the machine is shared.
 * `npm run bench -- engine` runs one section (engine, http, platform, robustness, embeddings, shared-state, cluster, and versus, which runs only when named); BENCH_THREADS=N sets the engine threads (default: all cores).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runClusterBench } from './cluster.ts';
import { runEmbeddingsBench } from './embeddings.ts';
import { runEngineBench } from './engine.ts';
import { runHttpBench } from './http.ts';
import { runPlatformBench } from './platform.ts';
import { runRobustnessBench } from './robustness.ts';
import { runSharedStateBench } from './shared-state.ts';
import { runVersusBench } from './versus.ts';

const SECTIONS: Record<string, () => Promise<unknown>> = { engine: runEngineBench, http: runHttpBench, platform: runPlatformBench, robustness: runRobustnessBench, embeddings: runEmbeddingsBench, 'shared-state': runSharedStateBench, cluster: runClusterBench, versus: runVersusBench };

const wanted = process.argv.slice(2);
const resultsDir = path.join(import.meta.dirname, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
for (const [name, run] of Object.entries(SECTIONS)) {
  // versus builds llama-server on first use (minutes), so it runs only when named.
  if (wanted.length > 0 ? !wanted.includes(name) : name === 'versus') continue;
  const result = await run();
  const file = path.join(resultsDir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), ...(result as object) }, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}\n`);
}
