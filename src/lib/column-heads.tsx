import type { Child } from "hono/jsx";

/** A column of a table: its heading, and a class for the column (`num`: a right-aligned number). */
export type Column = Child | { heading: Child; class: string };

/** A right-aligned number column. */
export const numberColumn = (heading: Child): Column => ({ heading, class: "num" });

function isClassed(column: Column): column is { heading: Child; class: string } {
  return typeof column === "object" && column !== null && "heading" in column && "class" in column;
}

/** A table's header row: one `<th scope="col">` per column, so screen readers name each cell. */
export function ColumnHeads(props: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) =>
          isClassed(column) ? (
            <th scope="col" class={column.class}>
              {column.heading}
            </th>
          ) : (
            <th scope="col">{column}</th>
          ),
        )}
      </tr>
    </thead>
  );
}
