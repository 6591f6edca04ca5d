/** Delta's data types, as a discriminated union mirroring the schema JSON. */
export type PrimitiveTypeName =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | 'variant';

export type DataType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveTypeName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  | { readonly kind: 'array'; readonly elementType: DataType; readonly containsNull: boolean }
  | { readonly kind: 'map'; readonly keyType: DataType; readonly valueType: DataType; readonly valueContainsNull: boolean };

export type FieldMetadata = Readonly<Record<string, unknown>>;

export interface StructField {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
  readonly metadata: FieldMetadata;
}

export type StructType = Extract<DataType, { kind: 'struct' }>;

export const primitive = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });

/**
 * The type's name as Delta's schema JSON spells it (`decimal(10,2)`, `long`, ...); `primitive`
 * renames primitive types (Spark SQL calls `long` `bigint`).
 */
export function typeName(t: DataType, primitive: (name: PrimitiveTypeName) => string = (n) => n): string {
  const name = (x: DataType) => typeName(x, primitive);
  switch (t.kind) {
    case 'primitive':
      return primitive(t.name);
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${name(f.type)}`).join(',')}>`;
    case 'array':
      return `array<${name(t.elementType)}>`;
    case 'map':
      return `map<${name(t.keyType)},${name(t.valueType)}>`;
  }
}
