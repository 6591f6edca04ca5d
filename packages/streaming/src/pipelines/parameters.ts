import { streamingError } from '../errors.js';

/** A pipeline's parameters (Databricks pipelines' configuration): `${name}` in its SQL. */
export type PipelineParameters = Readonly<Record<string, string>>;

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/**
 * The pipeline text with every `${name}` replaced by its parameter's value, as Databricks
 * substitutes a pipeline's configuration into its source before reading it. The substitution is
 * textual and names are case-sensitive, as in Spark's variable substitution (a value is inserted
 * as written; quote it in the SQL where it is a string). A reference
 * to a parameter that is not set fails naming the file and line, unless it sits in a `--`
 * comment, where it is left as it is: comments that document the parameters stay valid.
 */
export function substituteParameters(text: string, file: string, parameters: PipelineParameters): string {
  const values = new Map(Object.entries(parameters));
  return text
    .split('\n')
    .map((line, i) => {
      const comment = lineCommentStart(line);
      return line.replace(REFERENCE, (ref: string, name: string, at: number) => {
        const value = values.get(name);
        if (value !== undefined) return value;
        if (at >= comment) return ref;
        throw streamingError(
          'PIPELINE_PARAMETER_NOT_SET',
          `${file}:${i + 1}: the pipeline parameter ${name} is not set (give it with --conf ${name}=<value>, or parameters: { ${name}: ... })`,
        );
      });
    })
    .join('\n');
}

/** Where a `--` comment starts on the line (outside quotes), or the line's length. */
function lineCommentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '-' && line[i + 1] === '-') return i;
  }
  return line.length;
}
