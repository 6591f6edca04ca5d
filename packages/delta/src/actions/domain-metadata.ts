/** The `domainMetadata` action: named configuration owned by a feature or a user. */
export interface DomainMetadata {
  readonly domain: string;
  readonly configuration: string;
  readonly removed: boolean;
}
