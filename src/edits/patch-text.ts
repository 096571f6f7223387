import { SweMirrorError } from '../core/errors.js';

const HEADER_LINE = /^(diff --git |--- |\+\+\+ |@@ |index |new file mode |deleted file mode |similarity index |rename (from|to) )/;

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index++) if (bytes[index] === 0x0a) line++;
  return line;
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  // Decode growing prefixes only around the failure: find it by a linear scan of code points.
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] as number;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    if (length === 0 || index + length > bytes.length) return index;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(index, index + length));
    } catch {
      return index;
    }
    index += length;
  }
  return -1;
}

/**
 * Read a task patch's bytes as text, or refuse with the reason (a user error):
 * - bytes that are not UTF-8 are refused, never replaced: a replaced byte would silently change the task;
 * - a patch whose diff header lines end in CRLF was converted wholesale (an editor, a Windows checkout),
 *   so its content lines carry a `\r` the files do not have; it is refused with how to fix it. Content
 *   lines ending in `\r` under LF headers are kept: that is how a patch to a CRLF file looks.
 */
export function decodePatchBytes(bytes: Uint8Array, name: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8Offset(bytes);
    throw new SweMirrorError({
      code: 'PATCH_NOT_UTF8',
      kind: 'user',
      message: `${name} is not valid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset}, line ${lineOfOffset(bytes, offset)}); swe-mirror will not replace bytes in a patch.`,
      hint: 'Re-create the patch from UTF-8 files (or re-encode the files it touches to UTF-8); patches are kept as text.',
      cause,
    });
  }
  const lines = text.split('\n');
  const crlfHeader = lines.findIndex((line) => line.endsWith('\r') && HEADER_LINE.test(line));
  if (crlfHeader >= 0) {
    throw new SweMirrorError({
      code: 'PATCH_CRLF',
      kind: 'user',
      message: `${name} has CRLF (Windows) line endings on its diff headers (line ${crlfHeader + 1}): it was converted after it was made, so its lines no longer match the files.`,
      hint: `Convert it back to LF (for example \`sed -i 's/\\r$//' ${name}\` or dos2unix); a change to a file that really uses CRLF keeps its \\r on content lines only.`,
    });
  }
  return text;
}
