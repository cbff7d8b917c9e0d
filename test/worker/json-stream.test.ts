import { describe, expect, it } from "vitest";
import { readJsonObject, UnreadableBody, type JsonStreamLimits } from "../../src/services/json-stream";

const roomy: JsonStreamLimits = { maxBytes: 100_000_000, maxValueBytes: 10_000_000 };

/** The body as a stream of chunks cut at the given sizes (cycled), as a network delivers it. */
function streamOf(bytes: Uint8Array, chunkSizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let n = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const size = chunkSizes[n++ % chunkSizes.length]!;
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function read(text: string, chunkSizes = [65_536], limits = roomy) {
  const members: Record<string, unknown> = {};
  const arrays: Record<string, unknown[]> = {};
  const { bytes } = await readJsonObject(
    streamOf(new TextEncoder().encode(text), chunkSizes),
    {
      array: (m) => (arrays[m] = []),
      element: (m, v) => arrays[m]!.push(v),
      member: (m, v) => (members[m] = v),
    },
    limits,
  );
  return { ...members, ...arrays, bytes };
}

async function refusal(text: string, limits = roomy, chunkSizes = [65_536]): Promise<UnreadableBody> {
  const err = await read(text, chunkSizes, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnreadableBody);
  return err as UnreadableBody;
}

const awkward = {
  tickets: [
    { id: 1, description: 'a "quoted" word, a back\\slash, \\" and "\\\\" at the end\\\\', tags: [] },
    {
      id: 2,
      description: "ünïcødé 😀 across chunk edges, \u2028 and \n newlines",
      nested: { a: [1, [2, { b: "]}" }]] },
    },
    { id: 3, empty: "", n: -12.5e-3, t: true, f: false, z: null },
  ],
  users: [],
  after_cursor: 'cur"sor\\',
  end_of_stream: false,
  count: 3,
  meta: { next: null, nested: [1, 2] },
};

describe("reading a JSON object from a stream", () => {
  it("gives every member and every array element exactly as JSON.parse does, however the bytes are cut", async () => {
    const text = JSON.stringify(awkward, null, 1);
    // One byte at a time, then sizes that cut escapes, surrogate pairs and multi-byte characters apart.
    for (const sizes of [[1], [2, 3], [7], [5, 1, 13], [text.length]]) {
      const got = await read(text, sizes);
      expect({ ...got, bytes: undefined }).toEqual({ ...awkward, bytes: undefined });
      expect(got.bytes).toBe(new TextEncoder().encode(text).length);
    }
  });

  it("reads an empty array as present, with no elements", async () => {
    expect(await read('{"tickets":[],"end_of_stream":true}')).toMatchObject({ tickets: [], end_of_stream: true });
  });

  it("says a body that stops mid-object was cut off, with how much had arrived", async () => {
    const text = JSON.stringify(awkward);
    const cut = await refusal(text.slice(0, 120));
    expect(cut.cause).toBe("cut off");
    expect(cut.bytesRead).toBe(120);
    expect(cut.message).toContain("120 bytes");
    expect((await refusal("")).message).toBe("the body was empty");
  });

  it("says a connection lost mid-body was cut off", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"tickets":[{"id":1},'));
        controller.error(new Error("Network connection lost."));
      },
    });
    const err = await readJsonObject(body, { element() {}, member() {} }, roomy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableBody);
    expect((err as UnreadableBody).cause).toBe("cut off");
    expect((err as UnreadableBody).message).toContain("Network connection lost.");
  });

  it("refuses what is not a JSON object: a proxy's HTML page, an array, a broken value, trailing text", async () => {
    for (const text of [
      "<html><body>502 Bad Gateway</body></html>",
      "[1,2]",
      '{"tickets":[{"id":1,}]}',
      '{"a":1} {"b":2}',
      '{"a" 1}',
    ]) {
      expect((await refusal(text)).cause).toBe("not JSON");
    }
  });

  it("refuses a body over the size limit without reading it all, and one entry over the entry limit", async () => {
    const big = JSON.stringify({ tickets: Array.from({ length: 200 }, (_, id) => ({ id, d: "x".repeat(1000) })) });
    const tooLarge = await refusal(big, { maxBytes: 50_000, maxValueBytes: 10_000 }, [4096]);
    expect(tooLarge.cause).toBe("too large");
    expect(tooLarge.bytesRead).toBeLessThanOrEqual(50_000 + 4096);
    const oneHuge = JSON.stringify({ tickets: [{ id: 1, d: "y".repeat(20_000) }] });
    const entry = await refusal(oneHuge, { maxBytes: 1_000_000, maxValueBytes: 10_000 }, [4096]);
    expect(entry.cause).toBe("too large");
    expect(entry.message).toContain('"tickets"');
  });

  it("lets an error thrown while visiting pass through unchanged", async () => {
    const err = await readJsonObject(
      streamOf(new TextEncoder().encode('{"tickets":[1]}'), [3]),
      {
        element() {
          throw new RangeError("stop here");
        },
        member() {},
      },
      roomy,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
  });
});
