/**
 * A small, forgiving JUnit XML reader. It scans tags instead of building a DOM, so it is fast on
 * 100,000-test reports and still returns every complete test case of a truncated file.
 */

export type JunitOutcome = 'PASSED' | 'FAILED' | 'SKIPPED';

export interface JunitSuite {
  name: string;
  attributes: Record<string, string>;
}

export interface JunitTestCase {
  name: string;
  classname: string | undefined;
  file: string | undefined;
  /** Enclosing <testsuite> elements, outermost first. */
  suites: JunitSuite[];
  outcome: JunitOutcome;
  attributes: Record<string, string>;
  /** The first <failure>/<error>'s message attribute and text, unbounded (the recorder bounds it). */
  failureMessage?: string;
}

export interface JunitDocument {
  /** A <testsuites> or <testsuite> root element was found. */
  hasRoot: boolean;
  /** The document ended with elements still open. */
  isTruncated: boolean;
  testCases: JunitTestCase[];
}

// One pass over the markup: comments, CDATA and processing instructions are matched (and skipped)
// whole, so tags inside failure messages are never mistaken for elements.
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[?!][^>]*>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntity(entity: string): string | undefined {
  const named = NAMED_ENTITIES[entity];
  if (named !== undefined) return named;
  if (!entity.startsWith('#')) return undefined;
  const codePoint = entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
  return Number.isFinite(codePoint) && codePoint >= 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}

// indexOf-based rather than a regex with a callback: attribute decoding dominates large reports.
function decodeEntities(value: string): string {
  let ampersand = value.indexOf('&');
  if (ampersand < 0) return value;
  let decoded = '';
  let copiedUpTo = 0;
  while (ampersand >= 0) {
    const semicolon = value.indexOf(';', ampersand + 1);
    if (semicolon < 0 || semicolon - ampersand > 10) break;
    const replacement = decodeEntity(value.slice(ampersand + 1, semicolon));
    if (replacement !== undefined) {
      decoded += value.slice(copiedUpTo, ampersand) + replacement;
      copiedUpTo = semicolon + 1;
    }
    ampersand = value.indexOf('&', semicolon + 1);
  }
  return decoded + value.slice(copiedUpTo);
}

function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (text === '') return attributes;
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(text); match !== null; match = ATTRIBUTE.exec(text)) {
    const name = match[1];
    if (name !== undefined) attributes[name] = decodeEntities(match[2] ?? match[3] ?? '');
  }
  return attributes;
}

function localName(tag: string): string {
  const colon = tag.indexOf(':');
  return (colon >= 0 ? tag.slice(colon + 1) : tag).toLowerCase();
}

/** Reads every <testcase> of a JUnit XML document, with its enclosing suites and outcome. */
export function readJunitXml(xml: string): JunitDocument {
  const suites: JunitSuite[] = [];
  const testCases: JunitTestCase[] = [];
  let hasRoot = false;
  let openElements = 0;
  let current: JunitTestCase | undefined;
  let failureBodyStart: number | undefined;
  let failureAttribute = '';
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(xml); match !== null; match = TOKEN.exec(xml)) {
    const tag = match[2];
    if (tag === undefined) continue;
    const isClosing = match[1] === '/';
    const isSelfClosing = match[4] === '/';
    const name = localName(tag);
    if (isClosing) {
      openElements = Math.max(0, openElements - 1);
      if (name === 'testsuite') suites.pop();
      else if ((name === 'failure' || name === 'error') && current && failureBodyStart !== undefined) {
        current.failureMessage = joinFailureText(failureAttribute, readElementText(xml.slice(failureBodyStart, match.index)));
        failureBodyStart = undefined;
      } else if (name === 'testcase' && current) {
        testCases.push(current);
        current = undefined;
      }
      continue;
    }
    if (!isSelfClosing) openElements += 1;
    if (name === 'testsuites') {
      hasRoot = true;
    } else if (name === 'testsuite') {
      hasRoot = true;
      if (!isSelfClosing) {
        const attributes = parseAttributes(match[3] ?? '');
        suites.push({ name: attributes.name ?? '', attributes });
      }
    } else if (name === 'testcase') {
      const attributes = parseAttributes(match[3] ?? '');
      const file = attributes.file ?? findSuiteFile(suites);
      const testCase: JunitTestCase = {
        name: attributes.name ?? '',
        classname: attributes.classname,
        file,
        suites: suites.slice(),
        outcome: 'PASSED',
        attributes,
      };
      if (isSelfClosing) testCases.push(testCase);
      else current = testCase;
    } else if (current && (name === 'failure' || name === 'error')) {
      if (current.outcome !== 'FAILED') {
        failureAttribute = parseAttributes(match[3] ?? '').message ?? '';
        if (isSelfClosing) current.failureMessage = failureAttribute;
        else failureBodyStart = TOKEN.lastIndex;
      }
      current.outcome = 'FAILED';
    } else if (current && name === 'skipped' && current.outcome !== 'FAILED') {
      current.outcome = 'SKIPPED';
    }
  }
  // A test case cut off by truncation has no reliable outcome; it is left out.
  return { hasRoot, isTruncated: openElements > 0 || current !== undefined, testCases };
}

/** The text of an element's body: CDATA unwrapped, entities decoded, markup (rare in a failure) dropped. */
function readElementText(body: string): string {
  return body
    .split(/(<!\[CDATA\[[\s\S]*?(?:\]\]>|$))/)
    .map((part) => (part.startsWith('<![CDATA[') ? part.slice(9).replace(/\]\]>$/, '') : decodeEntities(part.replace(/<[^>]*>/g, ''))))
    .join('');
}

/** The message attribute, then the body unless it merely repeats the message (surefire writes both). */
function joinFailureText(attribute: string, body: string): string {
  const trimmedBody = body.trim();
  if (attribute === '') return trimmedBody;
  if (trimmedBody === '' || trimmedBody.startsWith(attribute.trim())) return trimmedBody || attribute;
  return `${attribute}\n${trimmedBody}`;
}

function findSuiteFile(suites: JunitSuite[]): string | undefined {
  for (let index = suites.length - 1; index >= 0; index -= 1) {
    const file = suites[index]?.attributes.file;
    if (file !== undefined) return file;
  }
  return undefined;
}
