import { formatCount } from "./format";

/** "1 response", "2 responses", "1,234 hedgehogs": a count with its noun, in British English digits. */
export function plural(count: number, singular: string, forms: { plural?: string } = {}): string {
  return `${formatCount(count)} ${count === 1 ? singular : (forms.plural ?? `${singular}s`)}`;
}
