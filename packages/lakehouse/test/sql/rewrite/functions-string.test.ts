import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateSparkFunctions } from '../../../src/sql/rewrite/translate.js';
import { fails, one, spark } from './spark.js';

test('regexp_replace: every match, $n groups, Spark string escapes, from a position', async () => {
  // Spark reads '\\d' as the regex \d; DuckDB would read both backslashes.
  assert.deepEqual(
    await one(String.raw`SELECT regexp_replace('100-200', '(\\d+)', 'num') AS a, regexp_replace('100-200', '(\\d+)-(\\d+)', '$2-$1') AS b,
                                regexp_replace('a.b.c', '\\.', '\\$') AS c, regexp_replace('aaa', 'a', 'b', 2) AS d, regexp_replace('abc', '^', 'x', 2) AS e,
                                regexp_replace('abc', 'c', 'x', 9) AS f, regexp_replace('2-1', r'(\d)-(\d)', '$2$10') AS g, regexp_replace(NULL, 'a', 'b') AS h`),
    { a: 'num-num', b: '200-100', c: 'a$b$c', d: 'abb', e: 'axbc', f: 'abc', g: '120', h: null },
  );
  // A replacement computed at run time is read as Java reads it too.
  assert.deepEqual(
    await spark(String.raw`SELECT regexp_replace('a-b', '(a)-(b)', r) AS x FROM VALUES ('$2+$1'), ('\\$1'), ('\\\\'), ('$0!') AS v(r)`),
    [{ x: 'b+a' }, { x: '$1' }, { x: '\\' }, { x: 'a-b!' }],
  );
  fails("SELECT regexp_replace(s, '(a)', '${name}')", /^regexp_replace\(\): a '\$' in the replacement must be followed by a group number/);
  fails("SELECT regexp_replace(s, '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)', '$10')", /^regexp_replace\(\): the group reference \$10 cannot be translated/);
  fails('SELECT regexp_replace(s, r, x, p) FROM t', /^regexp_replace\(\): the position must be a positive integer literal$/);
});

test('regexp_extract(_all) default to group 1; regexp_like, rlike, regexp and the RLIKE / REGEXP operators find a match anywhere', async () => {
  assert.deepEqual(
    await one(String.raw`SELECT regexp_extract('100-200', '(\\d+)-(\\d+)', 1) AS a, regexp_extract('100-200', '(\\d+)-(\\d+)') AS b, regexp_extract('foo', '(\\d+)') AS c,
                                regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)') AS d, regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)', 2) AS e`),
    { a: '100', b: '100', c: '', d: ['100', '300'], e: ['200', '400'] },
  );
  assert.deepEqual(
    await one(String.raw`SELECT regexp_like('%SystemDrive%/Users/John', '%SystemDrive%/Users.*') AS a, rlike('abc', 'b') AS b, regexp('abc', '^b') AS c,
                                'abc' RLIKE 'b' AS d, 'abc' NOT RLIKE '^b' AS e, 'xyz' REGEXP r'y\w' AS f, 'a' || chr(10) || 'b' RLIKE 'a$' AS g, NULL RLIKE 'a' AS h`),
    { a: true, b: true, c: false, d: true, e: true, f: true, g: false, h: null },
  );
  assert.deepEqual(await spark("SELECT s FROM VALUES ('apple'), ('pear'), ('plum') AS v(s) WHERE s RLIKE 'p.*e' ORDER BY s"), [{ s: 'apple' }, { s: 'pear' }]);
  // A column named regexp is not the operator; RLIKE with a computed pattern is refused.
  assert.equal(translateSparkFunctions('SELECT regexp FROM t'), 'SELECT regexp FROM t');
  fails('SELECT s RLIKE p FROM t', /^RLIKE\(\): the regular expression must be a string literal/);
});

test('split: a regular expression, and a limit keeps the rest of the string in the last piece', async () => {
  assert.deepEqual(
    await one(String.raw`SELECT split('oneAtwoBthreeC', '[ABC]') AS a, split('oneAtwoBthreeC', '[ABC]', -1) AS b, split('oneAtwoBthreeC', '[ABC]', 2) AS c,
                                split('a.b.c', '\\.') AS d, split('a.b', '.') AS e, split('a,b,c', ',', 1) AS f, split(NULL, ',') AS g`),
    { a: ['one', 'two', 'three', ''], b: ['one', 'two', 'three', ''], c: ['one', 'twoBthreeC'], d: ['a', 'b', 'c'], e: ['', '', '', ''], f: ['a,b,c'], g: null },
  );
  assert.deepEqual(await spark("SELECT split(s, ', *', n) AS p FROM VALUES ('a, b,c', 2), ('a,b', 0), ('a', 3) AS v(s, n)"), [{ p: ['a', 'b,c'] }, { p: ['a', 'b'] }, { p: ['a'] }]);
});

test('concat is NULL with a NULL argument; initcap, locate / position, substring_index', async () => {
  assert.deepEqual(
    await one(`SELECT concat('Spark', 'SQL') AS a, concat(array(1, 2, 3), array(4, 5), array(6)) AS b, concat('a', NULL) AS c, concat() AS d, concat(array(1), NULL) AS e, concat(1, 2) AS f`),
    { a: 'SparkSQL', b: [1, 2, 3, 4, 5, 6], c: null, d: '', e: null, f: '12' },
  );
  assert.deepEqual(await one(`SELECT initcap('sPark sql') AS a, initcap('hello  wORLD-x') AS b, initcap(NULL) AS c`), { a: 'Spark Sql', b: 'Hello  World-x', c: null });
  assert.deepEqual(
    await one(`SELECT locate('bar', 'foobarbar') AS a, locate('bar', 'foobarbar', 5) AS b, position('bar', 'foobarbar') AS c, position('bar', 'foobarbar', 5) AS d,
                      position('bar' IN 'foobarbar') AS e, locate('bar', 'foobarbar', 0) AS f, locate('', 'abc', 2) AS g, locate('x', 'abc', NULL) AS h, locate(NULL, 'abc', 1) AS i, locate('z', 'abc') AS j`),
    { a: 4, b: 7, c: 4, d: 7, e: 4, f: 0, g: 1, h: 0, i: null, j: 0 },
  );
  assert.deepEqual(
    await one(`SELECT substring_index('www.apache.org', '.', 2) AS a, substring_index('www.apache.org', '.', -2) AS b, substring_index('www.apache.org', '.', 0) AS c,
                      substring_index('www.apache.org', '', 1) AS d, substring_index('www.apache.org', '-', 3) AS e, substring_index('a.b', '.', NULL) AS f`),
    { a: 'www.apache', b: 'apache.org', c: '', d: '', e: 'www.apache.org', f: null },
  );
});

test('left, right, lpad, rpad, substring, replace: Spark reads lengths, positions and pads its own way', async () => {
  assert.deepEqual(
    await one(`SELECT left('Spark SQL', 3) AS a, right('Spark SQL', 3) AS b, left('abc', -1) AS c, right('abc', -1) AS d, left(NULL, -1) AS e`),
    { a: 'Spa', b: 'SQL', c: '', d: '', e: null },
  );
  assert.deepEqual(
    await one(`SELECT lpad('hi', 5, '??') AS a, lpad('hi', 1, '??') AS b, lpad('hi', 5) AS c, rpad('hi', 5, '??') AS d, rpad('hi', 1, '??') AS e, rpad('hi', 5) AS f,
                      lpad('hi', 5, '') AS g, rpad('hi', 1, '') AS h`),
    { a: '???hi', b: 'h', c: '   hi', d: 'hi???', e: 'h', f: 'hi   ', g: 'hi', h: 'h' },
  );
  assert.deepEqual(
    await one(`SELECT substr('Spark SQL', 5) AS a, substr('Spark SQL', -3) AS b, substr('Spark SQL', 5, 1) AS c, substring('Spark SQL', 0, 3) AS d, substr('Spark SQL', 2, -1) AS e,
                      substr('Spark SQL' FROM 5 FOR 1) AS f, substring('abcd', -5, 3) AS g, substring('abcd' FROM -6 FOR 4) AS h, substring('abcd', NULL, 1) AS i`),
    { a: 'k SQL', b: 'SQL', c: 'k', d: 'Spa', e: '', f: 'k', g: 'ab', h: 'ab', i: null },
  );
  assert.deepEqual(await one(`SELECT replace('ABCabc', 'abc', 'DEF') AS a, replace('ABCabc', 'abc') AS b`), { a: 'ABCDEF', b: 'ABC' });
});

test('format_number, format_string / printf with Java formats, unbase64, sha, sha2', async () => {
  // Java's DecimalFormat rounds half to even: 2.665 -> 2.66 (a decimal), 0.125 -> 0.12 (a double).
  assert.deepEqual(
    await one(`SELECT format_number(12332.123456, 4) AS a, format_number(2.665, 2) AS b, format_number(12345, 0) AS c, format_number(-1234.5, 1) AS d,
                      format_number(CAST(0.125 AS DOUBLE), 2) AS e, format_number(NULL, 2) AS f, format_number(1, -1) AS g`),
    { a: '12,332.1235', b: '2.66', c: '12,345', d: '-1,234.5', e: '0.12', f: null, g: null },
  );
  assert.deepEqual(
    await one(`SELECT format_string('Hello World %d %s', 100, 'days') AS a, printf('%s|%d|%5s|%-5s|%05d', NULL, NULL, NULL, 'ab', 42) AS b,
                      format_string('%b %B %b %b', true, false, NULL, 'x') AS c, format_string('%2$s %1$s %<s', 'a', 'b') AS d, printf('%.2f%%', 12.345) AS e,
                      format_string('%,d %x %X %o %e %c', 1234567, 255, 255, 8, 1234.5, 65) AS f, format_string('%S|%n', 'up') AS g, format_string('plain') AS h`),
    { a: 'Hello World 100 days', b: 'null|null| null|ab   |00042', c: 'true FALSE false true', d: 'b a a', e: '12.35%', f: '1,234,567 ff FF 10 1.234500e+03 A', g: 'UP|\n', h: 'plain' },
  );
  assert.deepEqual(
    await one(`SELECT base64('Spark SQL') AS a, CAST(unbase64('U3BhcmsgU1FM') AS VARCHAR) AS b, sha2('Spark', 256) AS c, sha2('Spark', 0) AS d, sha('Spark') AS e, sha2('Spark', 100) AS f`),
    {
      a: 'U3BhcmsgU1FM',
      b: 'Spark SQL',
      c: '529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b',
      d: '529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b',
      e: '85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c',
      f: null,
    },
  );
  fails("SELECT format_number(x, '#,###.##')", /^format_number\(\): a format pattern cannot be translated/);
  fails('SELECT format_number(x, d) FROM t', /^format_number\(\): the number of decimal places must be an integer literal$/);
  fails("SELECT format_string('%d %d', 1)", /^format_string\(\): the format '%d %d' needs argument 3, which was not given$/);
  fails("SELECT printf('%g', 1.5)", /^printf\(\): the specifier '%g' cannot be translated$/);
  fails('SELECT printf(fmt, 1) FROM t', /^printf\(\): the format must be a string literal$/);
  fails("SELECT sha2('a', 512)", /^sha2\(\): SHA-512 cannot be translated \(DuckDB has SHA-256 only\)$/);
});
