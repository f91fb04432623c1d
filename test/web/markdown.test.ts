/** The app's markdown renderer: model output is untrusted, code is highlighted, math is typeset. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// Imported by a computed specifier so the root type-check does not follow it: the renderer's libraries
// declare the DOM's types, which would leak into the server's program (src/web has its own tsconfig).
const RENDERER = new URL('../../src/web/markdown.ts', import.meta.url).href;
const { renderMarkdown } = (await import(RENDERER)) as { renderMarkdown: (text: string) => string };

describe('markdown for model output', () => {
  it('shows raw HTML as text and drops links that are not http(s) or mailto', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> <script>alert(2)</script>\n\n[bad](javascript:alert(3)) [good](https://example.org) ![pic](https://tracker.example/p.png)');
    assert.ok(!/<img|<script/i.test(html), html);
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    assert.ok(!html.includes('javascript:'), html);
    assert.match(html, /<a href="https:\/\/example\.org" rel="noreferrer noopener" target="_blank">good<\/a>/);
  });

  it('highlights fenced code and gives it a copy button', () => {
    const html = renderMarkdown('```python\ndef f(x):\n    return x  # done\n```');
    assert.match(html, /<span>python<\/span><button type="button" class="copy" title="Copy code" aria-label="Copy code">Copy<\/button>/);
    assert.match(html, /<span class="hljs-keyword">def<\/span>/);
    assert.match(html, /<span class="hljs-comment"># done<\/span>/);
  });

  it('typesets inline and display math, and leaves prices alone', () => {
    const html = renderMarkdown('Inline $x^2$ and \\(y\\), costs $5 and $6.\n\n$$\\frac{a}{b}$$');
    assert.equal((html.match(/class="katex"/g) ?? []).length, 3);
    assert.match(html, /class="katex-display"/);
    assert.match(html, /costs \$5 and \$6\./);
  });
});
