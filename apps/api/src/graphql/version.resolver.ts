import { Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Public } from '../auth/auth.guard.js';
import { NATLENS_VERSION } from '../version.js';

@ObjectType({ description: 'What this natlens server is' })
export class ServerVersion {
  @Field({ description: 'natlens release (package.json version)' })
  natlens!: string;

  @Field({ description: 'Node.js version the server runs on' })
  node!: string;
}

@Resolver()
export class VersionResolver {
  @Public()
  @Query(() => ServerVersion, { description: 'Version of the natlens server answering this query' })
  version(): ServerVersion {
    return { natlens: NATLENS_VERSION, node: process.versions.node };
  }
}
