import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import { PAGE_STYLES, type PageStyle } from "./page-style";

/** Who the customer is talking to: shown above every page they see. */
export interface Brand {
  name: string;
  logoUrl?: string | undefined;
}

/**
 * A part of a page that is the same on every request, rendered once per isolate and reused as
 * markup: rendering the same elements again on every view was most of a survey view's cost.
 * Only for markup that depends on nothing but constants.
 */
export function renderedOnce(render: () => unknown): () => HtmlEscapedString {
  let html: HtmlEscapedString | undefined;
  return () => (html ??= raw(String(render())));
}

/**
 * renderedOnce for markup that depends on one value from a small fixed set (a face preselected, a
 * setting's list): rendered once per value. `store` is a WeakMap for a value that is an object (a
 * parsed setting), so a markup lives no longer than the settings it was made from.
 */
export function renderedOncePer<K>(
  render: (key: K) => unknown,
  store: { get(key: K): HtmlEscapedString | undefined; set(key: K, html: HtmlEscapedString): unknown } = new Map(),
): (key: K) => HtmlEscapedString {
  return (key) => {
    let html = store.get(key);
    if (html === undefined) {
      html = raw(String(render(key)));
      store.set(key, html);
    }
    return html;
  };
}

const headStart = renderedOnce(() => (
  <>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <meta name="robots" content="noindex" />
  </>
));

/** A customer page's title, icon and inline stylesheet, rendered once per title of that stylesheet's pages. */
const headWithStyle = (style: PageStyle) =>
  renderedOncePer((title: string) => (
    <>
      <title>{title}</title>
      <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      <style>{raw(PAGE_STYLES[style])}</style>
    </>
  ));

/** One per inline stylesheet; each such page's title is a constant of its code, so the renderings are few. */
const inlineStyledHeads = Object.fromEntries(
  (Object.keys(PAGE_STYLES) as PageStyle[]).map((style) => [style, headWithStyle(style)]),
) as Record<PageStyle, (title: string) => HtmlEscapedString>;

function BrandLine(props: { brand: Brand }) {
  return (
    <p class="brand">
      {props.brand.logoUrl ? <img src={props.brand.logoUrl} alt="" height="24" /> : null}
      <span>{props.brand.name}</span>
    </p>
  );
}

/**
 * The page shell shared by every HTML page. Customer pages carry their stylesheet (`style`, the
 * shared rules by default) and script inline, so the first view is one request; the
 * Content-Security-Policy allows exactly those by their hashes. The admin area links its own
 * stylesheet instead.
 */
export function Layout(props: {
  title: string;
  children: Child;
  /** An inline script's source (its hash must be in the page's Content-Security-Policy). */
  script?: string;
  wide?: boolean;
  /** Which inline stylesheet the page carries (see page-style.ts). */
  style?: PageStyle;
  /** A linked stylesheet instead of an inline one. */
  stylesheet?: string;
  brand?: Brand;
}) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          {headStart()}
          {props.stylesheet ? (
            <>
              <title>{props.title}</title>
              <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
              <link rel="stylesheet" href={props.stylesheet} />
            </>
          ) : (
            inlineStyledHeads[props.style ?? "message"](props.title)
          )}
        </head>
        <body>
          <main class={props.wide ? "card wide" : "card"}>
            {props.brand ? <BrandLine brand={props.brand} /> : null}
            {props.children}
          </main>
          {props.script ? <script>{raw(props.script)}</script> : null}
        </body>
      </html>
    </>
  );
}

/** A friendly page for anything that went wrong; never shows internals. */
export function MessagePage(props: { title: string; heading: string; children: Child; brand?: Brand }) {
  return (
    <Layout title={props.title} brand={props.brand}>
      <h1>{props.heading}</h1>
      {props.children}
    </Layout>
  );
}

export function NotFoundPage() {
  return (
    <MessagePage title="Page not found" heading="We couldn't find that page">
      <p>If you followed a link from a survey email, please open it again from the email.</p>
    </MessagePage>
  );
}
