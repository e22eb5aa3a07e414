// Lambda entry of the migrations custom resource (CloudFormation, through the CDK Provider framework): Create and
// Update run the PostgreSQL schema migrations, Delete does nothing. Store settings from the environment (see README).
import { createMigrateHandler } from '../migrate.js';

export const handler = createMigrateHandler();
