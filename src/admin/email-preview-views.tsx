import type { Child } from "hono/jsx";

/** A page's facts as label and value pairs (who an email goes to, its subject, its headers). */
export function MetaList(props: { entries: Array<[label: string, value: string]> }) {
  return (
    <dl class="meta">
      {props.entries.map(([label, value]) => (
        <>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}

/** The GET form a preview page is re-run with: its fields, and one button. */
export function PreviewFilters(props: { action: string; children: Child }) {
  return (
    <form method="get" action={props.action} class="filters">
      {props.children}
      <button type="submit">Preview</button>
    </form>
  );
}

/** An email as the admin pages show it: a link to its HTML part (served sandboxed), then its text part under `heading`. */
export function EmailParts(props: { htmlHref: string; text: string; heading: string }) {
  return (
    <>
      <p>
        <a href={props.htmlHref}>Open the HTML part</a>
      </p>
      <h2>{props.heading}</h2>
      <pre class="email-text">{props.text}</pre>
    </>
  );
}
