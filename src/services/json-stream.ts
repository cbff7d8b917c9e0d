/**
 * Reads a JSON object from a byte stream without holding the whole body: each element of a
 * top-level array member (`{"tickets": [ … ]}`) is cut out, parsed on its own and handed over, then
 * dropped. A page of Zendesk's export is megabytes (a customer's message in every ticket, pasted logs
 * of tens of kilobytes), so parsing it whole would hold the text, its UTF-16 copy and every parsed
 * field at once; here memory is one element plus what the caller keeps of it.
 *
 * Structural bytes (`{}[]",:\` and whitespace) are all ASCII, and no byte of a multi-byte UTF-8
 * sequence is below 0x80, so the scanner works on bytes and decodes only the values it cuts out.
 */

export type UnreadableCause = "too large" | "cut off" | "not JSON";

/** A body that could not be read, with how far the reading got (for the run's record). */
export class UnreadableBody extends Error {
  constructor(
    readonly cause: UnreadableCause,
    readonly bytesRead: number,
    message: string,
  ) {
    super(message);
    this.name = "UnreadableBody";
  }
}

export interface JsonObjectVisitor {
  /** A top-level member whose value is an array begins (its elements follow). */
  array?(member: string): void;
  /** One element of the top-level array member `member`, parsed. */
  element(member: string, value: unknown): void;
  /** A top-level member whose value is not an array, parsed. */
  member(member: string, value: unknown): void;
}

export interface JsonStreamLimits {
  /** The most bytes the whole body may have. */
  maxBytes: number;
  /** The most bytes one element (or one non-array member) may have. */
  maxValueBytes: number;
}

const enum State {
  BeforeObject,
  BeforeKey,
  Key,
  Colon,
  BeforeValue,
  InArray,
  Capture,
  AfterObject,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** `1.2 MB`, `830 KB`, `512 bytes`: sizes as a person reads them in the admin area. */
export function sizeWords(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} KB`;
  return `${bytes} bytes`;
}

/** The bytes of one value being cut out of the stream, possibly across chunks. */
class Capture {
  private parts: Uint8Array[] = [];
  private start = 0;
  length = 0;
  /** Nesting inside the value: 0 for a bare scalar or a string, else the open brackets. */
  depth = 0;
  inString = false;
  escaped = false;
  /** A string, number, true, false or null at the top of the value (no brackets). */
  scalar = false;

  begin(start: number) {
    this.parts = [];
    this.start = start;
    this.length = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.scalar = false;
  }

  /** Keeps the rest of a chunk that ended inside the value. */
  keepTail(chunk: Uint8Array) {
    const tail = chunk.subarray(this.start);
    this.parts.push(tail);
    this.length += tail.length;
    this.start = 0;
  }

  /** The whole value, once its last byte (exclusive `end`) is in `chunk`. */
  finish(chunk: Uint8Array, end: number, decoder: TextDecoder): unknown {
    const last = chunk.subarray(this.start, end);
    let bytes: Uint8Array;
    if (this.parts.length === 0) bytes = last;
    else {
      bytes = new Uint8Array(this.length + last.length);
      let at = 0;
      for (const part of this.parts) {
        bytes.set(part, at);
        at += part.length;
      }
      bytes.set(last, at);
    }
    this.parts = [];
    return JSON.parse(decoder.decode(bytes));
  }

  sizeWith(chunkBytes: number) {
    return this.length + chunkBytes - this.start;
  }
}

/**
 * Reads `body` as one JSON object, handing each top-level member (and each element of a top-level
 * array) to `visitor` as soon as it is complete. Throws UnreadableBody when the body is larger than
 * the limits, ends before the object does (a connection cut mid-body), or is not a JSON object.
 * Errors thrown by the visitor pass through unchanged.
 */
export async function readJsonObject(
  body: ReadableStream<Uint8Array>,
  visitor: JsonObjectVisitor,
  limits: JsonStreamLimits,
): Promise<{ bytes: number }> {
  const decoder = new TextDecoder();
  const capture = new Capture();
  let state = State.BeforeObject as State;
  /** Where a value's capture returns to: an array element or a member's value. */
  let capturingElement = false;
  let keyBytes: number[] = [];
  let keyEscaped = false;
  let member = "";
  let bytesRead = 0;

  const notJson = (what: string) =>
    new UnreadableBody("not JSON", bytesRead, `the body is not a JSON object (${what} after ${sizeWords(bytesRead)})`);

  const emit = (value: unknown) => {
    if (capturingElement) visitor.element(member, value);
    else visitor.member(member, value);
  };
  const parsed = (chunk: Uint8Array, end: number): unknown => {
    try {
      return capture.finish(chunk, end, decoder);
    } catch (err) {
      if (err instanceof SyntaxError) throw notJson(`a malformed value in "${member}"`);
      throw err;
    }
  };
  const afterValue = () => (state = capturingElement ? State.InArray : State.BeforeKey);

  const reader = body.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        throw new UnreadableBody(
          "cut off",
          bytesRead,
          `the connection was lost after ${sizeWords(bytesRead)} (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      if (next.done) break;
      const chunk = next.value;
      if (bytesRead + chunk.length > limits.maxBytes)
        throw new UnreadableBody(
          "too large",
          bytesRead + chunk.length,
          `the body is larger than ${sizeWords(limits.maxBytes)}`,
        );

      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        switch (state) {
          case State.Capture: {
            if (capture.inString) {
              // Skip to the next quote or backslash in one native search: long strings are most of the bytes.
              if (capture.escaped) {
                capture.escaped = false;
                continue;
              }
              if (b !== QUOTE && b !== BACKSLASH) {
                const q = chunk.indexOf(QUOTE, i);
                const s = chunk.indexOf(BACKSLASH, i);
                const stop = q === -1 ? s : s === -1 ? q : Math.min(q, s);
                if (stop === -1) {
                  i = chunk.length - 1;
                  continue;
                }
                i = stop;
              }
              if (chunk[i] === BACKSLASH) capture.escaped = true;
              else {
                capture.inString = false;
                if (capture.scalar && capture.depth === 0) {
                  emit(parsed(chunk, i + 1));
                  afterValue();
                }
              }
              continue;
            }
            if (capture.scalar && capture.depth === 0) {
              // A bare number, true, false or null ends at the next delimiter, which its parent reads.
              if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isSpace(b)) {
                emit(parsed(chunk, i));
                afterValue();
                i--;
              }
              continue;
            }
            if (b === QUOTE) capture.inString = true;
            else if (b === OPEN_BRACE || b === OPEN_BRACKET) capture.depth++;
            else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
              if (--capture.depth === 0) {
                emit(parsed(chunk, i + 1));
                afterValue();
              }
            }
            continue;
          }
          case State.BeforeObject:
            if (isSpace(b)) continue;
            if (b !== OPEN_BRACE) throw notJson(`"${String.fromCharCode(b)}"`);
            state = State.BeforeKey;
            continue;
          case State.BeforeKey:
            if (isSpace(b) || b === COMMA) continue;
            if (b === CLOSE_BRACE) state = State.AfterObject;
            else if (b === QUOTE) {
              state = State.Key;
              keyBytes = [QUOTE];
              keyEscaped = false;
            } else throw notJson(`"${String.fromCharCode(b)}" where a member's name belongs`);
            continue;
          case State.Key:
            keyBytes.push(b);
            if (keyBytes.length > 1024) throw notJson("a member's name of over 1 KB");
            if (keyEscaped) keyEscaped = false;
            else if (b === BACKSLASH) keyEscaped = true;
            else if (b === QUOTE) {
              member = JSON.parse(decoder.decode(new Uint8Array(keyBytes))) as string;
              state = State.Colon;
            }
            continue;
          case State.Colon:
            if (isSpace(b)) continue;
            if (b !== COLON) throw notJson(`"${String.fromCharCode(b)}" where ":" belongs`);
            state = State.BeforeValue;
            continue;
          case State.BeforeValue:
            if (isSpace(b)) continue;
            if (b === OPEN_BRACKET) {
              state = State.InArray;
              visitor.array?.(member);
              continue;
            }
            capturingElement = false;
            startCapture(b, i);
            continue;
          case State.InArray:
            if (isSpace(b) || b === COMMA) continue;
            if (b === CLOSE_BRACKET) {
              state = State.BeforeKey;
              continue;
            }
            capturingElement = true;
            startCapture(b, i);
            continue;
          case State.AfterObject:
            if (!isSpace(b)) throw notJson("more after the object's end");
            continue;
        }
      }
      if (state === State.Capture) {
        if (capture.sizeWith(chunk.length) > limits.maxValueBytes)
          throw new UnreadableBody(
            "too large",
            bytesRead + chunk.length,
            `one entry of "${member}" is larger than ${sizeWords(limits.maxValueBytes)}`,
          );
        capture.keepTail(chunk);
      }
      bytesRead += chunk.length;
    }
  } finally {
    reader.releaseLock();
  }
  if (state !== State.AfterObject) {
    if (bytesRead === 0) throw new UnreadableBody("cut off", 0, "the body was empty");
    throw new UnreadableBody("cut off", bytesRead, `the body ended mid-object, after ${sizeWords(bytesRead)}`);
  }
  return { bytes: bytesRead };

  function startCapture(b: number, i: number) {
    state = State.Capture;
    capture.begin(i);
    if (b === OPEN_BRACE || b === OPEN_BRACKET) capture.depth = 1;
    else {
      capture.scalar = true;
      if (b === QUOTE) capture.inString = true;
    }
  }
}
