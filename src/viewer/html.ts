import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** HTML that is safe to emit as is: built by `html` (which escapes) or by a sanitizer. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for an HTML text node or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: Interpolation) => render(item)).join('');
  return escapeHtml(String(value));
}

/** Tagged template: every interpolated value is escaped unless it is already SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Mark output of a trusted producer (the sanitizer, diff2html, our own SVG) as safe. */
export function trusted(value: string): SafeHtml {
  return new SafeHtml(value);
}

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'img'), 'del', 'input'],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    code: ['class'],
    input: ['type', 'checked', 'disabled'],
    ol: ['start'],
    td: ['align'],
    th: ['align'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  allowedClasses: { code: [/^language-[\w-]+$/] },
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
    input: (tagName, attributes) =>
      attributes.type === 'checkbox' ? { tagName, attribs: { ...attributes, disabled: '' } } : { tagName: 'span', attribs: {} },
  },
};

/** Raw HTML inside Markdown is shown as text, as a tracker would show it; the sanitizer is the second wall. */
const markdownRenderer = new Marked({ gfm: true, renderer: { html: (token) => escapeHtml(token.text) } });

/**
 * Markdown (LLM-written statements, PR and issue bodies) as sanitized HTML: scripts, handlers,
 * styles, images (which would fetch from elsewhere) and non-web links are removed.
 */
export function renderMarkdown(markdown: string): SafeHtml {
  const rendered = markdownRenderer.parse(markdown, { async: false });
  return new SafeHtml(sanitizeHtml(rendered, SANITIZE_OPTIONS));
}

/** An http(s) URL, or undefined: anything else (javascript:, data:) is never put in an href. */
export function webUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
