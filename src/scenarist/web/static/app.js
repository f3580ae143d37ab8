// Scenarist workspace: the little the pages need beyond htmx. Kept as a file (no inline scripts: the
// Content-Security-Policy allows only the workspace's own scripts).
// A 422 answer is a form with messages beside its fields: swap it in like a success.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "[45]..", swap: false, error: true },
];
htmx.config.includeIndicatorStyles = false;
