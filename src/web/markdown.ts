/**
 * Markdown to HTML for model output: GitHub-flavoured markdown, highlighted code blocks with a copy
 * button, and TeX math ($…$, $$…$$, \(…\), \[…\]) through KaTeX. Model output is untrusted: raw HTML is
 * shown as text and links may only be http(s) or mailto.
 */
import hljs from 'highlight.js/lib/common';
import katex from 'katex';
import { Marked, type Tokens } from 'marked';

/** The code block's copy button, named for its tooltip and screen readers; the page swaps the name while it says "Copied". */
export const COPY_LABEL = 'Copy code';
export const COPIED_LABEL = 'Copied';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function math(tex: string, isBlock: boolean): string {
  return katex.renderToString(tex, { displayMode: isBlock, throwOnError: false, output: 'html' });
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  extensions: [
    {
      name: 'blockMath',
      level: 'block',
      start: (src: string) => src.match(/\$\$|\\\[/)?.index,
      tokenizer(src: string) {
        const match = /^(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])/.exec(src);
        return match ? { type: 'blockMath', raw: match[0], text: (match[1] ?? match[2]).trim() } : undefined;
      },
      renderer: (token) => `<div class="math">${math(token.text as string, true)}</div>`,
    },
    {
      name: 'inlineMath',
      level: 'inline',
      start: (src: string) => src.match(/\$|\\\(/)?.index,
      tokenizer(src: string) {
        const match = /^(?:\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)|\\\((.+?)\\\))/.exec(src);
        return match ? { type: 'inlineMath', raw: match[0], text: match[1] ?? match[2] } : undefined;
      },
      renderer: (token) => math(token.text as string, false),
    },
  ],
  renderer: {
    html: (token: Tokens.HTML | Tokens.Tag) => escape(token.text),
    code(token: Tokens.Code) {
      const language = token.lang && hljs.getLanguage(token.lang) ? token.lang : null;
      const highlighted = language ? hljs.highlight(token.text, { language }).value : hljs.highlightAuto(token.text).value;
      return `<div class="code"><div class="code-bar"><span>${escape(language ?? 'code')}</span><button type="button" class="copy" title="${COPY_LABEL}" aria-label="${COPY_LABEL}">Copy</button></div><pre><code class="hljs">${highlighted}</code></pre></div>`;
    },
    link(token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      return /^(https?:|mailto:)/i.test(token.href) ? `<a href="${escape(token.href)}" rel="noreferrer noopener" target="_blank">${text}</a>` : text;
    },
    image: (token: Tokens.Image) => escape(token.text),
  },
});

export function renderMarkdown(text: string): string {
  return marked.parse(text, { async: false });
}
