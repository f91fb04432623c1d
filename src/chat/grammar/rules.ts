/**
 * @module chat/grammar/rules
 * The grammar being built: named GBNF rules, deduplicated by body, as llama.cpp's converter keeps them
 * (`_add_rule`): the same body under the same name is stored once, and a different body under a
 * taken name gets a numeric suffix, so the returned name is the one to reference.
 */

export class RuleSet {
  readonly #rules = new Map<string, string>();

  /** Adds `name ::= body` and returns the name it was stored under. */
  add(name: string, body: string): string {
    const base = ruleName(name);
    if (this.#isFreeFor(base, body)) {
      this.#rules.set(base, body);
      return base;
    }
    let i = 0;
    while (!this.#isFreeFor(`${base}${i}`, body)) i++;
    this.#rules.set(`${base}${i}`, body);
    return `${base}${i}`;
  }

  has(name: string): boolean {
    return this.#rules.has(name);
  }

  /** One rule per line, `root` first, the rest sorted so the same schema always gives the same text. */
  toString(): string {
    const names = [...this.#rules.keys()].sort((a, b) => (a === 'root' ? -1 : b === 'root' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => `${name} ::= ${this.#rules.get(name)}\n`).join('');
  }

  #isFreeFor(name: string, body: string): boolean {
    const existing = this.#rules.get(name);
    return existing === undefined || existing === body;
  }
}

/** GBNF rule names are `[a-zA-Z0-9-]+`; anything else (a property called `first name`, say) becomes `-`. */
export function ruleName(name: string): string {
  return name.replace(/[^a-zA-Z0-9-]+/g, '-') || '-';
}
