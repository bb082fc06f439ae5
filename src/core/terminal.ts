/** The terminal control sequences tasklog writes, named once. */
export const ESC = {
  alternateOn: '\u001b[?1049h',
  alternateOff: '\u001b[?1049l',
  clear: '\u001b[H\u001b[2J',
  cursorHide: '\u001b[?25l',
  cursorShow: '\u001b[?25h',
} as const;
