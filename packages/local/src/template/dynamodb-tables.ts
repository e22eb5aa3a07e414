import { TemplateError } from './errors.js';
import { resourcesOfType, type SynthesizedStack } from './read-template.js';

export interface LocalDynamoDb {
  /** A DynamoDB endpoint (DynamoDB Local), e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
}

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The properties of `AWS::DynamoDB::Table` that shape the table's data; the rest (backups, encryption) do not. */
const SHAPE = ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const;

/**
 * Creates each `AWS::DynamoDB::Table` of the template in the local DynamoDB, with its keys, indexes and TTL as
 * synthesized (the same definition that deploys), named `TableName` or `<stack>-<logicalId>`. A table that already
 * exists there is reused, so a DynamoDB Local with a data directory keeps users across runs. Returns the name of each
 * table by logical id. The SDK is loaded only here (`@aws-sdk/client-dynamodb`, an optional peer dependency).
 */
export async function createTemplateTables(
  stack: SynthesizedStack,
  dynamodb: LocalDynamoDb | undefined,
  client: { readonly region: string; readonly credentials: Credentials },
): Promise<Map<string, string>> {
  const tables = resourcesOfType(stack, 'AWS::DynamoDB::Table');
  const names = new Map<string, string>();
  if (tables.length === 0) return names;
  if (!dynamodb) {
    throw new TemplateError(
      `the template has DynamoDB tables (${tables.map(([id]) => id).join(', ')}): give a local DynamoDB endpoint ` +
        '(--dynamodb-endpoint, e.g. DynamoDB Local)',
    );
  }
  let sdk: typeof import('@aws-sdk/client-dynamodb');
  try {
    sdk = await import('@aws-sdk/client-dynamodb');
  } catch {
    throw new TemplateError(
      'creating the template tables needs @aws-sdk/client-dynamodb: install it beside @devauth/local',
    );
  }
  const ddb = new sdk.DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: client.region,
    credentials: client.credentials,
  });
  try {
    for (const [logicalId, table] of tables) {
      const props = table.Properties ?? {};
      const tableName = typeof props.TableName === 'string' ? props.TableName : `${stack.stackName}-${logicalId}`;
      const shape = Object.fromEntries(SHAPE.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]));
      const provisioned = props.BillingMode === 'PROVISIONED';
      try {
        await ddb.send(
          new sdk.CreateTableCommand({
            TableName: tableName,
            ...(shape as object),
            BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
            ...(provisioned ? { ProvisionedThroughput: props.ProvisionedThroughput as never } : {}),
          } as ConstructorParameters<typeof sdk.CreateTableCommand>[0]),
        );
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceInUseException') {
          throw new TemplateError(`table ${logicalId}: DynamoDB refused its definition: ${(error as Error).message}`);
        }
      }
      const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        try {
          await ddb.send(
            new sdk.UpdateTimeToLiveCommand({
              TableName: tableName,
              TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
            }),
          );
        } catch (error) {
          // Already enabled on a reused table.
          if (!/already enabled/i.test((error as Error).message)) throw error;
        }
      }
      names.set(logicalId, tableName);
    }
  } finally {
    ddb.destroy();
  }
  return names;
}
