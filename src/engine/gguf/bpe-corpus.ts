/**
 * @module The built-in text the synthetic tokenizer is trained on, generated from a fixed seed: English
 * prose, numbers and arithmetic, code, JSON, markdown and punctuation, and some Chinese, accented text and
 * emoji, so merges cover what chat traffic looks like and multi-byte characters split across tokens.
 */
import { Rng } from './prng.ts';

const SUBJECTS = [
  'the model', 'a small robot', 'my friend', 'the teacher', 'our team', 'the server', 'this function', 'the old man',
  'a curious child', 'the engineer', 'the city', 'everyone', 'the assistant', 'the user', 'she', 'he', 'they', 'we',
  'I', 'you', 'the cat', 'the dog', 'a bird', 'the river', 'the company', 'the scientist', 'the student',
];
const VERBS = [
  'reads', 'writes', 'builds', 'finds', 'wants', 'makes', 'knows', 'sees', 'helps', 'takes', 'gives', 'tells',
  'asks', 'answers', 'runs', 'checks', 'sends', 'receives', 'opens', 'closes', 'learns', 'explains', 'remembers',
  'computes', 'returns', 'loads', 'starts', 'stops', 'thinks about', 'looks at', 'talks to', 'works on',
];
const ADJECTIVES = [
  'new', 'old', 'big', 'small', 'fast', 'slow', 'simple', 'complex', 'important', 'different', 'good', 'great',
  'little', 'long', 'short', 'early', 'late', 'quiet', 'bright', 'dark', 'happy', 'careful', 'private', 'public',
  'random', 'final', 'empty', 'full', 'correct', 'strange', 'beautiful', 'useful',
];
const NOUNS = [
  'book', 'program', 'answer', 'question', 'house', 'tree', 'window', 'problem', 'idea', 'story', 'letter',
  'message', 'request', 'token', 'file', 'number', 'list', 'table', 'garden', 'road', 'computer', 'phone',
  'picture', 'song', 'result', 'reason', 'system', 'world', 'day', 'night', 'morning', 'water', 'time', 'way',
];
const ADVERBS = ['quickly', 'slowly', 'carefully', 'again', 'today', 'yesterday', 'always', 'never', 'often', 'now', 'soon', 'together'];
const CONNECTORS = ['and then', 'but', 'because', 'so', 'while', 'after that', 'however,', 'although', 'when', 'before'];
const NAMES = ['Alice', 'Bob', 'Carol', 'David', 'Eve', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Oscar'];
const IDENTIFIERS = [
  'count', 'total', 'value', 'items', 'result', 'index', 'name', 'data', 'config', 'user', 'request', 'response',
  'buffer', 'offset', 'length', 'tokens', 'message', 'options', 'callback', 'error', 'state', 'cache', 'key',
];
const CHINESE_WORDS = [
  '你好', '世界', '今天', '天气', '很好', '我们', '一起', '学习', '中文', '这个', '模型', '可以', '回答', '问题',
  '请', '把', '文件', '发给', '我', '你', '他', '她', '人工智能', '正在', '改变', '谢谢', '帮助', '图书馆', '看书',
  '数学', '是', '一门', '有趣', '的', '学科', '想', '喝', '一杯', '茶', '深度求索', '发布', '了', '新', '服务器',
  '已经', '启动', '简单', '例子', '明天', '见', '北京', '上海', '大城市', '和', '在', '不', '也', '都', '用户', '程序',
];
const ACCENTED = ['café', 'naïve', 'résumé', 'jalapeño', 'über', 'Straße', 'façade', 'déjà vu', 'São Paulo', 'Zürich', 'crème brûlée', 'señor'];
const OTHER_SCRIPTS = ['Привет, мир!', 'こんにちは、世界。', 'Γειά σου Κόσμε', '안녕하세요', 'مرحبا بالعالم', 'नमस्ते दुनिया'];
const EMOJI = ['😀', '🚀', '👍', '🎉', '❤️', '🔥', '🤖', '✨', '🌍', '📦', '✅', '⚠️', '👋🏽', '👨‍👩‍👧'];

/** About 200 KB; the same text on every call. */
export function trainingCorpus(): string {
  const rng = new Rng(0x5eed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.nextFloat() * list.length)];
  const int = (max: number): number => Math.floor(rng.nextFloat() * max);
  const parts: string[] = [];
  const generators = [
    () => prose(pick, int),
    () => prose(pick, int),
    () => prose(pick, int),
    () => arithmetic(pick, int),
    () => code(pick, int),
    () => json(pick, int),
    () => markdown(pick, int),
    () => multilingual(pick, int),
  ];
  for (let i = 0; i < 1200; i++) parts.push(generators[i % generators.length]());
  return parts.join('\n\n');
}

type Pick = <T>(list: readonly T[]) => T;
type Int = (max: number) => number;

function sentence(pick: Pick, int: Int): string {
  const clause = (): string => `${pick(SUBJECTS)} ${pick(VERBS)} the ${pick(ADJECTIVES)} ${pick(NOUNS)}`;
  let text = clause();
  if (int(3) === 0) text += ` ${pick(ADVERBS)}`;
  if (int(2) === 0) text += ` ${pick(CONNECTORS)} ${clause()}`;
  const end = pick(['.', '.', '.', '!', '?', '...']);
  return text[0].toUpperCase() + text.slice(1) + end;
}

function prose(pick: Pick, int: Int): string {
  const sentences = Array.from({ length: 3 + int(4) }, () => sentence(pick, int));
  if (int(3) === 0) sentences.push(`"I'm sure it's ${pick(ADJECTIVES)}," said ${pick(NAMES)}. "We'll see, won't we?"`);
  return sentences.join(' ');
}

function arithmetic(pick: Pick, int: Int): string {
  const a = int(1000);
  const b = int(100);
  const lines = [
    `What is ${a} + ${b}? The answer is ${a + b}.`,
    `${a} - ${b} = ${a - b}, and ${a} * ${b} = ${a * b}.`,
    `${pick(NAMES)} paid $${a}.${String(b).padStart(2, '0')} for ${int(20)} items (${int(100)}% off) on ${2000 + int(30)}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}.`,
    `Pi is about 3.14159; e is about 2.71828; the ratio is ${(a / (b + 1)).toFixed(3)}.`,
    `Step ${1 + int(9)}: x = ${int(50)}, y = ${int(50)}, so x^2 + y^2 = ${int(5000)}.`,
  ];
  return lines.slice(0, 2 + int(4)).join('\n');
}

function code(pick: Pick, int: Int): string {
  const name = pick(IDENTIFIERS);
  const other = pick(IDENTIFIERS);
  const snippets = [
    `function get${cap(name)}(${other}) {\n  const ${name} = ${other}.map((x) => x * ${int(10)});\n  if (${name}.length === 0) {\n    return null;\n  }\n  return ${name}[${int(5)}];\n}`,
    `def ${name}_${other}(${other}, n=${int(10)}):\n    """Return the ${name} of ${other}."""\n    ${name} = []\n    for i in range(n):\n        ${name}.append(${other}[i] + ${int(100)})\n    return ${name}`,
    `import { ${name} } from './${other}.js';\n\nexport async function load${cap(other)}(path: string): Promise<${cap(name)}[]> {\n  const text = await readFile(path, 'utf8');\n  return JSON.parse(text) as ${cap(name)}[];\n}`,
    `for (let i = 0; i < ${name}.length; i++) {\n  ${other} += ${name}[i] * ${int(8)};\n}\nconsole.log(\`${other}: \${${other}}\`);`,
    `SELECT ${name}, COUNT(*) AS ${other} FROM users WHERE id > ${int(500)} GROUP BY ${name};`,
    `$ curl -s http://localhost:${8000 + int(100)}/v1/${name} -H "Content-Type: application/json" | jq '.${other}'`,
  ];
  return '```\n' + pick(snippets) + '\n```';
}

function json(pick: Pick, int: Int): string {
  const object = {
    id: `${pick(IDENTIFIERS)}-${int(100000)}`,
    name: pick(NAMES),
    age: 18 + int(60),
    active: int(2) === 0,
    score: Number((rng01(int) * 100).toFixed(2)),
    tags: [pick(ADJECTIVES), pick(NOUNS)],
    address: { city: pick(['Paris', 'Tokyo', 'Berlin', 'Lima', '北京']), zip: String(10000 + int(89999)) },
  };
  const call = { name: `get_${pick(IDENTIFIERS)}`, arguments: { [pick(IDENTIFIERS)]: pick(NOUNS), limit: int(50) } };
  return int(2) === 0 ? JSON.stringify(object, null, 2) : JSON.stringify(call);
}

function markdown(pick: Pick, int: Int): string {
  return [
    `## ${cap(pick(ADJECTIVES))} ${pick(NOUNS)}s`,
    `- **${cap(pick(NOUNS))}**: ${sentence(pick, int)}`,
    `- *${cap(pick(NOUNS))}* -- ${sentence(pick, int)}`,
    `> Note: ${pick(SUBJECTS)} (see [docs](https://example.com/${pick(IDENTIFIERS)})) ${pick(VERBS)} it; really?!`,
    `| ${pick(IDENTIFIERS)} | ${int(100)} | ${pick(ADJECTIVES)} |`,
  ].join('\n');
}

function chinese(pick: Pick, int: Int): string {
  const words = Array.from({ length: 3 + int(8) }, () => pick(CHINESE_WORDS));
  return words.join('') + pick(['。', '！', '？', '，']);
}

function multilingual(pick: Pick, int: Int): string {
  return [
    chinese(pick, int) + chinese(pick, int),
    `${sentence(pick, int)} ${pick(EMOJI)}${int(2) === 0 ? pick(EMOJI) : ''}`,
    `The ${pick(ACCENTED)} near the ${pick(NOUNS)} was ${pick(ADJECTIVES)}. ${pick(OTHER_SCRIPTS)}`,
    `${chinese(pick, int)} ${pick(EMOJI)} ${int(1000)}`,
  ].join('\n');
}

function cap(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}

function rng01(int: Int): number {
  return int(1_000_000) / 1_000_000;
}
