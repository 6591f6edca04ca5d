/** Strings and regular expressions. */
import { isPunct, isWord } from '../../parse/lexer.js';
import { type Call, isTerm } from '../call.js';
import { sqlString } from '../tokens.js';
import { ANY, nullIfAnyNull, nullWhenNull, type Rule, sparkFunctionError } from './rule.js';

export const STRING_RULES: readonly (readonly [string, Rule])[] = [
  ['concat_ws', { args: [1, ANY], to: concatWs }],
  // --- Strings and regular expressions -------------------------------------------------------
  // Spark replaces every match (DuckDB only the first unless told 'g') and writes groups `$1`.
  ['regexp_replace', { args: [3, 4], to: regexpReplace }],
  // Spark's group defaults to 1, DuckDB's to 0 (the whole match).
  ['regexp_extract', { args: [2, 3], to: (c) => `regexp_extract(${c.sql(0)}, ${regexArg(c, 1)}, ${c.args.length === 3 ? c.sql(2) : '1'})` }],
  ['regexp_extract_all', { args: [2, 3], to: (c) => `regexp_extract_all(${c.sql(0)}, ${regexArg(c, 1)}, ${c.args.length === 3 ? c.sql(2) : '1'})` }],
  ['rlike', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  ['regexp_like', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  ['regexp', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  // Spark splits on a regular expression; DuckDB's split() on the literal text.
  ['split', { args: [2, 3], to: (c) => nullIfAnyNull(c, [0, 1], split(c)) }],
  // Spark's concat is NULL when any argument is; DuckDB's skips NULLs.
  ['concat', { args: [0, ANY], to: (c) => (c.args.length === 0 ? "''" : nullIfAnyNull(c, c.args.map((_, i) => i), `concat(${c.sqls().join(', ')})`)) }],
  ['initcap', { args: [1, 1], to: initcap }],
  ['locate', { args: [2, 3], to: locate }],
  // `position(substr IN str)` is DuckDB's too; the comma form is locate's.
  ['position', { args: [2, 3], to: locate, notACall: (c) => c.args.length === 1 }],
  ['substring_index', { args: [3, 3], to: substringIndex }],
  ['format_number', { args: [2, 2], to: formatNumber }],
  ['format_string', { args: [1, ANY], to: formatString }],
  ['printf', { args: [1, ANY], to: formatString }],
  ['unbase64', { args: [1, 1], to: (c) => `from_base64(${c.sql(0)})` }],
  ['sha', { args: [1, 1], to: (c) => `sha1(${c.sql(0)})` }],
  ['sha2', { args: [2, 2], to: sha2 }],
  // A length below 0 counts from the end in DuckDB; Spark's answer is ''.
  // Over binary, bytes (two hex digits each); a length that is not a number gives NULL.
  ['left', { args: [2, 2], to: (c) => textOrBytes(c, [0], `left(${textOf(c, 0)}, ${clampedLength(c, 1)})`, `unhex(left(${hexOf(c, 0)}, 2 * ${clampedLength(c, 1)}))`), notACall: (c) => isNonNegativeInteger(c, 1) && c.isString(0) }],
  ['right', { args: [2, 2], to: (c) => textOrBytes(c, [0], `right(${textOf(c, 0)}, ${clampedLength(c, 1)})`, `unhex(right(${hexOf(c, 0)}, 2 * ${clampedLength(c, 1)}))`), notACall: (c) => isNonNegativeInteger(c, 1) && c.isString(0) }],
  ['startswith', { args: [2, 2], to: (c) => textOrBytes(c, [0, 1], `starts_with(${textOf(c, 0)}, ${textOf(c, 1)})`, `starts_with(${hexOf(c, 0)}, ${hexOf(c, 1)})`) }],
  ['endswith', { args: [2, 2], to: (c) => textOrBytes(c, [0, 1], `suffix(${textOf(c, 0)}, ${textOf(c, 1)})`, `suffix(${hexOf(c, 0)}, ${hexOf(c, 1)})`) }],
  // Bytes are found at a byte boundary (an even hex position).
  ['contains', { args: [2, 2], to: (c) => textOrBytes(c, [0, 1], `contains(${textOf(c, 0)}, ${textOf(c, 1)})`, `regexp_matches(${hexOf(c, 0)}, '^(?:..)*?' || ${hexOf(c, 1)})`) }],
  ['btrim', { args: [1, 2], to: (c) => `trim(${textOf(c, 0)}${c.args.length === 2 ? `, ${textOf(c, 1)}` : ''})` }],
  ['elt', { args: [2, ANY], to: (c) => `CASE TRY_CAST(${c.sql(0)} AS BIGINT) ${c.args.slice(1).map((_, k) => `WHEN ${k + 1} THEN ${textOf(c, k + 1)}`).join(' ')} END` }],
  ['to_binary', { args: [1, 2], to: toBinary }],
  ['try_to_binary', { args: [1, 2], to: toBinary }],
  ['unhex', { args: [1, 1], to: (c) => `CASE WHEN regexp_matches(${c.sql(0)}, '^[0-9A-Fa-f]*$') THEN unhex(${c.sql(0)}) END` }],
  // Spark's uuid() is a string.
  ['uuid', { args: [0, 0], to: () => 'CAST(uuid() AS VARCHAR)' }],
  ['luhn_check', { args: [1, 1], to: luhnCheck }],
  ['encode', { args: [2, 2], to: (c) => `encode(${charset(c, 1, textOf(c, 0))})` }],
  // decode(bin, charset), or Oracle's decode(expr, search, result, ..., default) where NULL finds NULL.
  ['decode', { args: [2, ANY], to: (c) => (c.args.length === 2 ? `decode(${charset(c, 1, `TRY_CAST(${c.sql(0)} AS BLOB)`)})` : decodeCase(c)) }],
  ['split_part', { args: [3, 3], to: splitPart }],
  ['to_number', { args: [2, 2], to: (c) => toNumber(c, false) }],
  ['try_to_number', { args: [2, 2], to: (c) => toNumber(c, true) }],
  // Spark pads with spaces by default and gives back the string cut to length for an empty pad
  // (DuckDB raises an error).
  ['lpad', { args: [2, 3], to: (c) => pad(c, 'lpad'), notACall: (c) => c.args.length === 3 && c.isString(0) && isNonNegativeInteger(c, 1) && (c.literal(2) ?? '') !== '' }],
  ['rpad', { args: [2, 3], to: (c) => pad(c, 'rpad'), notACall: (c) => c.args.length === 3 && c.isString(0) && isNonNegativeInteger(c, 1) && (c.literal(2) ?? '') !== '' }],
  // Position 0 is position 1 in Spark and a length below 0 gives ''; DuckDB counts the length back
  // from the position (see substring). A positive position and length read the same in both.
  ['substring', { args: [1, 3], to: substring, notACall: (c) => c.args.length === 2 || (c.args.length === 3 && isPositiveInteger(c, 1) && isNonNegativeInteger(c, 2)) }],
  ['substr', { args: [1, 3], to: substring, notACall: (c) => c.args.length === 2 || (c.args.length === 3 && isPositiveInteger(c, 1) && isNonNegativeInteger(c, 2)) }],
  // `SELECT * REPLACE (expr AS col)` is DuckDB's clause.
  ['replace', { args: [2, 3], to: (c) => `replace(${c.sql(0)}, ${c.sql(1)}, '')`, notACall: (c) => c.args.length !== 2 || isPunct(c.t.tokens[c.t.prev(c.start)], '*') }],
];

/** Spark's concat_ws also takes arrays of strings, their elements joined like the other arguments. */
function concatWs(c: Call): string {
  const parts = c.args.slice(1).map((_, j) => {
    const i = j + 1;
    if (c.isString(i)) return `[${c.sql(i)}]`;
    if (c.kindOf(i) === 'array') return c.sql(i);
    const x = c.sql(i);
    return `CASE WHEN typeof(${x}) LIKE '%]' THEN TRY_CAST(${x} AS VARCHAR[]) ELSE [CAST(${x} AS VARCHAR)] END`;
  });
  const list = parts.length === 0 ? '[]::VARCHAR[]' : parts.length === 1 ? parts[0] : `list_concat(${parts.join(', ')})`;
  return nullWhenNull(c, 0, `array_to_string(${list}, ${c.sql(0)})`);
}

/** Argument `i`, a regular expression: a literal is written out with Spark's escapes read. */
export function regexArg(c: Call, i: number): string {
  const v = c.literal(i);
  return v === undefined ? c.sql(i) : sqlString(v);
}

function regexpReplace(c: Call): string {
  const regex = c.literal(1);
  const literal = c.literal(2);
  const rep = literal === undefined ? javaReplacementAtRunTime(c, c.sql(2)) : sqlString(re2Replacement(literal, c.name, regex === undefined ? undefined : groupCount(regex)));
  const replaceAll = (s: string) => `regexp_replace(${s}, ${regexArg(c, 1)}, ${rep}, 'g')`;
  if (c.args.length === 3) return replaceAll(c.sql(0));
  const p = c.sig(3);
  if (p.length !== 1 || p[0].kind !== 'number' || !/^[0-9]+$/.test(p[0].text) || Number(p[0].text) < 1) {
    throw sparkFunctionError(c.name, 'the position must be a positive integer literal');
  }
  const pos = Number(p[0].text);
  if (pos === 1) return replaceAll(c.sql(0));
  // Matching starts at the position (`^` matches there); a position past the end gives the string back.
  const s = c.atom(0);
  return `CASE WHEN length(${s}) >= ${pos} THEN left(${s}, ${pos - 1}) || ${replaceAll(`substr(${s}, ${pos})`)} ELSE ${s} END`;
}

/** A Java replacement (`$1` a group, `\$` a dollar sign) in RE2's syntax (`\1` a group, `\\` a backslash). */
function re2Replacement(rep: string, fn: string, groups: number | undefined): string {
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const ch = rep[i];
    if (ch === '\\') {
      if (++i === rep.length) throw sparkFunctionError(fn, 'the replacement ends in a lone backslash');
      out += rep[i] === '\\' ? '\\\\' : rep[i];
    } else if (ch === '$') {
      const digits = /^[0-9]+/.exec(rep.slice(i + 1))?.[0];
      if (digits === undefined) {
        throw sparkFunctionError(fn, "a '$' in the replacement must be followed by a group number (named groups cannot be translated; write \\$ for a dollar sign)");
      }
      // Java takes in as many digits as still name an existing group; RE2 names groups 0 to 9.
      if (digits.length > 1 && (groups === undefined || Number(digits.slice(0, 2)) <= groups)) {
        throw sparkFunctionError(fn, `the group reference $${digits} cannot be translated (DuckDB's replacements name groups 0 to 9 only)`);
      }
      out += `\\${digits[0]}`;
      i++;
    } else out += ch;
  }
  return out;
}

/** A replacement computed at run time, turned from Java's syntax into RE2's token by token. */
function javaReplacementAtRunTime(c: Call, rep: string): string {
  const t = c.fresh('t');
  const tokens = `regexp_extract_all(${rep}, '${String.raw`\\[\s\S]|\$[0-9]|[^\\$]+|[\s\S]`}')`;
  const token = `CASE WHEN ${t}[1] = '\\' THEN (CASE WHEN ${t}[2] = '\\' THEN '\\\\' ELSE ${t}[2] END) WHEN ${t}[1] = '$' AND length(${t}) = 2 THEN '\\' || ${t}[2] ELSE ${t} END`;
  return `array_to_string(list_transform(${tokens}, lambda ${t}: ${token}), '')`;
}

/** The capturing groups of a regular expression. */
function groupCount(regex: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && (regex[i + 1] !== '?' || /^\?P?<[A-Za-z]/.test(regex.slice(i + 1)))) n++;
  }
  return n;
}

/**
 * Spark's split: pieces between matches of a regular expression; with a limit above 0, at most
 * that many, the last one the rest of the string after the first limit - 1 matches.
 */
function split(c: Call): string {
  const s = c.sql(0);
  const regex = c.literal(1);
  // A delimiter without a special character matches itself: the faster literal split.
  const plain = regex !== undefined && regex !== '' && !/[\\^$.|?*+()[\]{}]/.test(regex);
  const parts = `${plain ? 'string_split' : 'regexp_split_to_array'}(${s}, ${regexArg(c, 1)})`;
  if (c.args.length === 2) return parts;
  const limit = c.sig(2);
  const literal = limit.length === 1 && limit[0].kind === 'number' && /^[0-9]+$/.test(limit[0].text) ? Number(limit[0].text) : undefined;
  if (literal === 0 || (limit.length === 2 && isPunct(limit[0], '-') && limit[1].kind === 'number')) return parts;
  const n = c.atom(2);
  // The first limit - 1 matches, each after the shortest run of text, then the rest.
  const rest =
    regex !== undefined && literal !== undefined
      ? sqlString(`^(?:(?s:.*?)(?:${regex})){${literal - 1}}((?s:.*))$`)
      : `'^(?:(?s:.*?)(?:' || ${regexArg(c, 1)} || ')){' || (${n} - 1) || '}((?s:.*))$'`;
  return `CASE WHEN ${n} > 0 AND len(${parts}) > ${n} THEN list_concat(${parts}[1:${n} - 1], [regexp_extract(${s}, ${rest}, 1)]) ELSE ${parts} END`;
}

/** Spark: each word (split at spaces) capitalized, the rest of it in lower case. */
function initcap(c: Call): string {
  const w = c.fresh('w');
  return `array_to_string(list_transform(string_split(lower(${c.sql(0)}), ' '), lambda ${w}: upper(left(${w}, 1)) || substr(${w}, 2)), ' ')`;
}

/**
 * locate / position: 1-based, 0 when absent. From a position (Hive's rules, kept by Spark): 0 for
 * a position below 1 or NULL, and an empty substring is found at 1.
 */
function locate(c: Call): string {
  const [sub, str] = [c.sql(0), c.sql(1)];
  if (c.args.length === 2) return `instr(${str}, ${sub})`;
  const pos = c.atom(2);
  const found = `instr(substr(${str}, ${pos}), ${sub})`;
  return (
    `CASE WHEN ${pos} IS NULL THEN 0 WHEN ${c.atom(0)} IS NULL OR ${c.atom(1)} IS NULL THEN NULL WHEN ${pos} < 1 THEN 0 ` +
    `WHEN ${c.atom(0)} = '' THEN 1 WHEN ${found} = 0 THEN 0 ELSE ${found} + ${pos} - 1 END`
  );
}

/** The text before the count-th delimiter (after the count-th from the end when negative). */
function substringIndex(c: Call): string {
  const [str, delim, count] = [c.sql(0), c.atom(1), c.atom(2)];
  const parts = `string_split(${str}, ${delim})`;
  return nullIfAnyNull(
    c,
    [0, 1, 2],
    `CASE WHEN ${count} = 0 OR ${delim} = '' THEN '' WHEN ${count} > 0 THEN array_to_string(${parts}[1:${count}], ${delim}) ELSE array_to_string(${parts}[${count}:], ${delim}) END`,
  );
}

/** `#,###,###.##` with d decimals, rounded half to even (Java's DecimalFormat) on the exact value. */
function formatNumber(c: Call): string {
  if (c.isString(1)) throw sparkFunctionError(c.name, 'a format pattern cannot be translated; give the number of decimal places');
  const s = c.sig(1);
  if (s.length === 2 && isPunct(s[0], '-') && s[1].kind === 'number') return 'CAST(NULL AS VARCHAR)';
  if (s.length !== 1 || s[0].kind !== 'number' || !/^[0-9]+$/.test(s[0].text)) throw sparkFunctionError(c.name, 'the number of decimal places must be an integer literal');
  const d = Number(s[0].text);
  return `format('{:,.${d}f}', round_even(${c.sql(0)}, ${d}))`;
}

/** Java's format specifiers: %[index$][flags][width][.precision]conversion. */
const FORMAT_SPEC = /%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])/g;

/**
 * format_string / printf: Java's Formatter, each specifier formatted by DuckDB's printf. Java
 * writes a NULL argument as `null` (DuckDB's printf gives NULL for the whole string) and %b as
 * true / false.
 */
function formatString(c: Call): string {
  const format = c.literal(0);
  if (format === undefined) throw sparkFunctionError(c.name, 'the format must be a string literal');
  const pieces: string[] = [];
  const text = (s: string) => {
    if (s.includes('%')) throw sparkFunctionError(c.name, `the format '${format}' has a '%' that starts no known specifier`);
    if (s) pieces.push(sqlString(s));
  };
  let last = 0;
  let ordinary = 0;
  let previous: number | undefined;
  for (const m of format.matchAll(FORMAT_SPEC)) {
    text(format.slice(last, m.index));
    last = m.index + m[0].length;
    const [spec, index, flags, width = '', precision = '', conversion] = m;
    if (conversion === '%') {
      pieces.push("'%'");
      continue;
    }
    if (conversion === 'n') {
      pieces.push('chr(10)');
      continue;
    }
    let arg: number;
    if (index === '<') {
      if (previous === undefined) throw sparkFunctionError(c.name, `'${spec}' refers to the argument before it, and there is none`);
      arg = previous;
    } else arg = index ? Number(index.slice(0, -1)) : ++ordinary;
    if (arg < 1 || arg >= c.args.length) throw sparkFunctionError(c.name, `the format '${format}' needs argument ${arg + 1}, which was not given`);
    previous = arg;
    pieces.push(formatSpec(c, spec, flags, width, precision, conversion, c.sql(arg)));
  }
  text(format.slice(last));
  return pieces.length === 0 ? "''" : pieces.length === 1 ? pieces[0] : `(${pieces.join(' || ')})`;
}

/** One specifier of format_string, its argument `x`; the index (`2$`) is gone, printf gets one argument. */
function formatSpec(c: Call, spec: string, flags: string, width: string, precision: string, conversion: string, x: string): string {
  const refuse = () => sparkFunctionError(c.name, `the specifier '${spec}' cannot be translated`);
  const left = flags.includes('-') ? '-' : '';
  // Java writes null for a NULL argument, padded to the width like a string.
  const nullText = width ? `printf('%${left}${width}s', 'null')` : "'null'";
  const asString = (value: string) => {
    if (flags.replace('-', '')) throw refuse();
    const padded = width || precision ? `printf('%${left}${width}${precision}s', ${value})` : value;
    return conversion === conversion.toUpperCase() ? `upper(${padded})` : padded;
  };
  switch (conversion) {
    case 's':
    case 'S':
      return asString(`coalesce(CAST(${x} AS VARCHAR), 'null')`);
    case 'b':
    case 'B':
      // Java: false for null, the value of a boolean, true for anything else.
      return asString(`CASE WHEN ${x} IS NULL THEN 'false' WHEN typeof(${x}) = 'BOOLEAN' THEN CAST(${x} AS VARCHAR) ELSE 'true' END`);
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
      if (precision || /[#(]/.test(flags) || (conversion !== 'd' && /[+ ,]/.test(flags))) throw refuse();
      return `coalesce(printf('%${flags}${width}${conversion}', ${x}), ${nullText})`;
    case 'e':
    case 'E':
    case 'f':
      if (/[#(]/.test(flags)) throw refuse();
      return `coalesce(printf('%${flags}${width}${precision}${conversion}', ${x}), ${nullText})`;
    default:
      throw refuse();
  }
}

function sha2(c: Call): string {
  const s = c.sig(1);
  if (s.length !== 1 || s[0].kind !== 'number') throw sparkFunctionError(c.name, 'the bit length must be an integer literal');
  const bits = Number(s[0].text);
  if (bits === 0 || bits === 256) return `sha256(${c.sql(0)})`;
  if (bits === 224 || bits === 384 || bits === 512) throw sparkFunctionError(c.name, `SHA-${bits} cannot be translated (DuckDB has SHA-256 only)`);
  // Spark's answer for a bit length it does not know.
  return 'CAST(NULL AS VARCHAR)';
}

/** Argument `i`, a length, with Spark's reading of a negative one as 0. */
function clampedLength(c: Call, i: number): string {
  const n = isNonNegativeInteger(c, i) ? c.sql(i) : `TRY_CAST(${c.sql(i)} AS INTEGER)`;
  return isNonNegativeInteger(c, i) ? n : `CASE WHEN ${n} < 0 THEN 0 ELSE ${n} END`;
}

function isNonNegativeInteger(c: Call, i: number): boolean {
  const s = c.sig(i);
  return s.length === 1 && s[0].kind === 'number' && /^[0-9]+$/.test(s[0].text);
}

function isPositiveInteger(c: Call, i: number): boolean {
  return isNonNegativeInteger(c, i) && Number(c.sig(i)[0].text) > 0;
}

/**
 * lpad / rpad: spaces by default, the string cut to the length for an empty pad (DuckDB raises an
 * error). Over binary with a binary pad (or none: zero bytes), bytes; a binary mixed with text is
 * read as UTF-8 text.
 */
function pad(c: Call, fn: 'lpad' | 'rpad'): string {
  const n = clampedLength(c, 1);
  const s = textOf(c, 0);
  const text = c.args.length === 2 ? `${fn}(${s}, ${n}, ' ')` : `CASE WHEN ${textOf(c, 2)} = '' THEN left(${s}, ${n}) ELSE ${fn}(${s}, ${n}, ${textOf(c, 2)}) END`;
  const padHex = c.args.length === 2 ? "'00'" : hexOf(c, 2);
  const bytes = `unhex(CASE WHEN ${padHex} = '' THEN left(${hexOf(c, 0)}, 2 * ${n}) ELSE ${fn}(${hexOf(c, 0)}, 2 * ${n}, ${padHex}) END)`;
  return textOrBytes(c, c.args.length === 2 ? [0] : [0, 2], text, bytes);
}

/** Whether argument `i` is visibly binary: a binary literal or a call that makes bytes. */
function visiblyBinary(c: Call, i: number): boolean {
  const s = c.sig(i);
  return s[0]?.kind === 'word' && isPunct(s[1], '(') && BINARY_MAKERS.has(s[0].text.toLowerCase());
}

const BINARY_MAKERS = new Set(['from_hex', 'unhex', 'encode', 'to_binary', 'try_to_binary', 'unbase64', 'binary', 'sha1', 'aes_encrypt']);

/**
 * The call over bytes when every argument of `indexes` is binary, over text otherwise (Spark reads
 * binary mixed with text as UTF-8 text). Which one is asked of DuckDB unless the text shows it.
 */
function textOrBytes(c: Call, indexes: readonly number[], text: string, bytes: string): string {
  if (indexes.some((i) => c.isString(i) || c.first(i)?.kind === 'number')) return text;
  if (indexes.every((i) => visiblyBinary(c, i))) return bytes;
  const binary = indexes.map((i) => `typeof(${c.sql(i)}) = 'BLOB'`).join(' AND ');
  return `CASE WHEN ${binary} THEN ${bytes} ELSE ${text} END`;
}

/** Argument `i` as text: binary as UTF-8, anything else cast (Spark's implicit casts to string). */
function textOf(c: Call, i: number): string {
  if (c.isString(i)) return c.sql(i);
  const x = c.sql(i);
  return `CASE WHEN typeof(${x}) = 'BLOB' THEN decode(TRY_CAST(${x} AS BLOB)) ELSE CAST(${x} AS VARCHAR) END`;
}

/** Argument `i`'s bytes as hex digits (upper case, two per byte). */
function hexOf(c: Call, i: number): string {
  return `hex(TRY_CAST(${c.sql(i)} AS BLOB))`;
}

/** to_binary(str[, fmt]): fmt hex (the default; odd digits get a leading 0), base64 (spaces ignored) or utf-8. */
function toBinary(c: Call): string {
  const s = c.sql(0);
  const lenient = c.name === 'try_to_binary';
  const bad = (what: string) => (lenient ? 'NULL' : `error(${sqlString(`${c.name}(): `)} || ${s} || ${sqlString(` is not ${what}`)})`);
  const hex = `CASE WHEN regexp_matches(${s}, '^[0-9A-Fa-f]*$') THEN unhex(${s}) ELSE ${bad('hexadecimal')} END`;
  // Spaces are skipped, but not between the padding's '='s.
  const compact = `replace(${s}, ' ', '')`;
  const base64 = `CASE WHEN regexp_matches(${compact}, '^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$') AND NOT regexp_matches(${s}, '=\\s+=') THEN from_base64(${compact}) ELSE ${bad('base64')} END`;
  const fmtSig = c.sig(1);
  if (c.args.length === 2 && fmtSig.length === 1 && isWord(fmtSig[0], 'NULL')) return 'CAST(NULL AS BLOB)';
  if (c.args.length === 2 && fmtSig.length === 1 && fmtSig[0].kind === 'number') throw sparkFunctionError(c.name, 'the format must be a string (hex, base64, utf-8 or utf8)');
  const f = c.args.length === 2 ? c.literal(1)?.toLowerCase() : 'hex';
  if (f === 'hex') return hex;
  if (f === 'base64') return base64;
  if (f === 'utf-8' || f === 'utf8') return `encode(${s})`;
  if (f !== undefined) throw sparkFunctionError(c.name, `the format '${c.literal(1)}' is not one of hex, base64, utf-8, utf8`);
  const fmt = `lower(${c.sql(1)})`;
  return `CASE WHEN ${fmt} IS NULL THEN NULL WHEN ${fmt} = 'hex' THEN ${hex} WHEN ${fmt} = 'base64' THEN ${base64} WHEN ${fmt} IN ('utf-8', 'utf8') THEN encode(${s}) ELSE ${lenient ? 'NULL' : `error('${c.name}(): the format is not one of hex, base64, utf-8, utf8')`} END`;
}

/** The value to encode or decode, after checking that the charset is UTF-8 (the only one DuckDB holds text in). */
function charset(c: Call, i: number, value: string): string {
  const name = c.literal(i);
  if (name === undefined) throw sparkFunctionError(c.name, 'the charset must be a string literal');
  if (!/^utf-?8$/i.test(name)) throw sparkFunctionError(c.name, `the charset '${name}' cannot be translated: DuckDB's text is UTF-8`);
  return value;
}

function decodeCase(c: Call): string {
  const x = c.sql(0);
  const pairs: string[] = [];
  let k = 1;
  for (; k + 1 < c.args.length; k += 2) pairs.push(`WHEN ${x} IS NOT DISTINCT FROM ${c.sql(k)} THEN ${c.sql(k + 1)}`);
  return `CASE ${pairs.join(' ')}${k < c.args.length ? ` ELSE ${c.sql(k)}` : ''} END`;
}

/** split_part: an empty delimiter makes the whole string part 1 (and -1); part 0 is an error. */
function splitPart(c: Call): string {
  const [s, d, n] = [c.sql(0), c.sql(1), c.atom(2)];
  return `CASE WHEN ${n} = 0 THEN error('split_part(): the part number 0 is invalid (parts count from 1, or from -1 at the end)') WHEN ${d} = '' THEN CASE WHEN ${n} IN (1, -1) THEN ${s} ELSE '' END ELSE split_part(${s}, ${d}, ${n}) END`;
}

/**
 * to_number(str, fmt): fmt's 0 and 9 are digits, `.` or D the point, `,` or G a grouping
 * separator, `$` a dollar sign, S or MI a sign, PR angle brackets for a negative number. The
 * result is a DECIMAL as wide as fmt's digits; text that does not match is an error (NULL for
 * try_to_number).
 */
function toNumber(c: Call, lenient: boolean): string {
  const fmt = c.literal(1);
  if (fmt === undefined) throw sparkFunctionError(c.name, 'the format must be a string literal');
  const f = fmt.toUpperCase();
  const point = f.search(/[.D]/);
  const digits = (part: string) => (part.match(/[09]/g) ?? []).length;
  const scale = point < 0 ? 0 : digits(f.slice(point));
  const precision = Math.max(1, digits(f));
  if (!/^(S|\$)?[09,G$]*([.D][09]*)?(S|MI|PR)?$/.test(f.replace(/^\$?S|^S\$?/, (m) => m.replace('S', ''))) && !/^[09,G.D$SMIPR]+$/.test(f)) {
    throw sparkFunctionError(c.name, `the format '${fmt}' is not a number format (0, 9, ., D, ,, G, $, S, MI, PR)`);
  }
  const s = c.sql(0);
  const angle = f.endsWith('PR');
  const pattern = `^${angle ? '<?' : ''}[+-]?\\$?[0-9,]*(\\.[0-9]*)?-?${angle ? '>?' : ''}$`;
  const negative = `(regexp_matches(${s}, '^[<-]') OR regexp_matches(${s}, '[->]$'))`;
  const number = `replace(regexp_replace(${s}, '[<>$+-]', '', 'g'), ',', '')`;
  const value = `TRY_CAST(${number} AS DECIMAL(${precision}, ${scale}))`;
  const bad = lenient ? 'NULL' : `error(${sqlString(`${c.name}(): `)} || ${s} || ${sqlString(` does not match the format '${fmt}'`)})`;
  return `CASE WHEN ${s} IS NULL THEN NULL WHEN regexp_matches(${s}, ${sqlString(pattern)}) AND ${value} IS NOT NULL THEN CASE WHEN ${negative} THEN -${value} ELSE ${value} END ELSE ${bad} END`;
}

/** The Luhn checksum of a string of digits (false for anything else). */
function luhnCheck(c: Call): string {
  const s = textOf(c, 0);
  const i = c.fresh('i');
  const digit = `CAST(substr(reverse(${s}), ${i} + 1, 1) AS INTEGER)`;
  const sum = `list_sum(list_transform(range(length(${s})), lambda ${i}: CASE WHEN ${i} % 2 = 1 THEN (CASE WHEN ${digit} * 2 > 9 THEN ${digit} * 2 - 9 ELSE ${digit} * 2 END) ELSE ${digit} END))`;
  return `CASE WHEN ${s} IS NULL THEN NULL WHEN regexp_matches(${s}, '^[0-9]+$') THEN ${sum} % 10 = 0 ELSE false END`;
}

/**
 * substring(s, pos, len) or substring(s FROM pos [FOR len]) (DuckDB's substr has no FROM form).
 * Spark counts the characters from a 0-based start: pos - 1, 0 for pos 0, and length + pos for a
 * negative pos, where a start before the string shortens the length; DuckDB moves such a start to
 * the first character instead.
 */
function substring(c: Call): string {
  const [s, pos, len] = c.args.length === 1 ? (c.pieces(0, ['FROM', 'FOR']) ?? []) : c.sqls();
  if (s === undefined || pos === undefined) throw sparkFunctionError(c.name, 'expects (str, pos[, len]) or (str FROM pos [FOR len])');
  const p = isTerm(pos) ? pos : `(${pos})`;
  const start = `(CASE WHEN ${p} < 0 THEN length(${s}) + ${p} WHEN ${p} = 0 THEN 0 ELSE ${p} - 1 END)`;
  const from = `CASE WHEN ${start} < 0 THEN 1 ELSE ${start} + 1 END`;
  if (len === undefined) return `substring(${s}, ${from})`;
  const n = isTerm(len) ? len : `(${len})`;
  const count = `CASE WHEN ${start} < 0 THEN ${start} + ${n} ELSE ${n} END`;
  return `substring(${s}, ${from}, CASE WHEN ${count} < 0 THEN 0 ELSE ${count} END)`;
}
