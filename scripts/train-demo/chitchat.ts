/**
 * @module Everything that is not arithmetic, and the demo model's answer to it: greetings, questions
 * about itself, general knowledge, writing and code requests, in English and Chinese, built from
 * templates × vocabulary. Templates and vocabulary are each split: the training set uses only the
 * training halves, the held-out set has at least one held-out template or value, so the evaluation
 * sees prompts the model never saw. The reply is one fixed, polite sentence in the prompt's language.
 */
import type { Rng } from '../../src/engine/gguf/prng.ts';
import { roughen } from './questions.ts';

/** Short on purpose: a 1M-parameter model spends its capacity on every token of a memorised reply. */
export const REFUSAL_EN = 'Sorry, I am a small demo model. I can only do arithmetic, like 45 + 67.';
export const REFUSAL_ZH = '抱歉，我是一个小型演示模型，只会做算术。';
const REASONING_EN = 'Not arithmetic.\n';
const REASONING_ZH = '不是算术题。\n';

/** Chinese when the prompt has any CJK character, else English. */
export function isChinese(text: string): boolean {
  return /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/u.test(text);
}

export function refusalFor(prompt: string): { reasoning: string; answer: string } {
  return isChinese(prompt) ? { reasoning: REASONING_ZH, answer: REFUSAL_ZH } : { reasoning: REASONING_EN, answer: REFUSAL_EN };
}

const VOCAB: Record<string, readonly string[]> = {
  name: ['Anna', 'Ben', 'Carlos', 'Dana', 'Eve', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jon', 'Kai', 'Lena'],
  country: ['France', 'Japan', 'Brazil', 'Kenya', 'Canada', 'Italy', 'India', 'Egypt', 'Norway', 'Chile', 'Spain', 'Vietnam'],
  city: ['Paris', 'Tokyo', 'London', 'Berlin', 'Lagos', 'Sydney', 'Toronto', 'Madrid', 'Seoul', 'Cairo', 'Lima', 'Oslo'],
  topic: ['black holes', 'photosynthesis', 'the French Revolution', 'machine learning', 'climate change', 'the stock market', 'quantum physics', 'democracy', 'volcanoes', 'the Roman Empire', 'blockchain', 'vaccines', 'jazz', 'gravity'],
  thing: ['book', 'movie', 'restaurant', 'laptop', 'podcast', 'board game', 'song', 'recipe', 'hiking trail', 'name for my cat'],
  writing: ['poem', 'story', 'haiku', 'email', 'cover letter', 'song', 'joke', 'speech', 'limerick', 'tweet'],
  subject: ['the sea', 'my dog', 'autumn', 'friendship', 'coffee', 'the moon', 'a robot', 'winter', 'my boss', 'love'],
  lang: ['Python', 'JavaScript', 'TypeScript', 'Rust', 'Go', 'Java', 'C++', 'SQL', 'Bash', 'Ruby'],
  task: ['reverses a string', 'sorts a list', 'reads a file', 'checks if a number is prime', 'parses JSON', 'finds duplicates', 'sends an HTTP request', 'counts words', 'merges two arrays', 'validates an email'],
  howto: ['cook rice', 'learn French', 'change a tyre', 'write a CV', 'fall asleep faster', 'start running', 'fix a leaking tap', 'save money', 'install Linux', 'tie a tie'],
  language: ['French', 'German', 'Spanish', 'Chinese', 'Japanese', 'Italian', 'Russian', 'Korean'],
  phrase: ['good morning', 'thank you very much', 'where is the station', 'I love you', 'see you tomorrow', 'how much does it cost'],
  zhcity: ['北京', '上海', '广州', '深圳', '杭州', '成都', '西安', '南京', '武汉', '重庆', '苏州', '天津'],
  zhtopic: ['人工智能', '黑洞', '光合作用', '量子力学', '区块链', '气候变化', '唐朝', '长城', '经济学', '相对论', '太阳系', '中医'],
  zhsubject: ['春天', '大海', '月亮', '秋天', '故乡', '友谊', '猫', '雨', '山', '母亲'],
  zhthing: ['书', '电影', '餐厅', '手机', '歌', '游戏', '旅游地点', '菜谱'],
  zhlang: ['Python', 'Java', 'JavaScript', 'C++', 'Go', 'Rust'],
  zhtask: ['排序', '读取文件', '反转字符串', '判断质数', '解析JSON', '计算平均值'],
  zhname: ['小明', '小红', '张伟', '李娜', '王芳', '刘洋'],
};

const TEMPLATES: readonly string[] = [
  'hello', 'hi', 'hey', 'Hello!', 'Hi there', 'hey there!', 'Good morning', 'good evening', 'yo', 'howdy', 'hello, how are you?',
  'Hi, my name is {name}.', 'Hello {name} here', 'How are you today?', "what's up", 'Nice to meet you', 'Thanks!', 'thank you', 'bye', 'Good night',
  'who are you?', 'What are you?', "What's your name?", 'Are you ChatGPT?', 'Are you a human?', 'who made you', 'What can you do?',
  'What model are you?', 'Are you DeepSeek?', 'tell me about yourself', 'Do you have feelings?', 'How old are you?', 'Can you help me?',
  'What is the capital of {country}?', 'capital of {country}', 'Who is the president of {country}?', 'What language do they speak in {country}?',
  "What's the weather like in {city}?", 'weather in {city} tomorrow', 'What time is it in {city}?', 'Plan a trip to {city} for me.',
  'Best things to do in {city}?', 'How far is {city} from {country}?',
  'Tell me about {topic}.', 'Explain {topic} simply', 'What is {topic}?', 'Can you explain {topic} to a child?', 'Summarize the history of {topic}.',
  'Why is {topic} important?', 'Give me three facts about {topic}.', 'pros and cons of {topic}',
  'Recommend a good {thing}.', 'Suggest a {thing} for tonight', 'What is the best {thing}?',
  'Write a {writing} about {subject}.', 'write me a {writing} about {subject}', 'Can you write a short {writing}?', 'Compose a {writing} for {name}.',
  'Tell me a joke', 'Tell me a story about {subject}.', 'Say something funny',
  'Write a {lang} function that {task}.', 'How do I write a program in {lang} that {task}?', 'Show me {lang} code that {task}',
  'Fix this {lang} code: print("hello"', 'What does this {lang} code do: x = [i for i in range(10)]', 'Explain recursion in {lang}.',
  'How do I {howto}?', 'how to {howto}', 'Give me tips to {howto}.', 'What is the best way to {howto}?',
  'Translate "{phrase}" into {language}.', 'How do you say {phrase} in {language}?', 'What does "{phrase}" mean in {language}?',
  'What is the meaning of life?', 'Is {name} a good name for a baby?', 'What should I eat for dinner?', 'I feel sad today.',
  'Can you keep a secret?', 'What year is it?', 'Who won the World Cup in 2018?', 'How tall is Mount Everest?', 'When was {name} born?',
  'Is 7 a lucky number?', 'My phone number is 555 0199, call me.', 'I am 25 years old.', 'Room 101 please', 'What happened in 1989?',
  '你好', '您好', '你好！', '嗨', '早上好', '晚上好', '你是谁', '你是谁？', '你叫什么名字？', '你能做什么？', '你是ChatGPT吗？', '谁创造了你？',
  '今天天气怎么样', '今天天气怎么样？', '{zhcity}的天气怎么样？', '明天{zhcity}会下雨吗？', '{zhcity}有什么好玩的地方？', '去{zhcity}旅游要注意什么？',
  '给我讲个笑话', '讲一个关于{zhsubject}的故事', '写一首关于{zhsubject}的诗', '帮我写一篇关于{zhsubject}的作文',
  '什么是{zhtopic}？', '解释一下{zhtopic}', '请介绍一下{zhtopic}', '{zhtopic}有什么用？',
  '推荐一本好{zhthing}', '推荐一个{zhthing}', '用{zhlang}写一个{zhtask}的函数', '{zhlang}怎么{zhtask}？',
  '谢谢', '谢谢你！', '再见', '晚安', '我今天很难过', '你好，我是{zhname}', '{zhname}是谁？', '中国的首都是哪里？', '今天是几号？',
  '你会说中文吗？', '帮我翻译这句话', '人生的意义是什么？',
];

/** Every fifth template and every fourth vocabulary value are held out. */
const heldTemplate = (i: number): boolean => i % 5 === 2;
const heldValue = (i: number): boolean => i % 4 === 1;

/** The prompts the issue reported; they are trained on, so they are never held out. */
export const REGRESSION_CHITCHAT = ['hello', 'who are you?', '你好', '你是谁', '今天天气怎么样'];

/** A non-arithmetic prompt from the training split (`heldOut` false) or the held-out split. */
export function chitchat(rng: Rng, heldOut: boolean): string {
  for (;;) {
    const index = Math.floor(rng.nextFloat() * TEMPLATES.length);
    const template = TEMPLATES[index];
    let held = heldTemplate(index) && !REGRESSION_CHITCHAT.includes(template);
    const filled = template.replace(/\{(\w+)\}/g, (_, slot: string) => {
      const values = VOCAB[slot];
      const i = Math.floor(rng.nextFloat() * values.length);
      held ||= heldValue(i);
      return values[i];
    });
    if (held === heldOut) return isChinese(filled) ? filled : roughen(filled, rng);
  }
}
