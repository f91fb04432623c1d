/**
 * Files read into a conversation, in the browser: text and code as they are, PDF through PDF.js, Word
 * (.docx) through mammoth, each loaded only when such a file is first attached. Reading here keeps
 * parsers of untrusted binary formats out of the server process, and the file itself never leaves the
 * browser: only its text goes into the message, which the server stores encrypted with the rest.
 */
import type { Attachment, ChatMessage } from './api.ts';

/** Past this a browser tab would hold the whole file and its text in memory for little use. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export const ACCEPTED_FILES = '.txt,.md,.markdown,.pdf,.docx,.csv,.tsv,.json,.jsonl,.xml,.yaml,.yml,.toml,.ini,.log,.html,.css,.js,.jsx,.mjs,.ts,.tsx,.py,.rb,.go,.rs,.java,.kt,.c,.h,.cpp,.hpp,.cs,.php,.sh,.sql,.swift,.lua,.r,.tex,text/*';

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export class AttachmentError extends Error {}

const extensionOf = (name: string) => /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';

type Kind = 'pdf' | 'docx' | 'text';

function kindOf(file: File): Kind {
  const extension = extensionOf(file.name);
  if (file.type === 'application/pdf' || extension === 'pdf') return 'pdf';
  if (file.type === DOCX_TYPE || extension === 'docx') return 'docx';
  if (extension === 'doc') throw new AttachmentError(`${file.name}: old Word (.doc) files cannot be read; save it as .docx`);
  if (/^(image|audio|video)\//.test(file.type)) throw new AttachmentError(`${file.name}: images, audio and video cannot be read; attach text, Markdown, code, PDF or Word (.docx) files`);
  return 'text';
}

async function pdfText(data: ArrayBuffer): Promise<string> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  // The character maps are served beside the assets, under the version the build copied them for (vite.config.ts).
  const cMapUrl = `/assets/pdfjs-${pdfjs.version}/cmaps/`;
  const document = await pdfjs.getDocument({ data: new Uint8Array(data), isEvalSupported: false, cMapUrl, cMapPacked: true }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const content = await (await document.getPage(number)).getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
    }
    return pages.join('\n\n');
  } finally {
    await document.destroy();
  }
}

async function docxText(data: ArrayBuffer): Promise<string> {
  const mammoth = await import('mammoth');
  return (await mammoth.extractRawText({ arrayBuffer: data })).value;
}

async function plainText(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.subarray(0, 8192).includes(0)) throw new AttachmentError(`${file.name}: this looks like a binary file; attach text, Markdown, code, PDF or Word (.docx) files`);
  return new TextDecoder().decode(bytes);
}

/** The file's text, or an AttachmentError saying why it cannot be read. */
export async function readFile(file: File): Promise<Omit<Attachment, 'tokens'>> {
  if (file.size > MAX_FILE_BYTES) throw new AttachmentError(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; files up to ${MAX_FILE_BYTES / 2 ** 20} MB can be attached`);
  const kind = kindOf(file);
  let text: string;
  try {
    text = kind === 'pdf' ? await pdfText(await file.arrayBuffer()) : kind === 'docx' ? await docxText(await file.arrayBuffer()) : await plainText(file);
  } catch (caught) {
    if (caught instanceof AttachmentError) throw caught;
    throw new AttachmentError(`${file.name} could not be read as ${kind === 'pdf' ? 'a PDF' : kind === 'docx' ? 'a Word document' : 'text'}: ${(caught as Error).message}`);
  }
  if (!text.trim()) throw new AttachmentError(`${file.name} has no text to read${kind === 'pdf' ? ' (a scanned PDF holds only images)' : ''}`);
  return { name: file.name, type: file.type || (kind === 'pdf' ? 'application/pdf' : kind === 'docx' ? DOCX_TYPE : 'text/plain'), size_bytes: file.size, text };
}

/** What the model is sent for a message: each attached file's text, marked with its name, before the message. */
export function contentForModel(message: ChatMessage): string {
  const files = (message.attachments ?? []).map((file) => `<file name="${file.name.replace(/"/g, "'")}">\n${file.text}\n</file>\n\n`);
  return files.join('') + message.content;
}
