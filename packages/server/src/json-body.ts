/**
 * JSON, and also what Python's json module writes for non-finite floats (bare NaN, Infinity,
 * -Infinity), which MLflow's Python client sends for such metric values: read as the strings
 * protobuf's JSON form uses.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const fixed = text.replace(/("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)/g, (m, str: string | undefined) => (str ? m : `"${m}"`));
    if (fixed === text) throw e;
    return JSON.parse(fixed);
  }
}
