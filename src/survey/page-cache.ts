import { SurveyPage, type SurveyFormProps } from "./views";

/**
 * The survey page is the same markup for every customer but for a few link fields, and rendering the
 * JSX tree is most of a GET's cost. So each isolate renders the common case (a fresh survey, no
 * earlier answer, no error) once per preselected face with placeholders, and fills the escaped link
 * fields in per request. Anything else renders the JSX directly.
 */
const PLACEHOLDER = {
  distinctId: "\u0001DISTINCT_ID\u0001",
  team: "\u0001TEAM\u0001",
  area: "\u0001AREA\u0001",
  sig: "\u0001SIG\u0001",
} as const;
const TICKET_PLACEHOLDER = 9_007_199_254_740_991; // rendered as digits; no real ticket id is this large
const EXP_PLACEHOLDER = 999_999_999_999;
type Slot = "distinctId" | "team" | "area" | "sig" | "ticketId" | "exp";
const SLOT_TEXT: Record<Slot, string> = {
  ...PLACEHOLDER,
  ticketId: String(TICKET_PLACEHOLDER),
  exp: String(EXP_PLACEHOLDER),
};
const SLOT_PATTERN = new RegExp(Object.values(SLOT_TEXT).join("|"), "g");
const SLOT_BY_TEXT = new Map(Object.entries(SLOT_TEXT).map(([slot, text]) => [text, slot as Slot]));

/** The page split at its placeholders: `parts[i]`, then the value of `slots[i]`, and so on. */
interface Template {
  parts: string[];
  slots: Slot[];
}
const templates = new Map<string, Promise<Template>>();

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

function split(html: string): Template {
  const parts: string[] = [];
  const slots: Slot[] = [];
  let last = 0;
  for (const match of html.matchAll(SLOT_PATTERN)) {
    parts.push(html.slice(last, match.index));
    slots.push(SLOT_BY_TEXT.get(match[0])!);
    last = match.index + match[0].length;
  }
  parts.push(html.slice(last));
  return { parts, slots };
}

function template(rating: number | undefined, withArea: boolean, props: SurveyFormProps): Promise<Template> {
  const { charity, brand } = props;
  const key = JSON.stringify([rating ?? 0, withArea, charity, brand.name, brand.logoUrl ?? ""]);
  let cached = templates.get(key);
  if (!cached) {
    const page = SurveyPage({
      link: {
        distinctId: PLACEHOLDER.distinctId,
        ticketId: TICKET_PLACEHOLDER,
        team: PLACEHOLDER.team,
        initialTargetArea: withArea ? PLACEHOLDER.area : undefined,
        exp: EXP_PLACEHOLDER,
        sig: PLACEHOLDER.sig,
      },
      selectedRating: rating,
      charity,
      brand,
    });
    cached = Promise.resolve(page.toString()).then((html) => split(String(html)));
    templates.set(key, cached);
  }
  return cached;
}

export async function renderSurveyPage(props: SurveyFormProps): Promise<string> {
  if (props.earlier !== undefined || props.error !== undefined || props.comment !== undefined || props.link.unsigned) {
    return String(await SurveyPage(props).toString());
  }
  const { link } = props;
  const { parts, slots } = await template(props.selectedRating, link.initialTargetArea !== undefined, props);
  const values: Record<Slot, string> = {
    distinctId: escapeHtml(link.distinctId),
    team: escapeHtml(link.team),
    area: escapeHtml(link.initialTargetArea ?? ""),
    sig: escapeHtml(link.sig),
    ticketId: String(link.ticketId),
    exp: String(link.exp),
  };
  let html = parts[0]!;
  for (let i = 0; i < slots.length; i++) html += values[slots[i]!] + parts[i + 1]!;
  return html;
}
