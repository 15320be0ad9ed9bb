// Splits the arguments field of the create form into an argv list.
// Whitespace separates arguments. Single quotes keep everything literal.
// Double quotes keep spaces and allow the escapes \" and \\. A backslash
// outside quotes escapes the next character. No variables or globs are
// expanded: the server runs the command without a shell.
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArgument = false;
  let quote: '"' | "'" | null = null;

  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") {
        quote = null;
      } else {
        current += char;
      }
      continue;
    }
    if (quote === '"') {
      if (char === '"') {
        quote = null;
      } else if (char === '\\' && (text[index + 1] === '"' || text[index + 1] === '\\')) {
        current += text[index + 1];
        index += 1;
      } else {
        current += char;
      }
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inArgument = true;
    } else if (char === '\\' && index + 1 < text.length) {
      current += text[index + 1];
      index += 1;
      inArgument = true;
    } else if (/\s/.test(char)) {
      if (inArgument) {
        args.push(current);
        current = '';
        inArgument = false;
      }
    } else {
      current += char;
      inArgument = true;
    }
  }

  if (quote !== null) {
    throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote in the arguments`);
  }
  if (inArgument) {
    args.push(current);
  }
  return args;
}
