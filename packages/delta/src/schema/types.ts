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

/** The type's name as Delta's schema JSON spells it (`decimal(10,2)`, `long`, ...). */
export function typeName(t: DataType): string {
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`;
    case 'array':
      return `array<${typeName(t.elementType)}>`;
    case 'map':
      return `map<${typeName(t.keyType)},${typeName(t.valueType)}>`;
  }
}
