import base from "../styles/base.css";
import survey from "../styles/survey.css";
import answer from "../styles/answer.css";
import counter from "../styles/counter.css";

/**
 * The stylesheets of the pages customers see, one per kind of page: the shared rules (src/styles/base.css)
 * and the page's own. Each page inlines its one stylesheet (one request for the whole first view),
 * allowed by its hash in the Content-Security-Policy. The CSS files are imported as text (the `Text`
 * rule in wrangler.toml), so they are bundled with the Worker as they are written.
 */
export const PAGE_STYLES = {
  /** Message pages (a bad link, an error, unsubscribing): the shared rules only. */
  message: base,
  /** The survey form. */
  survey: base + survey,
  /** The thank-you page and the choice between two answers. */
  answer: base + answer,
  /** The public hedgehog counter. */
  counter: base + counter,
} as const;

export type PageStyle = keyof typeof PAGE_STYLES;

/** The shared rules, served at /survey.css for the admin area's stylesheet to import. */
export const BASE_CSS = base;
