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
  const scanner = new ObjectScanner(visitor, limits);
  const reader = body.getReader();
  try {
    for (;;) {
      const next = await readChunk(reader, scanner.bytesRead);
      if (next.done) break;
      if (scanner.bytesRead + next.value.length > limits.maxBytes)
        throw new UnreadableBody(
          "too large",
          scanner.bytesRead + next.value.length,
          `the body is larger than ${sizeWords(limits.maxBytes)}`,
        );
      scanner.scan(next.value);
    }
  } finally {
    reader.releaseLock();
  }
  scanner.end();
  return { bytes: scanner.bytesRead };
}

/** The next chunk; a failed read is a body cut off after `bytesRead`. */
async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytesRead: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (err) {
    throw new UnreadableBody(
      "cut off",
      bytesRead,
      `the connection was lost after ${sizeWords(bytesRead)} (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** Where the reading of one object stands between chunks: which structure, member and capture. */
class ObjectScanner {
  private state = State.BeforeObject as State;
  /** Where a value's capture returns to: an array element or a member's value. */
  private capturingElement = false;
  private keyBytes: number[] = [];
  private keyEscaped = false;
  private member = "";
  private readonly capture = new Capture();
  private readonly decoder = new TextDecoder();
  bytesRead = 0;

  constructor(
    private readonly visitor: JsonObjectVisitor,
    private readonly limits: JsonStreamLimits,
  ) {}

  /** Reads one chunk of the body; a value still open at its end is kept for the next. */
  scan(chunk: Uint8Array) {
    for (let i = 0; i < chunk.length; i++)
      i = this.state === State.Capture ? this.captureByte(chunk, i) : this.structuralByte(chunk, i);
    if (this.state === State.Capture) {
      if (this.capture.sizeWith(chunk.length) > this.limits.maxValueBytes)
        throw new UnreadableBody(
          "too large",
          this.bytesRead + chunk.length,
          `one entry of "${this.member}" is larger than ${sizeWords(this.limits.maxValueBytes)}`,
        );
      this.capture.keepTail(chunk);
    }
    this.bytesRead += chunk.length;
  }

  /** After the last chunk: the object must have ended. */
  end() {
    if (this.state === State.AfterObject) return;
    if (this.bytesRead === 0) throw new UnreadableBody("cut off", 0, "the body was empty");
    throw new UnreadableBody(
      "cut off",
      this.bytesRead,
      `the body ended mid-object, after ${sizeWords(this.bytesRead)}`,
    );
  }

  /** One byte inside a value being cut out; returns the index of the last byte it consumed. */
  private captureByte(chunk: Uint8Array, i: number): number {
    const capture = this.capture;
    const b = chunk[i]!;
    if (capture.inString) {
      if (capture.escaped) {
        capture.escaped = false;
        return i;
      }
      // Skip to the next quote or backslash in one native search: long strings are most of the bytes.
      if (b !== QUOTE && b !== BACKSLASH) {
        const q = chunk.indexOf(QUOTE, i);
        const s = chunk.indexOf(BACKSLASH, i);
        const stop = q === -1 ? s : s === -1 ? q : Math.min(q, s);
        if (stop === -1) return chunk.length - 1;
        i = stop;
      }
      if (chunk[i] === BACKSLASH) capture.escaped = true;
      else {
        capture.inString = false;
        if (capture.scalar && capture.depth === 0) this.valueEnds(chunk, i + 1);
      }
      return i;
    }
    if (capture.scalar && capture.depth === 0) {
      // A bare number, true, false or null ends at the next delimiter, which its parent reads.
      if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isSpace(b)) {
        this.valueEnds(chunk, i);
        return i - 1;
      }
      return i;
    }
    if (b === QUOTE) capture.inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) capture.depth++;
    else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --capture.depth === 0) this.valueEnds(chunk, i + 1);
    return i;
  }

  /** One byte of the object's own structure, between values. */
  private structuralByte(chunk: Uint8Array, i: number): number {
    const b = chunk[i]!;
    switch (this.state) {
      case State.BeforeObject:
        if (isSpace(b)) break;
        if (b !== OPEN_BRACE) throw this.notJson(`"${String.fromCharCode(b)}"`);
        this.state = State.BeforeKey;
        break;
      case State.BeforeKey:
        if (isSpace(b) || b === COMMA) break;
        if (b === CLOSE_BRACE) this.state = State.AfterObject;
        else if (b === QUOTE) {
          this.state = State.Key;
          this.keyBytes = [QUOTE];
          this.keyEscaped = false;
        } else throw this.notJson(`"${String.fromCharCode(b)}" where a member's name belongs`);
        break;
      case State.Key:
        this.keyByte(b);
        break;
      case State.Colon:
        if (isSpace(b)) break;
        if (b !== COLON) throw this.notJson(`"${String.fromCharCode(b)}" where ":" belongs`);
        this.state = State.BeforeValue;
        break;
      case State.BeforeValue:
        if (isSpace(b)) break;
        if (b === OPEN_BRACKET) {
          this.state = State.InArray;
          this.visitor.array?.(this.member);
        } else this.startCapture(b, i, false);
        break;
      case State.InArray:
        if (isSpace(b) || b === COMMA) break;
        if (b === CLOSE_BRACKET) this.state = State.BeforeKey;
        else this.startCapture(b, i, true);
        break;
      case State.AfterObject:
        if (!isSpace(b)) throw this.notJson("more after the object's end");
        break;
    }
    return i;
  }

  private keyByte(b: number) {
    this.keyBytes.push(b);
    if (this.keyBytes.length > 1024) throw this.notJson("a member's name of over 1 KB");
    if (this.keyEscaped) this.keyEscaped = false;
    else if (b === BACKSLASH) this.keyEscaped = true;
    else if (b === QUOTE) {
      this.member = JSON.parse(this.decoder.decode(new Uint8Array(this.keyBytes))) as string;
      this.state = State.Colon;
    }
  }

  private startCapture(b: number, i: number, element: boolean) {
    this.capturingElement = element;
    this.state = State.Capture;
    this.capture.begin(i);
    if (b === OPEN_BRACE || b === OPEN_BRACKET) this.capture.depth = 1;
    else {
      this.capture.scalar = true;
      if (b === QUOTE) this.capture.inString = true;
    }
  }

  /** The captured value ends before `end`: parsed, handed over, and the structure read on. */
  private valueEnds(chunk: Uint8Array, end: number) {
    let value: unknown;
    try {
      value = this.capture.finish(chunk, end, this.decoder);
    } catch (err) {
      if (err instanceof SyntaxError) throw this.notJson(`a malformed value in "${this.member}"`);
      throw err;
    }
    if (this.capturingElement) this.visitor.element(this.member, value);
    else this.visitor.member(this.member, value);
    this.state = this.capturingElement ? State.InArray : State.BeforeKey;
  }

  private notJson(what: string) {
    return new UnreadableBody(
      "not JSON",
      this.bytesRead,
      `the body is not a JSON object (${what} after ${sizeWords(this.bytesRead)})`,
    );
  }
}
