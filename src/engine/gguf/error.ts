/** A GGUF file that cannot be read or that llama.cpp would refuse (or abort on). */
export class GgufError extends Error {
  override name = 'GgufError';

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
