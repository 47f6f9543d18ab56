/** UTF-8 byte lengths and cuts: the apiserver's limits are Go `len()` of a string, i.e. bytes. */
const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  // Fast path: ASCII-only strings have one byte per UTF-16 unit.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** True when `text` is at most `maxBytes` in UTF-8, without encoding short strings (≤ 3 bytes per UTF-16 unit). */
export function fitsUtf8(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes || utf8Length(text) <= maxBytes;
}

/** The longest prefix of `text` that fits `maxBytes` without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
