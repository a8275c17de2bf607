/** A template that cannot be rendered for this message. `field` names the setting at fault. */
export class MessageTemplateError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MessageTemplateError';
  }
}

/** Handlebars' parse errors span lines with a caret drawing; one line reads better in a list. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part && !/^-*\^$/.test(part))
    .join(' ');
  const parse = /^Parse error on line (\d+): (.*?) (?:Expecting .*)?, got '(.+)'$/.exec(line);
  if (parse) {
    const found = parse[3] === 'EOF' ? 'end of template' : parse[3].toLowerCase().replace(/_/g, ' ');
    return `syntax error on line ${parse[1]} near "${parse[2]}": unexpected ${found}`;
  }
  // Strict mode's wording ("\"nombre\" not defined in [object Object] - 1:7") helps no merchant.
  const unknownField = /^"(.+)" not defined in .* - (\d+):(\d+)$/.exec(line);
  if (unknownField)
    return `unknown field "${unknownField[1]}" at line ${unknownField[2]}, column ${Number(unknownField[3]) + 1}`;
  const unknownHelper = /^You specified knownHelpersOnly, but used the unknown helper (.+) - (\d+):(\d+)$/.exec(line);
  if (unknownHelper) {
    return `unknown helper "${unknownHelper[1]}" at line ${unknownHelper[2]}, column ${Number(unknownHelper[3]) + 1}`;
  }
  return line;
}
