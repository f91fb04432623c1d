/**
 * @module Real DeepSeek chat templates, copied byte for byte from llama.cpp v0.4.0's
 * `models/templates/` (kept as .jinja files so nothing is lost to escaping).
 */
import { readFileSync } from 'node:fs';

function template(file: string): string {
  return readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8');
}

/** DeepSeek-R1 (the Qwen distills' template), for the llama and qwen2 models. */
export const DEEPSEEK_R1_TEMPLATE = template('deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja');

/** DeepSeek-V3.1 (thinking toggled by `thinking` / `enable_thinking`), for deepseek2 models. */
export const DEEPSEEK_V3_TEMPLATE = template('deepseek-ai-DeepSeek-V3.1.jinja');
