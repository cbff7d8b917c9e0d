import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/** The page shell shared by every HTML page: no inline script or style (the CSP forbids both). */
export function Layout(props: {
  title: string;
  children: Child;
  script?: string;
  wide?: boolean;
  stylesheet?: string;
}) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="robots" content="noindex" />
          <title>{props.title}</title>
          <link rel="stylesheet" href={props.stylesheet ?? "/survey.css"} />
          {props.script ? <script src={props.script} defer></script> : null}
        </head>
        <body>
          <main class={props.wide ? "card wide" : "card"}>{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** A friendly page for anything that went wrong; never shows internals. */
export function MessagePage(props: { title: string; heading: string; children: Child }) {
  return (
    <Layout title={props.title}>
      <h1>{props.heading}</h1>
      {props.children}
    </Layout>
  );
}
