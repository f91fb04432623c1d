/**
 * @module chat/grammar/testing/validate
 * Test support: a small JSON Schema validator for the keywords the end-to-end schemas use, written
 * independently of the converter so that a converter bug cannot hide itself. Returns the problems
 * found (empty when valid), each with the JSON Pointer of the offending value.
 */
type Schema = Record<string, unknown> | boolean;

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

export function validate(value: unknown, schema: Schema, root: Schema = schema, at = ''): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed`];
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${at || '/'}: ${message}`);
  const s = schema;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.slice(1).split('/').slice(1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
    problems.push(...validate(value, target as Schema, root, at));
  }
  if (Array.isArray(s.allOf)) for (const part of s.allOf) problems.push(...validate(value, part as Schema, root, at));
  for (const keyword of ['anyOf', 'oneOf']) {
    const alternatives = s[keyword] as Schema[] | undefined;
    if (alternatives && !alternatives.some((alt) => validate(value, alt, root, at).length === 0)) fail(`matches no ${keyword} alternative`);
  }
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) fail(`is not the const ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) fail('is not in the enum');
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeOk(value, t as string))) fail(`is not of type ${types.join('|')}`);
  }
  if (typeof value === 'string') {
    const length = Array.from(value).length;
    if (typeof s.minLength === 'number' && length < s.minLength) fail('is too short');
    if (typeof s.maxLength === 'number' && length > s.maxLength) fail('is too long');
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) fail(`does not match ${s.pattern}`);
    if (typeof s.format === 'string' && FORMATS[s.format] && !FORMATS[s.format].test(value)) fail(`is not a ${s.format}`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) fail('is below the minimum');
    if (typeof s.maximum === 'number' && value > s.maximum) fail('is above the maximum');
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) fail('is not above the exclusive minimum');
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) fail('is not below the exclusive maximum');
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) fail('has too few items');
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail('has too many items');
    const prefix = (s.prefixItems ?? []) as Schema[];
    value.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : (s.items as Schema | undefined) ?? true;
      problems.push(...validate(item, itemSchema, root, `${at}/${i}`));
    });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) if (!Object.hasOwn(value, key)) fail(`lacks required property ${key}`);
    for (const [key, item] of Object.entries(value)) {
      const itemSchema = Object.hasOwn(properties, key) ? properties[key] : (s.additionalProperties as Schema | undefined) ?? true;
      problems.push(...validate(item, itemSchema, root, `${at}/${key}`));
    }
  }
  return problems;
}

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer': return Number.isInteger(value);
    case 'null': return value === null;
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    default: return typeof value === type;
  }
}
