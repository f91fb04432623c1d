/**
 * @module chat/grammar/testing/gbnf-regexp
 * Test support: turns a GBNF grammar into a JavaScript RegExp (rules inlined, recursion unrolled to
 * a fixed depth), so tests can check which texts a generated grammar admits without a model. It reads
 * the dialect the converter writes; llama.cpp's own parser is exercised by the engine tests.
 */

/** The grammar's rules by name. */
export function parseRules(grammar: string): Map<string, string> {
  const rules = new Map<string, string>();
  for (const line of grammar.split('\n').filter(Boolean)) {
    const at = line.indexOf(' ::= ');
    if (at < 0) throw new Error(`not a rule: ${line}`);
    rules.set(line.slice(0, at), line.slice(at + 5));
  }
  return rules;
}

/**
 * A RegExp matching the texts the grammar's `root` admits. A recursive rule is unrolled `maxDepth`
 * levels deep, so the RegExp is exact for texts that nest less deeply than that.
 */
export function grammarRegExp(grammar: string, maxDepth = 3): RegExp {
  const rules = parseRules(grammar);
  const expand = (name: string, stack: readonly string[]): string => {
    if (stack.filter((n) => n === name).length >= maxDepth) return '(?!)';
    const body = rules.get(name);
    if (body === undefined) throw new Error(`undefined rule ${name}`);
    return toRegExpSource(body, (ref) => expand(ref, [...stack, name]));
  };
  return new RegExp(`^(?:${expand('root', [])})$`, 'u');
}

function toRegExpSource(body: string, ruleSource: (name: string) => string): string {
  let out = '';
  let i = 0;
  const readChar = (): number => {
    if (body[i] !== '\\') {
      const cp = body.codePointAt(i) as number;
      i += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const kind = body[i + 1];
    const hexDigits = ({ x: 2, u: 4, U: 8 } as Record<string, number>)[kind];
    if (hexDigits) {
      const cp = parseInt(body.slice(i + 2, i + 2 + hexDigits), 16);
      i += 2 + hexDigits;
      return cp;
    }
    i += 2;
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', '[': '[', ']': ']', '-': '-' };
    if (!(kind in simple)) throw new Error(`unknown escape \\${kind}`);
    return simple[kind].codePointAt(0) as number;
  };
  const code = (cp: number) => `\\u{${cp.toString(16)}}`;
  while (i < body.length) {
    const c = body[i];
    if (c === ' ') {
      i++;
    } else if (c === '"') {
      i++;
      let literal = '';
      while (body[i] !== '"') literal += code(readChar());
      i++;
      out += `(?:${literal})`;
    } else if (c === '[') {
      i++;
      let cls = '[';
      if (body[i] === '^') {
        cls += '^';
        i++;
      }
      while (body[i] !== ']') {
        cls += code(readChar());
        if (body[i] === '-' && body[i + 1] !== ']') {
          i++;
          cls += `-${code(readChar())}`;
        }
      }
      i++;
      out += `${cls}]`;
    } else if (/[a-zA-Z0-9-]/.test(c)) {
      const name = /^[a-zA-Z0-9-]+/.exec(body.slice(i))?.[0] as string;
      i += name.length;
      out += `(?:${ruleSource(name)})`;
    } else if (c === '(') {
      out += '(?:';
      i++;
    } else if ('|)*+?'.includes(c)) {
      out += c;
      i++;
    } else if (c === '{') {
      const end = body.indexOf('}', i);
      out += body.slice(i, end + 1);
      i = end + 1;
    } else {
      throw new Error(`unexpected ${JSON.stringify(c)} in ${body}`);
    }
  }
  return out;
}
