/** Mouth curve per rating: control point below the corners smiles, above frowns. */
const MOUTH_CONTROL_Y = [22, 26, 30, 36, 42];

/** A face drawn inline (no image requests, no emoji font needed), coloured by CSS. */
export function Face(props: { rating: number }) {
  const controlY = MOUTH_CONTROL_Y[props.rating - 1] ?? 30;
  const cornersY = props.rating <= 2 ? 33 : 30;
  return (
    <svg
      class={`face face-${props.rating}`}
      viewBox="0 0 48 48"
      width="44"
      height="44"
      aria-hidden="true"
      focusable="false"
    >
      <circle cx="24" cy="24" r="21" />
      <circle class="eye" cx="17" cy="19" r="2.6" />
      <circle class="eye" cx="31" cy="19" r="2.6" />
      <path class="mouth" d={`M15 ${cornersY} Q24 ${controlY} 33 ${cornersY}`} />
    </svg>
  );
}
